{#
    One row per active customer chosen to fit the segmentation: all of them
    up to var('segment_training_sample_size'), else a deterministic sample
    (ordered by a seeded hash of the id), so the Python step's memory is
    bounded however many customers there are. Only the clustering inputs
    cross into Python.
#}
{%- set features = validated_var('segment_features') -%}
{%- do check_feature_columns(features, ref('int_customer_features')) %}

with

customer_features as (

    select * from {{ ref('int_customer_features') }}

),

ranked as (

    select
        customer_id,
        {%- for feature in features %}
        {{ feature }},
        {%- endfor %}
        row_number() over (
            order by
                {{ dbt.hash(dbt.concat([
                    "customer_id",
                    sql_literal(validated_var('segment_random_state')),
                ])) }},
                customer_id
        ) as sample_rank
    from customer_features
    where is_active

),

final as (

    select
        customer_id,
        {{ features | join(',\n        ') }}
    from ranked
    where sample_rank <= {{ validated_var('segment_training_sample_size') }}

)

select * from final
