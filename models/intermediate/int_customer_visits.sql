{#
    One row per customer with at least one valid web session before
    as_of_date: sessions in the last 365 and 90 days, first and last visit.
#}
with

visits as (

    select * from {{ ref('stg_shop__visits') }}

),

analysis_window as (

    select * from {{ ref('int_analysis_window') }}

),

visits_in_window as (

    select
        visits.customer_id,
        visits.visited_at,
        {{ dbt.datediff(
            'visits.visited_at', 'analysis_window.as_of_date', 'day') }}
            as days_before_as_of
    from visits
    cross join analysis_window
    where
        visits.is_valid
        and visits.visited_at < analysis_window.as_of_date

),

final as (

    select
        customer_id,
        sum(case when days_before_as_of <= 365 then 1 else 0 end)
            as visits_last_365_days,
        sum(case when days_before_as_of <= 90 then 1 else 0 end)
            as visits_last_90_days,
        count(*) as visit_count,
        min(visited_at) as first_visited_at,
        max(visited_at) as last_visited_at
    from visits_in_window
    group by customer_id

)

select * from final
