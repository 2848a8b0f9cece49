{#
    The master customer table for CRM syncs: one row per customer (every
    customer of int_customer_features; inactive ones in segment 0), with
    no volatile columns, so a row only changes when what a CRM sees
    changes. segment_since comes from customer_segment_changes (the latest
    change into the current segment); updated_at, the sync cursor, from the
    membership history (one row per customer and build date): the
    as_of_date of the build in which segment_id, segment_name, is_active,
    inactive_reason or is_frequent_returner last changed. model_version is
    the model of that build, so it never moves without updated_at. History
    rows recorded before is_frequent_returner existed hold null there: the
    first build that records it counts as a change for every customer, so
    a CRM sync picks the new column up.
    Without a history row that matches the current state (a build for an
    as_of_date earlier than the latest in the history), both fall back to
    this build's as_of_date.
#}
with

segment_membership as (

    select * from {{ ref('customer_segment_membership') }}

),

customer_segment_changes as (

    select * from {{ ref('customer_segment_changes') }}

),

membership_history as (

    select * from {{ ref('customer_segment_membership_history') }}

),

history_with_previous as (

    select
        customer_id,
        model_version,
        segment_id,
        segment_name,
        inactive_reason,
        is_active,
        is_frequent_returner,
        as_of_date,
        row_number() over (
            partition by customer_id order by as_of_date
        ) as observation_number,
        lag(segment_id) over (
            partition by customer_id order by as_of_date
        ) as previous_segment_id,
        lag(segment_name) over (
            partition by customer_id order by as_of_date
        ) as previous_segment_name,
        lag(is_active) over (
            partition by customer_id order by as_of_date
        ) as previous_is_active,
        lag(coalesce(inactive_reason, '')) over (
            partition by customer_id order by as_of_date
        ) as previous_inactive_reason,
        {# -1: recorded before the flag existed. #}
        coalesce(
            cast(is_frequent_returner as {{ dbt.type_int() }}), -1
        ) as frequent_returner_code,
        lag(
            coalesce(cast(is_frequent_returner as {{ dbt.type_int() }}), -1)
        ) over (
            partition by customer_id order by as_of_date
        ) as previous_frequent_returner_code
    from membership_history

),

sync_versions as (

    select
        customer_id,
        model_version,
        segment_id,
        segment_name,
        inactive_reason,
        is_active,
        is_frequent_returner,
        as_of_date,
        row_number() over (
            partition by customer_id order by as_of_date desc
        ) as version_rank
    from history_with_previous
    where
        observation_number = 1
        or previous_segment_id <> segment_id
        or previous_segment_name <> segment_name
        or previous_is_active <> is_active
        or previous_inactive_reason <> coalesce(inactive_reason, '')
        or previous_frequent_returner_code <> frequent_returner_code

),

current_sync_rows as (

    select
        customer_id,
        model_version,
        segment_id,
        segment_name,
        inactive_reason,
        is_active,
        is_frequent_returner,
        cast(as_of_date as {{ dbt.type_timestamp() }}) as synced_at
    from sync_versions
    where version_rank = 1

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
        segment_membership.is_frequent_returner,
        cast(
            coalesce(latest_changes.changed_at, segment_membership.observed_at)
            as date
        ) as segment_since,
        cast(
            coalesce(
                current_sync_rows.synced_at,
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
            and segment_membership.is_frequent_returner
            = current_sync_rows.is_frequent_returner

)

select * from final
