{#
    One row per segment and calendar month of the window (every month with
    an order, for every segment with customers, zeros included): net
    revenue, purchase orders and customers with a purchase in the month,
    customers counted in their CURRENT segment, so the series shows how
    today's segments got here. Summed over segments and months, net
    revenue equals the window's accepted order lines.
#}
with

orders as (

    select * from {{ ref('int_orders') }}

),

segment_membership as (

    select * from {{ ref('customer_segment_membership') }}

),

order_months as (

    select
        customer_id,
        order_id,
        net_amount,
        is_purchase,
        cast({{ dbt.date_trunc('month', 'ordered_date') }} as date)
            as month_start_date
    from orders

),

months as (

    select distinct month_start_date
    from order_months

),

segments as (

    select distinct
        segment_id,
        segment_name
    from segment_membership

),

segment_month_orders as (

    select
        segment_membership.segment_id,
        order_months.month_start_date,
        sum(order_months.net_amount) as net_revenue,
        sum(case when order_months.is_purchase then 1 else 0 end)
            as order_count,
        count(distinct case
            when order_months.is_purchase then order_months.customer_id
        end) as active_customer_count
    from order_months
    inner join segment_membership
        on order_months.customer_id = segment_membership.customer_id
    group by segment_membership.segment_id, order_months.month_start_date

),

segment_months as (

    select
        segments.segment_id,
        segments.segment_name,
        months.month_start_date,
        coalesce(segment_month_orders.net_revenue, 0) as net_revenue,
        coalesce(segment_month_orders.order_count, 0) as order_count,
        coalesce(segment_month_orders.active_customer_count, 0)
            as active_customer_count
    from segments
    cross join months
    left join segment_month_orders
        on
            segments.segment_id = segment_month_orders.segment_id
            and months.month_start_date = segment_month_orders.month_start_date

),

final as (

    select
        {{ dbt.concat([
            'cast(segment_id as ' ~ dbt.type_string() ~ ')', "'|'",
            'cast(month_start_date as ' ~ dbt.type_string() ~ ')',
        ]) }} as segment_month_id,
        cast(segment_id as integer) as segment_id,
        segment_name,
        cast(net_revenue as {{ type_double() }}) as net_revenue,
        cast(
            cast(net_revenue as {{ type_double() }}) / nullif(
                sum(net_revenue) over (partition by month_start_date), 0
            ) as {{ type_double() }}
        ) as month_revenue_share,
        cast(order_count as bigint) as order_count,
        cast(active_customer_count as bigint) as active_customer_count,
        month_start_date
    from segment_months

)

select * from final
