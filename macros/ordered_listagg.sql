{#
    String aggregation in a guaranteed order: the measure of every row of
    the group, sorted by order_by (one expression, ascending), joined with
    delimiter_text. dbt.listagg keeps the order on DuckDB, Postgres and
    Snowflake, but on Spark and Databricks it drops the order by, so Spark
    sorts an array of (key, value) structs before joining. Null measures
    are skipped; an empty group gives null on both.
#}
{% macro ordered_listagg(measure, delimiter_text, order_by) -%}
    {{ return(adapter.dispatch('ordered_listagg', 'customer_segments')(
        measure, delimiter_text, order_by)) }}
{%- endmacro %}

{% macro default__ordered_listagg(measure, delimiter_text, order_by) -%}
    {{ dbt.listagg(measure, delimiter_text, 'order by ' ~ order_by) }}
{%- endmacro %}

{% macro spark__ordered_listagg(measure, delimiter_text, order_by) -%}
    nullif(array_join(transform(
        array_sort(collect_list(struct(
            {{ order_by }} as sort_key, {{ measure }} as sort_value))),
        sorted -> sorted.sort_value), {{ delimiter_text }}), '')
{%- endmacro %}
