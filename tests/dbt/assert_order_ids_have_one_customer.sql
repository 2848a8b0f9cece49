{#
    Warns (does not fail the build) when an order id is used by more than
    one customer: the lines are kept for each customer and listed in
    order_id_conflicts (see docs/data_quality.md for why).
#}
{{ config(severity='warn') }}

select * from {{ ref('order_id_conflicts') }}
