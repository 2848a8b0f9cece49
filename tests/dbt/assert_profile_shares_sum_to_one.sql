{#
    segment_profiles splits all customers and all net revenue among the
    segments: customer_share and revenue_share each sum to 1 (when there is
    revenue). Returns a row (a failure) when either sum is off.
#}
with

segment_profiles as (

    select * from {{ ref('segment_profiles') }}

),

totals as (

    select
        sum(customer_share) as customer_share_total,
        sum(revenue_share) as revenue_share_total,
        sum(net_revenue) as net_revenue_total
    from segment_profiles

),

final as (

    select
        customer_share_total,
        revenue_share_total
    from totals
    where
        abs(customer_share_total - 1) > 1e-9
        or (net_revenue_total <> 0 and abs(revenue_share_total - 1) > 1e-9)

)

select * from final
