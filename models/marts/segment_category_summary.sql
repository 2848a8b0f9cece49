{#
    One row per segment and product category: the window's spend of the
    segment's customers (by their current segment) in the category, net
    of discounts, how many of them bought in it, its share of the
    segment's categorised spend and its rank in the segment. Empty when
    the input carries no categories.
#}
with

segment_membership as (

    select * from {{ ref('customer_segment_membership') }}

),

category_spend as (

    select * from {{ ref('int_customer_category_spend') }}

),

segment_sizes as (

    select
        segment_id,
        count(*) as segment_customer_count
    from segment_membership
    group by segment_id

),

segment_category_spend as (

    select
        segment_membership.segment_id,
        segment_membership.segment_name,
        category_spend.category,
        sum(category_spend.purchased_amount) as purchased_amount,
        count(*) as customer_count
    from category_spend
    inner join segment_membership
        on category_spend.customer_id = segment_membership.customer_id
    group by
        segment_membership.segment_id,
        segment_membership.segment_name,
        category_spend.category

),

final as (

    select
        {{ dbt.concat([
            'cast(segment_category_spend.segment_id as '
            ~ dbt.type_string() ~ ')',
            "'|'", 'segment_category_spend.category',
        ]) }} as segment_category_id,
        cast(segment_category_spend.segment_id as integer) as segment_id,
        segment_category_spend.segment_name,
        segment_category_spend.category,
        cast(segment_category_spend.purchased_amount as {{ type_double() }})
            as purchased_amount,
        cast(segment_category_spend.customer_count as bigint)
            as customer_count,
        cast(
            cast(segment_category_spend.purchased_amount as {{ type_double() }})
            / nullif(sum(
                segment_category_spend.purchased_amount
            ) over (partition by segment_category_spend.segment_id), 0)
            as {{ type_double() }}
        ) as segment_spend_share,
        cast(
            segment_category_spend.customer_count * 1.0
            / segment_sizes.segment_customer_count as {{ type_double() }}
        ) as segment_customer_share,
        cast(row_number() over (
            partition by segment_category_spend.segment_id
            order by
                segment_category_spend.purchased_amount desc,
                segment_category_spend.category asc
        ) as integer) as category_rank
    from segment_category_spend
    inner join segment_sizes
        on segment_category_spend.segment_id = segment_sizes.segment_id

)

select * from final
