{#
    on-run-start hook. On DuckDB the input files named by vars (or the
    bundled sample) become views in var('raw_schema'), so that the sources
    in models/staging/shop/_shop__sources.yml resolve to them. CSV is read
    as text, short rows padded with nulls (types are cast, and failures
    rejected, in staging); Parquet
    keeps its own types. An optional input that is not given becomes an
    empty view with the canonical columns.
    On Spark the same files become tables over the files in
    var('raw_schema') (CSV read as text, with a header; Parquet with its
    own types); the statements run one by one, as Spark takes one at a
    time. On other warehouses the raw tables are loaded by your EL tool,
    so the default implementation does nothing.
#}
{% macro create_input_views() -%}
    {{ return(adapter.dispatch('create_input_views', 'customer_segments')()) }}
{%- endmacro %}

{% macro default__create_input_views() -%}
    select 1
{%- endmacro %}

{% macro duckdb__create_input_views() -%}
    {%- set schema = validated_var('raw_schema') -%}
    create schema if not exists {{ schema }};
    {% for input_name in ['order_lines', 'customers', 'visits'] -%}
        {%- set path = input_path(input_name) -%}
        {%- if path is none %}
    create or replace view {{ schema }}.{{ input_name }} as
        select {{ empty_input_columns(input_name) }} where 1 = 0;
        {%- else -%}
            {%- do check_input_file_exists(input_name, path) %}
    create or replace view {{ schema }}.{{ input_name }} as
        select * from {{ read_input_file(path) }};
        {%- endif -%}
    {%- endfor %}
{%- endmacro %}

{% macro spark__create_input_views() -%}
    {%- set schema = validated_var('raw_schema') -%}
    {%- set empty_inputs = {
        'customers': 'cast(null as string) as customer_id, '
            ~ 'cast(null as timestamp) as signed_up_at, '
            ~ 'cast(null as string) as country',
        'visits': 'cast(null as string) as customer_id, '
            ~ 'cast(null as timestamp) as visited_at',
    } -%}
    {%- if execute -%}
        {%- do run_query('create schema if not exists ' ~ schema) -%}
        {%- for input_name in ['order_lines', 'customers', 'visits'] -%}
            {%- set relation = schema ~ '.' ~ input_name -%}
            {%- set path = input_path(input_name) -%}
            {%- set existing = adapter.get_relation(
                database=none, schema=schema, identifier=input_name) -%}
            {%- if existing is not none -%}
                {%- do adapter.drop_relation(existing) -%}
            {%- endif -%}
            {%- if path is none -%}
                {%- do run_query('create view ' ~ relation ~ ' as select '
                    ~ empty_inputs[input_name] ~ ' where 1 = 0') -%}
            {%- else -%}
                {%- set quoted = "'" ~ spark_absolute_path(path)
                    | replace("'", "\\'") ~ "'" -%}
                {%- set options = "options (path " ~ quoted
                    ~ (")" if path.endswith('.parquet')
                       else ", header 'true')") -%}
                {%- do run_query('create table ' ~ relation ~ ' using '
                    ~ ('parquet' if path.endswith('.parquet') else 'csv')
                    ~ ' ' ~ options) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif %}
    select 1
{%- endmacro %}

{#
    A table's path is taken relative to the warehouse folder, so a relative
    input path is made absolute from the driver's working directory
    (dbt's project root, as on DuckDB). Paths with a scheme (s3://, dbfs:/)
    and absolute paths are used as they are.
#}
{% macro spark_absolute_path(path) -%}
    {%- if path.startswith('/') or ':' in path -%}
        {{ return(path) }}
    {%- endif -%}
    {%- set cwd = run_query(
        "select reflect('java.lang.System', 'getProperty', 'user.dir')"
    ).columns[0][0] -%}
    {{ return(cwd ~ '/' ~ path) }}
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
