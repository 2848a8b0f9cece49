{#
    One row per customer of int_customer_features: the segment the current
    model assigns to an active customer (customer_segment_scores), or
    segment 0 (named by the segment_reserved seed) for a customer left out
    of clustering.
    observed_at is the build's as_of_date as a timestamp: history
    (customer_segment_membership_history) runs on data time, not on the
    wall clock, and a rerun for the same date changes nothing.
#}
with

customer_features as (

    select * from {{ ref('int_customer_features') }}

),

customer_segment_scores as (

    select * from {{ ref('customer_segment_scores') }}

),

segment_definitions as (

    select * from {{ ref('segment_definitions') }}

),

segment_reserved as (

    select * from {{ ref('segment_reserved') }}

),

current_model as (

    select max(model_version) as model_version
    from segment_definitions

),

final as (

    select
        customer_features.customer_id,
        current_model.model_version,
        cast(
            case
                when customer_features.is_active
                    then customer_segment_scores.segment_id
                else 0
            end as integer
        ) as segment_id,
        case
            when customer_features.is_active
                then segment_definitions.segment_name
            else segment_reserved.segment_name
        end as segment_name,
        customer_features.inactive_reason,
        customer_features.is_active,
        customer_features.is_frequent_returner,
        customer_features.as_of_date,
        cast(customer_features.as_of_date as {{ dbt.type_timestamp() }})
            as observed_at
    from customer_features
    cross join current_model
    left join customer_segment_scores
        on customer_features.customer_id = customer_segment_scores.customer_id
    left join segment_definitions
        on customer_segment_scores.segment_id = segment_definitions.segment_id
    left join segment_reserved
        on segment_reserved.segment_id = 0

)

select * from final
