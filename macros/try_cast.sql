{#
    A cast that yields null instead of failing. dbt.safe_cast is right on
    Snowflake, BigQuery and Spark, but on DuckDB (dbt-duckdb 1.11) it
    renders a plain cast, which fails the whole build on one bad value.
#}
{% macro try_cast(value, sql_type) -%}
    {{ return(adapter.dispatch('try_cast', 'customer_segments')(
        value, sql_type)) }}
{%- endmacro %}

{% macro default__try_cast(value, sql_type) -%}
    {{ dbt.safe_cast(value, sql_type) }}
{%- endmacro %}

{% macro duckdb__try_cast(value, sql_type) -%}
    try_cast({{ value }} as {{ sql_type }})
{%- endmacro %}
