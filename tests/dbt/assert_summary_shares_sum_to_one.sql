{#
    The long pivots split each whole into shares that sum to 1: a segment's
    customers over countries, a country's customers over segments, a
    segment's categorised spend over categories, and a month's net revenue
    over segments (months with revenue). Returns one row per whole whose
    shares do not sum to 1.
#}
with

segment_country_summary as (

    select * from {{ ref('segment_country_summary') }}

),

segment_category_summary as (

    select * from {{ ref('segment_category_summary') }}

),

segment_monthly_summary as (

    select * from {{ ref('segment_monthly_summary') }}

),

share_totals as (

    select
        'segment_customer_share by segment' as share_name,
        cast(segment_id as {{ dbt.type_string() }}) as whole_key,
        sum(segment_customer_share) as share_total
    from segment_country_summary
    group by segment_id
    union all
    select
        'country_customer_share by country' as share_name,
        country as whole_key,
        sum(country_customer_share) as share_total
    from segment_country_summary
    group by country
    union all
    select
        'segment_spend_share by segment' as share_name,
        cast(segment_id as {{ dbt.type_string() }}) as whole_key,
        sum(segment_spend_share) as share_total
    from segment_category_summary
    group by segment_id
    union all
    select
        'month_revenue_share by month' as share_name,
        cast(month_start_date as {{ dbt.type_string() }}) as whole_key,
        sum(month_revenue_share) as share_total
    from segment_monthly_summary
    group by month_start_date
    having sum(net_revenue) <> 0

),

final as (

    select
        share_name,
        whole_key,
        share_total
    from share_totals
    where abs(share_total - 1) > 1e-9

)

select * from final
