{#
    One row: the date the features are computed as of (exclusive end of
    the window), the activity threshold, and which optional inputs the data
    actually carries, so features they cannot support come out null rather
    than zero.
#}
{%- if var('as_of_date', none) -%}
    {%- set as_of_date = "cast('" ~ var('as_of_date') ~ "' as date)" -%}
{%- else -%}
    {%- set as_of_date = 'cast(' ~ dbt.dateadd(
        'day', 1, 'line_summary.last_ordered_date') ~ ' as date)' -%}
{%- endif %}

with

order_lines as (

    select * from {{ ref('int_order_lines_accepted') }}

),

visits as (

    select * from {{ ref('stg_shop__visits') }}

),

line_summary as (

    select
        cast(max(ordered_at) as date) as last_ordered_date,
        count(category) > 0 as has_category_data,
        {{ dbt.bool_or('has_discount_data') }} as has_discount_data
    from order_lines

),

visit_summary as (

    select count(*) > 0 as has_visit_data
    from visits
    where is_valid

),

final as (

    select
        {{ as_of_date }} as as_of_date,
        {{ var('inactive_after_days') }} as inactive_after_days,
        visit_summary.has_visit_data,
        coalesce(line_summary.has_category_data, false) as has_category_data,
        coalesce(line_summary.has_discount_data, false) as has_discount_data
    from line_summary
    cross join visit_summary

)

select * from final
