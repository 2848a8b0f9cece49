{#
    One row per segment of the current model, plus segment 0 for the
    inactive customers (name, description and campaign from the
    segment_reserved seed; the reasons and counts appended), so that
    customer_share sums to 1 over all customers and net_revenue to the
    window's revenue (customer_features).
    Sizes, revenue and its share, the segment's return rate (returned /
    purchased value), mean and median of each clustering feature in real
    units (the profiled features of the segment_features seed), the top
    categories and the bootstrap stability.
#}
{%- set profile_features = profiled_features() -%}

with

customer_features as (

    select * from {{ ref('int_customer_features') }}

),

segment_membership as (

    select * from {{ ref('customer_segment_membership') }}

),

segment_definitions as (

    select * from {{ ref('segment_definitions') }}

),

segment_category_summary as (

    select * from {{ ref('segment_category_summary') }}

),

analysis_window as (

    select * from {{ ref('int_analysis_window') }}

),

segment_reserved as (

    select * from {{ ref('segment_reserved') }}

),

inactive_reasons as (

    select
        inactive_reason,
        count(*) as customer_count
    from customer_features
    where not is_active
    group by inactive_reason

),

inactive_reason_texts as (

    select
        inactive_reasons.inactive_reason,
        {{ dbt.concat([
            "case when inactive_reasons.inactive_reason"
            ~ " = 'no_purchase_in_window'"
            ~ " then 'no purchase before as_of_date'"
            ~ " else " ~ dbt.concat([
                "'no purchase in the last '",
                "cast(analysis_window.inactive_after_days as "
                ~ dbt.type_string() ~ ")",
                "' days'",
            ]) ~ " end",
            "' ('",
            "cast(inactive_reasons.customer_count as "
            ~ dbt.type_string() ~ ")",
            "' customers)'",
        ]) }} as reason_text
    from inactive_reasons
    cross join analysis_window

),

inactive_reason_summary as (

    select
        coalesce({{ ordered_listagg(
            'inactive_reason_texts.reason_text', "'; '",
            'inactive_reason_texts.inactive_reason'
        ) }}, 'none as of this date') as reasons
    from inactive_reason_texts

),

inactive_segment as (

    select
        0 as segment_id,
        segment_reserved.segment_name,
        {{ dbt.concat([
            'segment_reserved.description', "': '",
            'inactive_reason_summary.reasons', "'.'",
        ]) }} as description,
        segment_reserved.recommended_campaign,
        cast(null as {{ dbt.type_string() }}) as stability_class,
        cast(null as {{ type_double() }}) as stability_jaccard
    from inactive_reason_summary
    left join segment_reserved
        on segment_reserved.segment_id = 0

),

segments as (

    select
        segment_id,
        segment_name,
        description,
        recommended_campaign,
        stability_class,
        stability_jaccard
    from segment_definitions
    union all
    select
        segment_id,
        segment_name,
        description,
        recommended_campaign,
        stability_class,
        stability_jaccard
    from inactive_segment

),

current_model as (

    select max(model_version) as model_version
    from segment_definitions

),

segment_customers as (

    select
        customer_features.*,
        segment_membership.segment_id
    from segment_membership
    inner join customer_features
        on segment_membership.customer_id = customer_features.customer_id

),

segment_statistics as (

    select
        segment_id,
        {%- for feature in profile_features %}
        {# Rounded: a parallel float sum may differ in its last bits. #}
        round(avg(cast({{ feature }} as {{ type_double() }})), 6)
            as {{ feature }}_mean,
        {{ median('cast(' ~ feature ~ ' as ' ~ type_double() ~ ')') }}
            as {{ feature }}_median,
        {%- endfor %}
        count(*) as customer_count,
        sum(net_revenue) as net_revenue,
        sum(purchased_amount) as purchased_amount,
        sum(returned_amount) as returned_amount
    from segment_customers
    group by segment_id

),

totals as (

    select
        sum(customer_count) as customer_count,
        sum(net_revenue) as net_revenue
    from segment_statistics

),

top_categories as (

    select
        segment_id,
        max(case when category_rank = 1 then category end) as top_category,
        {{ ordered_listagg(
            dbt.concat([
                'category', "' '",
                'cast(cast(round(segment_spend_share * 100) as integer) as '
                ~ dbt.type_string() ~ ')',
                "'%'",
            ]),
            "', '",
            'category_rank',
        ) }} as top_categories
    from segment_category_summary
    where category_rank <= 3
    group by segment_id

),

final as (

    select
        cast(segments.segment_id as integer) as segment_id,
        current_model.model_version,
        segments.segment_name,
        segments.description,
        segments.recommended_campaign,
        segments.stability_class,
        top_categories.top_category,
        top_categories.top_categories,
        cast(coalesce(segment_statistics.customer_count, 0) as bigint)
            as customer_count,
        cast(
            coalesce(segment_statistics.customer_count, 0) * 1.0
            / nullif(totals.customer_count, 0) as {{ type_double() }}
        ) as customer_share,
        cast(coalesce(segment_statistics.net_revenue, 0) as {{ type_double() }})
            as net_revenue,
        cast(
            cast(
                coalesce(segment_statistics.net_revenue, 0)
                as {{ type_double() }}
            ) / nullif(totals.net_revenue, 0) as {{ type_double() }}
        ) as revenue_share,
        cast(
            coalesce(segment_statistics.purchased_amount, 0)
            as {{ type_double() }}
        ) as purchased_amount,
        cast(
            coalesce(segment_statistics.returned_amount, 0)
            as {{ type_double() }}
        ) as returned_amount,
        cast(
            cast(segment_statistics.returned_amount as {{ type_double() }})
            / nullif(segment_statistics.purchased_amount, 0)
            as {{ type_double() }}
        ) as return_rate,
        {%- for feature in profile_features %}
        segment_statistics.{{ feature }}_mean,
        cast(segment_statistics.{{ feature }}_median as {{ type_double() }})
            as {{ feature }}_median,
        {%- endfor %}
        cast(segments.stability_jaccard as {{ type_double() }})
            as stability_jaccard,
        analysis_window.as_of_date
    from segments
    cross join current_model
    cross join totals
    cross join analysis_window
    left join segment_statistics
        on segments.segment_id = segment_statistics.segment_id
    left join top_categories
        on segments.segment_id = top_categories.segment_id

)

select * from final
