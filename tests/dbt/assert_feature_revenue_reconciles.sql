{#
    Net revenue summed over customers equals the net value of the accepted
    order lines in the window: features neither drop nor double-count lines.
#}
with

lines_in_window as (

    select sum(net_amount) as net_revenue
    from {{ ref('int_order_lines_in_window') }}

),

customer_features as (

    select sum(net_revenue) as net_revenue
    from {{ ref('int_customer_features') }}

),

final as (

    select
        lines_in_window.net_revenue as line_net_revenue,
        customer_features.net_revenue as feature_net_revenue
    from lines_in_window
    cross join customer_features
    where
        abs(
            coalesce(lines_in_window.net_revenue, 0)
            - coalesce(customer_features.net_revenue, 0)
        ) > 0.005

)

select * from final
