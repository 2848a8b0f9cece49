{#
    One row per backtest date, method and segment: what the customers of
    each segment did over the next var('backtest_horizon_days') days, and
    how much of the spread in that future the segmentation explains (eta
    squared: between-segment over total sum of squares) for log(1 + net
    revenue, clipped at 0) and for bought again (0/1).

    Backtest dates: the build's own as_of_date when order lines on or after
    it exist (set an earlier as_of_date to backtest), and the as_of_date of
    every earlier build in customer_segment_membership_history whose
    horizon has passed by this build's as_of_date (its members as that
    build assigned them). Methods: 'segments' (the model)
    and, for the build's own date, 'rfm_grid' (customer_rfm_cells) side by
    side. Customers: the active (segmented) customers of that date.
#}
{%- set horizon_days = validated_var('backtest_horizon_days') %}
with

order_lines as (

    select * from {{ ref('int_order_lines_accepted') }}

),

analysis_window as (

    select * from {{ ref('int_analysis_window') }}

),

customer_segment_membership as (

    select * from {{ ref('customer_segment_membership') }}

),

customer_rfm_cells as (

    select * from {{ ref('customer_rfm_cells') }}

),

membership_history as (

    select * from {{ ref('customer_segment_membership_history') }}

),

line_span as (

    select max(ordered_at) as last_ordered_at
    from order_lines

),

earlier_builds as (

    select distinct membership_history.as_of_date
    from membership_history
    cross join analysis_window
    where
        {{ dbt.dateadd('day', horizon_days, 'membership_history.as_of_date') }}
        <= analysis_window.as_of_date

),

