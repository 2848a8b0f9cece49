{#
    One row per segment and country: customers (by their current segment)
    and their net revenue in the window, with three shares: of the
    segment's customers, of the segment's revenue, and of the country's
    customers. Customers without a country are counted under 'Unknown'.
#}
with

segment_membership as (

    select * from {{ ref('customer_segment_membership') }}

),

customer_features as (

    select * from {{ ref('int_customer_features') }}

),

segment_countries as (

    select
        segment_membership.segment_id,
        segment_membership.segment_name,
        coalesce(customer_features.country, 'Unknown') as country,
        count(*) as customer_count,
        sum(customer_features.net_revenue) as net_revenue
    from segment_membership
    inner join customer_features
        on segment_membership.customer_id = customer_features.customer_id
    group by
        segment_membership.segment_id,
        segment_membership.segment_name,
        coalesce(customer_features.country, 'Unknown')

),

final as (

    select
        {{ dbt.concat([
            'cast(segment_id as ' ~ dbt.type_string() ~ ')',
            "'|'", 'country',
        ]) }} as segment_country_id,
        cast(segment_id as integer) as segment_id,
        segment_name,
        country,
        cast(customer_count as bigint) as customer_count,
        cast(net_revenue as {{ type_double() }}) as net_revenue,
        cast(
            customer_count * 1.0
            / sum(customer_count) over (partition by segment_id)
            as {{ type_double() }}
        ) as segment_customer_share,
        cast(
            cast(net_revenue as {{ type_double() }})
            / nullif(sum(net_revenue) over (partition by segment_id), 0)
            as {{ type_double() }}
        ) as segment_revenue_share,
        cast(
            customer_count * 1.0
            / sum(customer_count) over (partition by country)
            as {{ type_double() }}
        ) as country_customer_share
    from segment_countries

)

select * from final
