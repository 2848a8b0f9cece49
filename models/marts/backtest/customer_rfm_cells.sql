{#
    One row per active customer: the classic RFM grid, the baseline every
    marketer knows and the one the backtest compares the segments with.
    Recency and frequency are scored 1-5 by quintile of rank among the
    active customers: score = floor(5 * (rank - 1) / customers) + 1, with
    rank() so that tied customers share a score (the lowest rank of the tie)
    and the grid is deterministic without a tie-breaker. R 5 is the most
    recent fifth, F 5 the most frequent. The R x F cells follow the usual
    segment map; docs/method.md lists the rules.
#}
with

customer_features as (

    select * from {{ ref('int_customer_features') }}

),

active_customers as (

    select
        customer_id,
        recency_days,
        order_count,
        net_revenue,
        as_of_date,
        count(*) over () as active_customers,
        rank() over (order by recency_days desc) as recency_rank,
        rank() over (order by order_count asc) as frequency_rank
    from customer_features
    where is_active

),

scored as (

    select
        customer_id,
        recency_days,
        order_count,
        net_revenue,
        as_of_date,
        cast(
            floor(5.0 * (recency_rank - 1) / active_customers) + 1 as integer
        ) as recency_score,
        cast(
            floor(5.0 * (frequency_rank - 1) / active_customers) + 1 as integer
        ) as frequency_score
    from active_customers

),

final as (

    select
        customer_id,
        {{ rfm_cell('recency_score', 'frequency_score') }} as rfm_cell,
        recency_score,
        frequency_score,
        cast(recency_days as {{ dbt.type_int() }}) as recency_days,
        cast(order_count as {{ dbt.type_bigint() }}) as order_count,
        cast(net_revenue as {{ type_double() }}) as net_revenue,
        as_of_date
    from scored

)

select * from final
