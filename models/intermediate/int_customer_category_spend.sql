{#
    One row per customer and product category: purchased value in the
    window, its share of the customer's categorised purchases, and its rank
    for the customer (1 = the customer's top category; ties broken by
    category name). Empty when the input carries no category.
#}
with

lines_in_window as (

    select * from {{ ref('int_order_lines_in_window') }}

),

category_spend as (

    select
        customer_id,
        category,
        sum(net_amount) as purchased_amount,
        sum(quantity) as purchased_units
    from lines_in_window
    where quantity > 0 and category is not null
    group by customer_id, category

),

shares as (

    select
        customer_id,
        category,
        purchased_amount,
        purchased_units,
        cast(purchased_amount as {{ type_double() }}) / nullif(
            sum(purchased_amount) over (partition by customer_id), 0
        ) as spend_share,
        row_number() over (
            partition by customer_id
            order by purchased_amount desc, category asc
        ) as category_rank
    from category_spend

),

final as (

    select
        customer_id,
        category,
        purchased_amount,
        purchased_units,
        spend_share,
        category_rank
    from shares

)

select * from final
