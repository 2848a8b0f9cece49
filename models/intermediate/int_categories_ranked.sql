{#
    One row per product category: purchased value in the window and its
    rank across the shop. The top var('top_category_count') categories get
    their own share-of-spend column in int_customer_features.
#}
with

category_spend as (

    select * from {{ ref('int_customer_category_spend') }}

),

totals as (

    select
        category,
        sum(purchased_amount) as purchased_amount,
        count(*) as customer_count
    from category_spend
    group by category

),

final as (

    select
        category,
        purchased_amount,
        customer_count,
        row_number() over (
            order by purchased_amount desc, category asc
        ) as category_rank
    from totals

)

select * from final
