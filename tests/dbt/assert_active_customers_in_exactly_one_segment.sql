{#
    Every active customer is scored exactly once and every inactive one not
    at all; customer_segments agrees with the scores (the scored segment
    for an active customer, segment 0 for an inactive one) and with
    customer_features on is_active. Returns one row per customer that
    breaks any of this.
#}
with

customer_features as (

    select * from {{ ref('customer_features') }}

),

customer_segment_scores as (

    select * from {{ ref('customer_segment_scores') }}

),

customer_segments as (

    select * from {{ ref('customer_segments') }}

),

scores_per_customer as (

    select
        customer_id,
        count(*) as score_count,
        min(segment_id) as segment_id
    from customer_segment_scores
    group by customer_id

),

final as (

    select
        customer_features.customer_id as feature_customer_id,
        scores_per_customer.customer_id as scored_customer_id,
        customer_features.is_active,
        scores_per_customer.score_count,
        scores_per_customer.segment_id as scored_segment_id,
        customer_segments.segment_id,
        customer_segments.is_active as is_active_in_customer_segments
    from customer_features
    full outer join scores_per_customer
        on customer_features.customer_id = scores_per_customer.customer_id
    left join customer_segments
        on customer_features.customer_id = customer_segments.customer_id
    where
        customer_features.customer_id is null
        or coalesce(scores_per_customer.score_count, 0)
        <> case when customer_features.is_active then 1 else 0 end
        or customer_segments.customer_id is null
        or customer_segments.is_active <> customer_features.is_active
        or customer_segments.segment_id
        <> coalesce(scores_per_customer.segment_id, 0)

)

select * from final
