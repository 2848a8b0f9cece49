-- depends_on: {{ ref('segment_profiles') }}
{#
    One row per calendar month of the window, for BI tools that want a
    wide table: the net revenue of each segment (customers by their
    current segment) in its own column, net_revenue_segment_<segment_id>
    (0 = inactive customers), and the month's total. The columns follow
    the segments of segment_profiles when this model runs; segment ids are
    stable across retrains, their names are in segment_profiles.
#}
{%- set segment_ids = [] -%}
{%- set profiles = ref('segment_profiles') -%}
{%- if execute and load_relation(profiles) is not none -%}
{%- set rows = run_query(
    'select segment_id from ' ~ profiles ~ ' order by segment_id') -%}
{%- do segment_ids.extend(rows.columns[0].values() | map('int')) -%}
{%- endif %}

with

segment_monthly_summary as (

    select * from {{ ref('segment_monthly_summary') }}

),

final as (

    select
        month_start_date,
        {%- for segment_id in segment_ids %}
        sum(
            case when segment_id = {{ segment_id }} then net_revenue else 0 end
        ) as net_revenue_segment_{{ segment_id }},
        {%- endfor %}
        {#- a sum of several floats depends on row order: rounded so that
            reruns are byte-identical #}
        round(sum(net_revenue), 6) as net_revenue_total
    from segment_monthly_summary
    group by month_start_date

)

select * from final
