{#
    Every mart that reports net revenue adds up to the net value of the
    order lines in the window (within 0.01 currency units): no mart drops or
    double-counts a customer, a country or a month. Returns one row per mart
    that does not reconcile.
#}
with

int_order_lines_in_window as (

    select * from {{ ref('int_order_lines_in_window') }}

),

customer_features as (

    select * from {{ ref('customer_features') }}

),

segment_profiles as (

    select * from {{ ref('segment_profiles') }}

),

segment_country_summary as (

    select * from {{ ref('segment_country_summary') }}

),

segment_monthly_summary as (

    select * from {{ ref('segment_monthly_summary') }}

),

segment_monthly_revenue_wide as (

    select * from {{ ref('segment_monthly_revenue_wide') }}

),

line_total as (

    select coalesce(sum(net_amount), 0) as net_revenue
    from int_order_lines_in_window

),

mart_totals as (

    select
        'customer_features' as mart_name,
        sum(net_revenue) as net_revenue
    from customer_features
    union all
    select
        'segment_profiles' as mart_name,
        sum(net_revenue) as net_revenue
    from segment_profiles
    union all
    select
        'segment_country_summary' as mart_name,
        sum(net_revenue) as net_revenue
    from segment_country_summary
    union all
    select
        'segment_monthly_summary' as mart_name,
        sum(net_revenue) as net_revenue
    from segment_monthly_summary
    union all
    select
        'segment_monthly_revenue_wide' as mart_name,
        sum(net_revenue_total) as net_revenue
    from segment_monthly_revenue_wide

),

final as (

    select
        mart_totals.mart_name,
        mart_totals.net_revenue as mart_net_revenue,
        line_total.net_revenue as line_net_revenue
    from mart_totals
    cross join line_total
    where
        abs(coalesce(mart_totals.net_revenue, 0) - line_total.net_revenue)
        > 0.01

)

select * from final
