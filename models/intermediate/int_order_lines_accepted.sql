{#
    The cleaned order lines: one row per distinct accepted line (exact
    duplicates already collapsed), all dates, so a backtest can cut the
    window anywhere. Features filter to the window themselves.
#}
{{ config(materialized='view') }}

with

validated as (

    select * from {{ ref('int_order_lines_validated') }}

),

final as (

    select
        source_line_number,
        order_id,
        customer_id,
        product_id,
        product_name,
        category,
        country,
        quantity,
        unit_price,
        line_amount,
        duplicate_line_count,
        is_return,
        is_cancellation,
        ordered_at,
        coalesce(discount_amount, 0) as discount_amount,
        line_amount - coalesce(discount_amount, 0) as net_amount,
        discount_amount is not null as has_discount_data
    from validated
    where is_accepted

)

select * from final
