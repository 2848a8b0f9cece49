{#
    The master customer table for CRM syncs: one row per customer (every
    customer of int_customer_features; inactive ones in segment 0), with
    no volatile columns, so a row only changes when what a CRM sees
    changes. segment_since comes from the membership history (the latest
    change into the current segment); updated_at, the sync cursor, from
    the sync snapshot: the as_of_date of the build in which segment_id,
    segment_name, is_active or inactive_reason last changed. model_version
    is the model of that build, so it never moves without updated_at.
    Without a snapshot row that matches the current state (the snapshots
    did not run, e.g. `dbt run`), both fall back to this build's
    as_of_date.
#}
with

segment_membership as (

    select * from {{ ref('customer_segment_membership') }}

),

customer_segment_changes as (

    select * from {{ ref('customer_segment_changes') }}

),

sync_snapshot as (

    select * from {{ ref('customer_segment_sync_snapshot') }}

),

latest_changes as (

    select
        customer_id,
        to_segment_id,
        changed_at,
        row_number() over (
            partition by customer_id order by changed_at desc
        ) as change_rank
    from customer_segment_changes

),

current_sync_rows as (

    select
        customer_id,
        model_version,
        segment_id,
        segment_name,
        inactive_reason,
        is_active,
        dbt_valid_from
    from sync_snapshot
    where dbt_valid_to is null

),

final as (

    select
        segment_membership.customer_id,
        coalesce(
            current_sync_rows.model_version, segment_membership.model_version
        ) as model_version,
        segment_membership.segment_id,
        segment_membership.segment_name,
        segment_membership.inactive_reason,
        segment_membership.is_active,
        cast(
            coalesce(latest_changes.changed_at, segment_membership.observed_at)
            as date
        ) as segment_since,
        cast(
            coalesce(
                current_sync_rows.dbt_valid_from,
                segment_membership.observed_at
            ) as {{ dbt.type_timestamp() }}
        ) as updated_at
    from segment_membership
    left join latest_changes
        on
            segment_membership.customer_id = latest_changes.customer_id
            and segment_membership.segment_id = latest_changes.to_segment_id
            and latest_changes.change_rank = 1
    left join current_sync_rows
        on
            segment_membership.customer_id = current_sync_rows.customer_id
            and segment_membership.segment_id = current_sync_rows.segment_id
            and segment_membership.segment_name
            = current_sync_rows.segment_name
            and segment_membership.is_active = current_sync_rows.is_active
            and coalesce(segment_membership.inactive_reason, '')
            = coalesce(current_sync_rows.inactive_reason, '')

)

select * from final
