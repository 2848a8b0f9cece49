{#
    A cast that yields null instead of failing. dbt.safe_cast is right on
    Snowflake and BigQuery, but on DuckDB (dbt-duckdb 1.11) and on Spark
    (dbt-spark 1.11) it renders a plain cast, which fails the whole build on
    one bad value: always on DuckDB, and on Spark with ANSI mode on
    (Databricks SQL warehouses, Spark 4 by default).
#}
{% macro try_cast(value, sql_type) -%}
    {{ return(adapter.dispatch('try_cast', 'customer_segments')(
        value, sql_type)) }}
{%- endmacro %}

{% macro default__try_cast(value, sql_type) -%}
    {{ dbt.safe_cast(value, sql_type) }}
{%- endmacro %}

{#- DuckDB parses text into a wide DECIMAL (precision above 18, 128-bit)
    about 50x slower than into DECIMAL(18, s) (64-bit): a wide decimal is
    parsed as DECIMAL(18, s) first, and only a value that does not fit
    (at or above 10^(18-s)) takes the wide parse. Same values, same type. -#}
{% macro duckdb__try_cast(value, sql_type) -%}
    {%- set wide = modules.re.match(
        '^\\s*(numeric|decimal)\\s*\\(\\s*(\\d+)\\s*,\\s*(\\d+)\\s*\\)\\s*$',
        sql_type | string | lower) -%}
    {%- if wide and wide.group(2) | int > 18 and wide.group(3) | int <= 18 -%}
        cast(coalesce(
            try_cast({{ value }} as decimal(18, {{ wide.group(3) }})),
            try_cast({{ value }} as {{ sql_type }})
        ) as {{ sql_type }})
    {%- else -%}
        try_cast({{ value }} as {{ sql_type }})
    {%- endif -%}
{%- endmacro %}

{% macro spark__try_cast(value, sql_type) -%}
    try_cast({{ value }} as {{ sql_type }})
{%- endmacro %}
