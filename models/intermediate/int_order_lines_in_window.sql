{#
    Accepted order lines dated before as_of_date: the lines every feature
    is computed from. Lines on or after as_of_date are outside the window
    (not rejected), so a backtest can cut history by setting as_of_date.
#}
{{ config(materialized='view') }}

with

order_lines as (

    select * from {{ ref('int_order_lines_accepted') }}

),

analysis_window as (

    select * from {{ ref('int_analysis_window') }}

),

final as (

    select order_lines.*
    from order_lines
    cross join analysis_window
    where order_lines.ordered_at < analysis_window.as_of_date

)

select * from final
