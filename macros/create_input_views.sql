{#
    on-run-start hook. On DuckDB the input files named by vars (or the
    bundled sample) become views in var('raw_schema'), so that the sources
    in models/staging/shop/_shop__sources.yml resolve to them. CSV is read
    as text, short rows padded with nulls (types are cast, and failures
    rejected, in staging); Parquet
    keeps its own types. An optional input that is not given becomes an
    empty view with the canonical columns.
    On other warehouses the raw tables are loaded by your EL tool, so the
    default implementation does nothing.
#}
{% macro create_input_views() -%}
    {{ return(adapter.dispatch('create_input_views', 'customer_segments')()) }}
{%- endmacro %}

{% macro default__create_input_views() -%}
    select 1
{%- endmacro %}

{% macro duckdb__create_input_views() -%}
    {%- set schema = validated_var('raw_schema') -%}
    {%- set empty_inputs = {
        'customers': 'cast(null as varchar) as customer_id, '
            ~ 'cast(null as timestamp) as signed_up_at, '
            ~ 'cast(null as varchar) as country',
        'visits': 'cast(null as varchar) as customer_id, '
            ~ 'cast(null as timestamp) as visited_at',
    } -%}
    create schema if not exists {{ schema }};
    {% for input_name in ['order_lines', 'customers', 'visits'] -%}
        {%- set path = input_path(input_name) -%}
        {%- if path is none %}
    create or replace view {{ schema }}.{{ input_name }} as
        select {{ empty_inputs[input_name] }} where 1 = 0;
        {%- else -%}
            {%- do check_input_file_exists(input_name, path) %}
    create or replace view {{ schema }}.{{ input_name }} as
        select * from {{ read_input_file(path) }};
        {%- endif -%}
    {%- endfor %}
{%- endmacro %}

{% macro read_input_file(path) -%}
    {%- set quoted = "'" ~ path | replace("'", "''") ~ "'" -%}
    {%- if path.endswith('.parquet') -%}
        read_parquet({{ quoted }}, union_by_name = true)
    {%- else -%}
        {#- null_padding: a short (ragged) row gets nulls in its missing
            fields, so it is rejected with a reason instead of derailing
            the dialect sniffer (which then read the header as one column). -#}
        read_csv({{ quoted }}, header = true, all_varchar = true,
            union_by_name = true, null_padding = true)
    {%- endif -%}
{%- endmacro %}

{% macro check_input_file_exists(input_name, path) -%}
    {%- if execute -%}
        {%- set quoted = "'" ~ path | replace("'", "''") ~ "'" -%}
        {%- set found = run_query(
            'select count(*) from glob(' ~ quoted ~ ')').columns[0][0] -%}
        {%- if found == 0 -%}
            {{ exceptions.raise_compiler_error(
                "Input file not found for " ~ input_name ~ ": no file matches '"
                ~ path ~ "' (working directory: dbt's project root). "
                ~ "Check the *_path vars.") }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
