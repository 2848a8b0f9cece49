{#
    One row per customer and order within the analysis window (ordered
    before as_of_date). A purchase order has at least one line with a
    positive quantity; return-only orders (and cancellations) carry only
    returned value. Amounts in the shop's currency.
    Only what the features and marts read: at 100M lines this is 64M
    orders, and every extra aggregate is state that has to spill.
#}
with

lines_in_window as (

    select * from {{ ref('int_order_lines_in_window') }}

),

orders as (

    select
        customer_id,
        order_id,
        max(country) as country,
        sum(case when quantity > 0 then line_amount else 0 end)
            as purchased_amount,
        sum(case when quantity < 0 then -line_amount else 0 end)
            as returned_amount,
        sum(case when quantity > 0 then discount_amount else 0 end)
            as discount_amount,
        sum(net_amount) as net_amount,
        max(case when quantity > 0 then 1 else 0 end) = 1 as is_purchase,
        min(ordered_at) as ordered_at
    from lines_in_window
    group by customer_id, order_id

),

final as (

    select
        customer_id,
        order_id,
        country,
        purchased_amount,
        returned_amount,
        discount_amount,
        net_amount,
        is_purchase,
        ordered_at,
        cast(ordered_at as date) as ordered_date,
        is_purchase and discount_amount > 0 as is_discounted
    from orders

)

select * from final
