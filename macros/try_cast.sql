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

{% macro duckdb__try_cast(value, sql_type) -%}
    try_cast({{ value }} as {{ sql_type }})
{%- endmacro %}

{% macro spark__try_cast(value, sql_type) -%}
    try_cast({{ value }} as {{ sql_type }})
{%- endmacro %}