{# Members on each backtest date: the current build's segments and RFM
   cells, and each earlier build's segments from the membership history. #}
assignments as (

    select
        analysis_window.as_of_date,
        'segments' as method_name,
        customer_segment_membership.model_version,
        customer_segment_membership.customer_id,
        cast(customer_segment_membership.segment_id as {{ dbt.type_string() }})
            as segment_key,
        customer_segment_membership.segment_name
    from customer_segment_membership
    cross join analysis_window
    cross join line_span
    where
        customer_segment_membership.is_active
        and line_span.last_ordered_at >= analysis_window.as_of_date

    union all

    select
        analysis_window.as_of_date,
        'rfm_grid' as method_name,
        cast(null as {{ dbt.type_string() }}) as model_version,
        customer_rfm_cells.customer_id,
        customer_rfm_cells.rfm_cell as segment_key,
        customer_rfm_cells.rfm_cell as segment_name
    from customer_rfm_cells
    cross join analysis_window
    cross join line_span
    where line_span.last_ordered_at >= analysis_window.as_of_date

    union all

    select
        membership_history.as_of_date,
        'segments' as method_name,
        membership_history.model_version,
        membership_history.customer_id,
        cast(membership_history.segment_id as {{ dbt.type_string() }})
            as segment_key,
        membership_history.segment_name
    from membership_history
    inner join earlier_builds
        on membership_history.as_of_date = earlier_builds.as_of_date
    where membership_history.is_active

),

backtest_dates as (

    select distinct
        assignments.as_of_date,
        cast(
            {{ dbt.dateadd('day', horizon_days, 'assignments.as_of_date') }}
            as date
        ) as horizon_end_date,
        line_span.last_ordered_at
        >= {{ dbt.dateadd('day', horizon_days - 1, 'assignments.as_of_date') }}
            as is_horizon_complete
    from assignments
    cross join line_span

),

{# Aggregate the horizon's lines per customer before joining members. #}
future_orders as (

    select
        backtest_dates.as_of_date,
        order_lines.customer_id,
        sum(order_lines.net_amount) as future_net_revenue,
        max(case when order_lines.quantity > 0 then 1 else 0 end)
            as bought_again
    from order_lines
    inner join backtest_dates
        on
            order_lines.ordered_at >= backtest_dates.as_of_date
            and order_lines.ordered_at < backtest_dates.horizon_end_date
    group by backtest_dates.as_of_date, order_lines.customer_id

),

outcomes as (

    select
        assignments.as_of_date,
        assignments.method_name,
        assignments.model_version,
        assignments.customer_id,
        assignments.segment_key,
        assignments.segment_name,
        cast(
            coalesce(future_orders.future_net_revenue, 0) as {{ type_double() }}
        ) as future_net_revenue,
        coalesce(future_orders.bought_again, 0) as bought_again,
        ln(1 + greatest(
            cast(
                coalesce(future_orders.future_net_revenue, 0)
                as {{ type_double() }}
            ), 0
        )) as log_revenue
    from assignments
    left join future_orders
        on
            assignments.as_of_date = future_orders.as_of_date
            and assignments.customer_id = future_orders.customer_id

),

segment_outcomes as (

    select
        as_of_date,
        method_name,
        segment_key,
        max(model_version) as model_version,
        max(segment_name) as segment_name,
        count(*) as customers,
        sum(bought_again) as buying_customers,
        cast(sum(bought_again) as {{ type_double() }})
            as buying_customers_double,
        sum(future_net_revenue) as future_net_revenue,
        {{ median('future_net_revenue') }} as median_net_revenue,
        sum(log_revenue) as sum_log_revenue,
        sum(log_revenue * log_revenue) as sum_squared_log_revenue
    from outcomes
    group by as_of_date, method_name, segment_key

),

{# eta squared from sums: total SS = sum(y^2) - (sum y)^2 / n, between SS
   = sum over segments of (segment sum)^2 / segment n - (sum y)^2 / n;
   bought_again is 0/1, so its sum of squares is its sum. Counts are
   multiplied as doubles (1.0 * count is a DECIMAL on Spark). #}
method_outcomes as (

    select
        as_of_date,
        method_name,
        sum(customers) as customers,
        sum(buying_customers) as buying_customers,
        sum(buying_customers_double) as buying_customers_double,
        sum(future_net_revenue) as future_net_revenue,
        sum(sum_log_revenue) as sum_log_revenue,
        sum(sum_squared_log_revenue) as sum_squared_log_revenue,
        sum(sum_log_revenue * sum_log_revenue / customers)
            as segment_sum_squares_log_revenue,
        sum(buying_customers_double * buying_customers / customers)
            as segment_sum_squares_bought_again
    from segment_outcomes
    group by as_of_date, method_name

),

method_fit as (

    select
        as_of_date,
        method_name,
        future_net_revenue as method_future_net_revenue,
        case
            when
                sum_squared_log_revenue
                - sum_log_revenue * sum_log_revenue / customers > 1e-12
                then (
                    segment_sum_squares_log_revenue
                    - sum_log_revenue * sum_log_revenue / customers
                ) / (
                    sum_squared_log_revenue
                    - sum_log_revenue * sum_log_revenue / customers
                )
        end as eta2_revenue,
        case
            when
                buying_customers
                - buying_customers_double * buying_customers / customers
                > 1e-12
                then (
                    segment_sum_squares_bought_again
                    - buying_customers_double * buying_customers / customers
                ) / (
                    buying_customers
                    - buying_customers_double * buying_customers / customers
                )
        end as eta2_bought_again
    from method_outcomes

),

final as (

    select
        {{ dbt.concat([
            "cast(segment_outcomes.as_of_date as " ~ dbt.type_string() ~ ")",
            "'|'", "segment_outcomes.method_name", "'|'",
            "segment_outcomes.segment_key",
        ]) }} as backtest_segment_id,
        segment_outcomes.method_name,
        segment_outcomes.model_version,
        segment_outcomes.segment_key,
        segment_outcomes.segment_name,
        cast(segment_outcomes.customers as {{ dbt.type_bigint() }})
            as customers,
        cast(segment_outcomes.buying_customers as {{ dbt.type_bigint() }})
            as buying_customers,
        cast({{ horizon_days }} as {{ dbt.type_int() }}) as horizon_days,
        round(
            cast(segment_outcomes.buying_customers as {{ type_double() }})
            / segment_outcomes.customers, 6
        ) as buy_rate,
        round(
            segment_outcomes.future_net_revenue / segment_outcomes.customers, 2
        ) as mean_net_revenue,
        round(segment_outcomes.median_net_revenue, 2) as median_net_revenue,
        round(segment_outcomes.future_net_revenue, 2) as future_net_revenue,
        round(
            segment_outcomes.future_net_revenue
            / nullif(method_fit.method_future_net_revenue, 0), 6
        ) as future_revenue_share,
        round(method_fit.eta2_revenue, 6) as eta2_revenue,
        round(method_fit.eta2_bought_again, 6) as eta2_bought_again,
        backtest_dates.is_horizon_complete,
        segment_outcomes.as_of_date,
        backtest_dates.horizon_end_date
    from segment_outcomes
    inner join method_fit
        on
            segment_outcomes.as_of_date = method_fit.as_of_date
            and segment_outcomes.method_name = method_fit.method_name
    inner join backtest_dates
        on segment_outcomes.as_of_date = backtest_dates.as_of_date

)

select * from final
