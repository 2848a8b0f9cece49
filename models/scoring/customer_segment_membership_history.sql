{#
    Membership history, in data time: one row per customer and build
    as_of_date, appended by every build (incremental). A rerun for the same
    as_of_date replaces that date's rows (history_incremental_strategy:
    delete+insert on DuckDB, insert_overwrite of the as_of_date partition on
    Spark), so history is deterministic and builds may come in any order.
    Plain tables on every engine (no snapshot, which needs merge: Delta or
    Iceberg on Spark); customer_segment_changes and customer_segments derive
    validity intervals from it in SQL. full_refresh=false: the history
    survives `dbt build --full-refresh`; to start over, drop the table.
    on_schema_change='append_new_columns': a column added here later
    (is_frequent_returner was) is added to an existing history, null in the
    rows recorded before it.
#}
{{ config(
    materialized='incremental',
    incremental_strategy=history_incremental_strategy(),
    unique_key='as_of_date',
    partition_by=['as_of_date'],
    on_schema_change='append_new_columns',
    full_refresh=false,
) }}

with

customer_segment_membership as (

    select * from {{ ref('customer_segment_membership') }}

),

final as (

    select
        {{ dbt.concat([
            'customer_id', "'|'",
            'cast(as_of_date as ' ~ dbt.type_string() ~ ')',
        ]) }} as membership_observation_id,
        customer_id,
        model_version,
        segment_id,
        segment_name,
        inactive_reason,
        is_active,
        is_frequent_returner,
        as_of_date
    from customer_segment_membership

)

select * from final
