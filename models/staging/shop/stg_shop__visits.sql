{#
    One row per distinct web session (customer and timestamp: the primary
    key is that pair) from the optional visits input; repeated rows are
    kept once (raw rows minus rows here = repeated rows).
    Rows with no customer id or an unparseable timestamp are kept with a
    null there and a false is_valid, so their count stays visible.
    Materialized as a table: visits are the largest input (about 100 per
    customer) and several models and tests read them; a view would repeat
    the scan and the dedup for each. No hashed surrogate key: at 100M order
    lines (320M visits) hashing every session cost minutes, and nothing
    joins to a single visit.
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

typed as (

    select
        {{ cast_input_column(columns.customer_id, 'id', 'customer_id') }}
            as customer_id,
        {{ cast_input_column(columns.visited_at, 'timestamp', 'visited_at') }}
            as visited_at
    from renamed

),

{# Deduplicated after typing, so raw spellings of the same session
   (padding, timestamp formats) collapse too; unparseable timestamps of
   one customer become one invalid row. A plain distinct, no count(*):
   at 320M visits DuckDB spills a distinct but ran out of memory on the
   same group by carrying a count (see BENCHMARKS.md). #}
deduplicated as (

    select distinct
        customer_id,
        visited_at
    from typed

),

final as (

    select
        customer_id,
        visited_at,
        customer_id is not null and visited_at is not null as is_valid
    from deduplicated

)

select * from final
