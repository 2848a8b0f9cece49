{#
    One row per distinct web session (customer and timestamp) from the
    optional visits input; repeated rows are counted, not kept twice.
    Rows with no customer id or an unparseable timestamp are kept with a
    null there and a false is_valid, so their count stays visible.
    Materialized as a table: visits are the largest input (about 100 per
    customer) and several models and tests read them; a view would repeat
    the scan and the hashing for each.
#}
{{ config(materialized='table') }}

{%- set columns = resolve_input_columns('visits', source('shop', 'visits')) -%}

with

visits as (

    select * from {{ source('shop', 'visits') }}

),

renamed as (

    select
        {{ select_input_column(columns.customer_id, 'customer_id') }},
        {{ select_input_column(columns.visited_at, 'visited_at') }}
    from visits

),

deduplicated as (

    select
        customer_id,
        visited_at,
        count(*) as source_row_count
    from renamed
    group by 1, 2

),

typed as (

    select
        {{ dbt.hash(dbt.concat([
            "coalesce(cast(customer_id as " ~ dbt.type_string() ~ "), '~')",
            "'|'",
            "coalesce(cast(visited_at as " ~ dbt.type_string() ~ "), '~')",
        ])) }} as visit_id,
        {{ cast_input_column(columns.customer_id, 'string', 'customer_id') }}
            as customer_id,
        source_row_count,
        {{ cast_input_column(columns.visited_at, 'timestamp', 'visited_at') }}
            as visited_at
    from deduplicated

),

final as (

    select
        visit_id,
        customer_id,
        source_row_count,
        visited_at,
        customer_id is not null and visited_at is not null as is_valid
    from typed

)

select * from final
