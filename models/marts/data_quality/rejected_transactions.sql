{#
    One row per distinct raw order line that was rejected, with the reason
    and the raw text of the values that failed to parse. source_line_count
    says how many identical raw lines it stands for.
#}
with

validated as (

    select * from {{ ref('int_order_lines_validated') }}

),

final as (

    select
        source_line_number,
        rejection_reason,
        non_product_kind,
        order_id,
        customer_id,
        product_id,
        product_name,
        country,
        ordered_at_text,
        quantity_text,
        unit_price_text,
        discount_amount_text,
        is_return_text,
        quantity,
        unit_price,
        line_amount,
        source_line_count,
        ordered_at
    from validated
    where not is_accepted

)

select * from final
