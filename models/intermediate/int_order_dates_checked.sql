{#
    One row per calendar date that order lines are dated on, with the
    verdict on the date itself, so one mistyped year cannot move the
    default as_of_date for the whole shop:
    - future_dated: after load_date (var, default the day of the build);
    - implausible_date: in a run of dates separated from the bulk by a gap
      of more than implausible_date_gap_days, a run that is not the largest
      and holds at most implausible_date_max_share of the lines (a typo
      such as 2052 for 2025, or 1025).
    Runs are found set-based: a date starts a new run when the gap to the
    previous date exceeds the threshold; the run number is the running
    count of starts. int_order_lines_validated rejects the lines of a date
    with a verdict; int_analysis_window reports them.
#}
{%- set load_date = validated_var('load_date')
    or run_started_at.strftime('%Y-%m-%d') -%}
{%- set gap_days = validated_var('implausible_date_gap_days') -%}
{%- set max_share = validated_var('implausible_date_max_share') -%}

with

order_lines as (

    select * from {{ ref('stg_shop__order_lines') }}

),

daily as (

    select
        cast(ordered_at as date) as order_date,
        sum(source_line_count) as line_count
    from order_lines
    where ordered_at is not null
    group by cast(ordered_at as date)

),

dated as (

    select
        order_date,
        line_count,
        cast({{ sql_literal(load_date) }} as date) as load_date,
        order_date > cast({{ sql_literal(load_date) }} as date)
            as is_future_dated
    from daily

),

gaps as (

    select
        order_date,
        line_count,
        {{ dbt.datediff(
            'lag(order_date) over (order by order_date)',
            'order_date', 'day') }} as days_since_previous_date
    from dated
    where not is_future_dated

),

run_starts as (

    select
        order_date,
        line_count,
        case
            when
                days_since_previous_date is null
                or days_since_previous_date > {{ gap_days }}
                then 1
            else 0
        end as is_run_start
    from gaps

),

runs as (

    select
        order_date,
        line_count,
        sum(is_run_start) over (
            order by order_date rows between unbounded preceding and current row
        ) as run_number
    from run_starts

),

run_totals as (

    select
        run_number,
        sum(line_count) as run_line_count,
        min(order_date) as run_first_date,
        max(order_date) as run_last_date
    from runs
    group by run_number

),

{# The bulk: the run with the most lines (the latest on a tie). #}
bulk as (

    select
        run_number,
        run_first_date,
        run_last_date,
        row_number() over (
            order by run_line_count desc, run_number desc
        ) as bulk_rank
    from run_totals

),

plausible_total as (

    select sum(line_count) as line_count
    from dated
    where not is_future_dated

),

final as (

    select
        dated.order_date,
        dated.line_count,
        runs.run_number,
        run_totals.run_line_count,
        bulk.run_first_date as bulk_first_date,
        bulk.run_last_date as bulk_last_date,
        case
            when dated.is_future_dated then 'future_dated'
            when
                runs.run_number <> bulk.run_number
                and run_totals.run_line_count
                <= {{ max_share }} * plausible_total.line_count
                then 'implausible_date'
        end as date_rejection_reason,
        dated.load_date
    from dated
    left join runs
        on dated.order_date = runs.order_date
    left join run_totals
        on runs.run_number = run_totals.run_number
    left join bulk
        on bulk.bulk_rank = 1
    cross join plausible_total

)

select * from final
