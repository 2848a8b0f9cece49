{#
    One row: the date the features are computed as of (exclusive end of
    the window), why that date, the activity threshold, and which optional
    inputs the data actually carries, so features they cannot support come
    out null rather than zero.
    as_of_date is the var when set, else the day after the last accepted
    order line; lines dated after load_date (future_dated) or far from the
    bulk of the data (implausible_date) are rejected before that, in
    int_order_lines_validated, so one mistyped year cannot move it. The
    post-hook prints the choice and stops the build, naming the date, the
    line counts and the var to set, when no accepted line is in the window.
#}
{%- set as_of_var = validated_var('as_of_date') -%}
{%- set as_of_date_rule = 'set by var as_of_date' if as_of_var
    else 'the day after the last accepted order line' -%}
{%- if as_of_var -%}
    {%- set as_of_date = 'cast(' ~ sql_literal(as_of_var) ~ ' as date)' -%}
{%- else -%}
    {%- set as_of_date = 'cast(' ~ dbt.dateadd(
        'day', 1, 'line_summary.last_ordered_date') ~ ' as date)' -%}
{%- endif %}
{{ config(post_hook="{{ report_analysis_window(this) }}") }}

with

order_lines as (

    select * from {{ ref('int_order_lines_accepted') }}

),

validated_lines as (

    select * from {{ ref('int_order_lines_validated') }}

),

visits as (

    select * from {{ ref('stg_shop__visits') }}

),

line_summary as (

    select
        cast(min(ordered_at) as date) as first_ordered_date,
        cast(max(ordered_at) as date) as last_ordered_date,
        sum(1 + duplicate_line_count) as accepted_line_count,
        count(category) > 0 as has_category_data,
        {{ dbt.bool_or('has_discount_data') }} as has_discount_data
    from order_lines

),

date_summary as (

    select
        sum(
            case
                when rejection_reason = 'future_dated' then source_line_count
                else 0
            end
        ) as future_dated_line_count,
        sum(
            case
                when rejection_reason = 'implausible_date'
                    then source_line_count
                else 0
            end
        ) as implausible_date_line_count
    from validated_lines

),

visit_summary as (

    select count(*) > 0 as has_visit_data
    from visits
    where is_valid

),

windowed as (

    select
        {{ as_of_date }} as as_of_date,
        {{ sql_literal(as_of_date_rule) }} as as_of_date_rule,
        line_summary.first_ordered_date,
        line_summary.last_ordered_date,
        coalesce(line_summary.accepted_line_count, 0) as accepted_line_count,
        coalesce(date_summary.future_dated_line_count, 0)
            as future_dated_line_count,
        coalesce(date_summary.implausible_date_line_count, 0)
            as implausible_date_line_count,
        visit_summary.has_visit_data,
        coalesce(line_summary.has_category_data, false) as has_category_data,
        coalesce(line_summary.has_discount_data, false) as has_discount_data,
        cast({{ sql_literal(validated_var('load_date')
            or run_started_at.strftime('%Y-%m-%d')) }} as date) as load_date
    from line_summary
    cross join date_summary
    cross join visit_summary

),

in_window as (

    select sum(1 + order_lines.duplicate_line_count) as line_count
    from order_lines
    cross join windowed
    where order_lines.ordered_at < windowed.as_of_date

),

final as (

    select
        windowed.as_of_date,
        windowed.as_of_date_rule,
        {{ validated_var('inactive_after_days') }} as inactive_after_days,
        windowed.accepted_line_count,
        coalesce(in_window.line_count, 0) as in_window_line_count,
        windowed.future_dated_line_count,
        windowed.implausible_date_line_count,
        windowed.has_visit_data,
        windowed.has_category_data,
        windowed.has_discount_data,
        windowed.first_ordered_date,
        windowed.last_ordered_date,
        windowed.load_date
    from windowed
    cross join in_window

)

select * from final
