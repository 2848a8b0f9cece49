{#
    A 64-bit float type. dbt.type_float() renders FLOAT, which is 32-bit on
    DuckDB and Postgres: too coarse for scoring distances that must agree
    with scikit-learn.
#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'customer_segments')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double precision
{%- endmacro %}

{% macro bigquery__type_double() -%}
    float64
{%- endmacro %}

{% macro spark__type_double() -%}
    double
{%- endmacro %}

{% macro databricks__type_double() -%}
    double
{%- endmacro %}
