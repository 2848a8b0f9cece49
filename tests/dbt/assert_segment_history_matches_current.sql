{#
    The history and the CRM master table agree: every customer of
    customer_segments has exactly one first assignment in
    customer_segment_changes, the latest change moved the customer into
    the current segment, segment_since is that change's date, and the sync
    cursor (updated_at) is not older than segment_since (a segment change
    is a synced change). Returns one row per customer that disagrees.
#}
with

customer_segments as (

    select * from {{ ref('customer_segments') }}

),

customer_segment_changes as (

    select * from {{ ref('customer_segment_changes') }}

),

changes_per_customer as (

    select
        customer_id,
        sum(
            case when is_first_assignment then 1 else 0 end
        ) as first_assignment_count,
        max(changed_at) as last_changed_at
    from customer_segment_changes
    group by customer_id

),

latest_changes as (

    select
        customer_segment_changes.customer_id,
        customer_segment_changes.to_segment_id,
        customer_segment_changes.changed_at
    from customer_segment_changes
    inner join changes_per_customer
        on
            customer_segment_changes.customer_id
            = changes_per_customer.customer_id
            and customer_segment_changes.changed_at
            = changes_per_customer.last_changed_at

),

final as (

    select
        customer_segments.customer_id,
        customer_segments.segment_id,
        customer_segments.segment_since,
        customer_segments.updated_at,
        changes_per_customer.first_assignment_count,
        latest_changes.to_segment_id as latest_to_segment_id,
        latest_changes.changed_at as latest_changed_at
    from customer_segments
    left join changes_per_customer
        on customer_segments.customer_id = changes_per_customer.customer_id
    left join latest_changes
        on customer_segments.customer_id = latest_changes.customer_id
    where
        coalesce(changes_per_customer.first_assignment_count, 0) <> 1
        or latest_changes.to_segment_id is null
        or latest_changes.to_segment_id <> customer_segments.segment_id
        or cast(latest_changes.changed_at as date)
        <> customer_segments.segment_since
        or cast(customer_segments.updated_at as date)
        < customer_segments.segment_since

)

select * from final
