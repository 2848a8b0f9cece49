{#
    customer_segments, the CRM master table, has exactly the customers of
    customer_features: none missing, none extra (its key test guarantees
    one row each). Returns one row per customer on one side only.
#}
with

customer_features as (

    select * from {{ ref('customer_features') }}

),

customer_segments as (

    select * from {{ ref('customer_segments') }}

),

final as (

    select
        coalesce(
            customer_features.customer_id, customer_segments.customer_id
        ) as customer_id,
        customer_features.customer_id is null as is_missing_from_features,
        customer_segments.customer_id is null as is_missing_from_segments
    from customer_features
    full outer join customer_segments
        on customer_features.customer_id = customer_segments.customer_id
    where
        customer_features.customer_id is null
        or customer_segments.customer_id is null

)

select * from final
