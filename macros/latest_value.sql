{#
    Aggregate: the value from the row that sorts last by the given columns
    (the latest row, ties broken by the later columns), one pass per group
    instead of a window function and a self-join. Rows whose value is null
    should be filtered out by the caller. DuckDB: arg_max over a struct
    key; Spark and Databricks: max_by over a struct; BigQuery: array_agg
    with order by and limit; Snowflake and Postgres (default): the first
    element of an ordered array_agg.
#}
{% macro latest_value(value, order_by) -%}
    {{ return(adapter.dispatch('latest_value', 'customer_segments')(
        value, order_by)) }}
{%- endmacro %}

{% macro default__latest_value(value, order_by) -%}
    (array_agg({{ value }} order by
        {{ order_by | join(' desc, ') }} desc))[1]
{%- endmacro %}

{% macro duckdb__latest_value(value, order_by) -%}
    arg_max({{ value }}, ({{ order_by | join(', ') }}))
{%- endmacro %}

{% macro spark__latest_value(value, order_by) -%}
    max_by({{ value }}, struct({{ order_by | join(', ') }}))
{%- endmacro %}

{% macro bigquery__latest_value(value, order_by) -%}
    array_agg({{ value }} order by
        {{ order_by | join(' desc, ') }} desc limit 1)[offset(0)]
{%- endmacro %}

{% macro snowflake__latest_value(value, order_by) -%}
    array_agg({{ value }}) within group (order by
        {{ order_by | join(' desc, ') }} desc)[0]
{%- endmacro %}
