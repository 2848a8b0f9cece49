{#
    One row per customer and change of segment, in data time, for
    event-style CRM syncs: the first assignment (from_segment_id null) and
    every move to a different segment, read from the membership snapshot.
    changed_at is the as_of_date of the build that first saw the new
    segment. A snapshot row replaced by a rerun for the same as_of_date
    (dbt_valid_to = dbt_valid_from) never held and is skipped, so a rerun
    that lands back on the old segment records no change.
#}
with

membership_snapshot as (

    select * from {{ ref('customer_segment_membership_snapshot') }}

),

held_memberships as (

    select
        customer_id,
        model_version,
        segment_id,
        segment_name,
        dbt_valid_from as valid_from
    from membership_snapshot
    where dbt_valid_to is null or dbt_valid_to > dbt_valid_from

),

with_previous as (

    select
        customer_id,
        model_version,
        segment_id,
        segment_name,
        valid_from,
        lag(segment_id) over (
            partition by customer_id order by valid_from
        ) as previous_segment_id,
        lag(segment_name) over (
            partition by customer_id order by valid_from
        ) as previous_segment_name
    from held_memberships

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            'customer_id', "'|'",
            'cast(valid_from as ' ~ dbt.type_string() ~ ')',
        ])) }} as segment_change_id,
        customer_id,
        model_version,
        cast(previous_segment_id as integer) as from_segment_id,
        cast(segment_id as integer) as to_segment_id,
        previous_segment_name as from_segment_name,
        segment_name as to_segment_name,
        previous_segment_id is null as is_first_assignment,
        cast(valid_from as {{ dbt.type_timestamp() }}) as changed_at
    from with_previous
    where
        previous_segment_id is null
        or previous_segment_id <> segment_id

)

select * from final
