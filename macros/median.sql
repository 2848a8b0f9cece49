{#
    The exact median of a numeric expression, as an aggregate. The
    ordered-set aggregate works on DuckDB, Snowflake, Postgres and
    Redshift; Spark and Databricks use percentile(); BigQuery has no exact
    aggregate median and gets approx_quantiles with 1,000 buckets.
#}
{% macro median(expression) -%}
    {{ return(adapter.dispatch('median', 'customer_segments')(expression)) }}
{%- endmacro %}

{% macro default__median(expression) -%}
    percentile_cont(0.5) within group (order by {{ expression }})
{%- endmacro %}

{% macro bigquery__median(expression) -%}
    approx_quantiles({{ expression }}, 1000)[offset(500)]
{%- endmacro %}

{% macro spark__median(expression) -%}
    percentile({{ expression }}, 0.5)
{%- endmacro %}
