{#
    One row per customer and change of segment, in data time, for
    event-style CRM syncs: the first assignment (from_segment_id null) and
    every move to a different segment, read from the membership history
    (one row per customer and build date). changed_at is the as_of_date of
    the build that first saw the new segment; a build that keeps the
    customer's segment records nothing, and a rerun for the same as_of_date
    replaced that date's history rows, so it records nothing twice.
#}
with

membership_history as (

    select * from {{ ref('customer_segment_membership_history') }}

),

with_previous as (

    select
        customer_id,
        model_version,
        segment_id,
        segment_name,
        as_of_date,
        lag(segment_id) over (
            partition by customer_id order by as_of_date
        ) as previous_segment_id,
        lag(segment_name) over (
            partition by customer_id order by as_of_date
        ) as previous_segment_name
    from membership_history

),

changes as (

    select
        customer_id,
        model_version,
        segment_id,
        segment_name,
        previous_segment_id,
        previous_segment_name,
        cast(as_of_date as {{ dbt.type_timestamp() }}) as changed_at
    from with_previous
    where
        previous_segment_id is null
        or previous_segment_id <> segment_id

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            'customer_id', "'|'",
            'cast(changed_at as ' ~ dbt.type_string() ~ ')',
        ])) }} as segment_change_id,
        customer_id,
        model_version,
        cast(previous_segment_id as integer) as from_segment_id,
        cast(segment_id as integer) as to_segment_id,
        previous_segment_name as from_segment_name,
        segment_name as to_segment_name,
        previous_segment_id is null as is_first_assignment,
        changed_at
    from changes

)

select * from final
