{#
    A number for every raw order line, unique within one read of the input:
    the line's key until exact duplicates are collapsed, and the way a
    rejected line is traced back to the raw input. Cheap at any size (no
    hash of the line's text).
    DuckDB: row_number() over () on the scan of the input view is a
    streaming window: the line's position in the input (files in name
    order, header excluded), 1-based, in the same order on every build.
    Spark / Databricks: monotonically_increasing_id(), unique but not
    consecutive (it encodes the partition). Other warehouses: row_number()
    ordered by every raw column, deterministic for the same rows.
#}
{% macro source_line_number(columns) -%}
    {{ return(adapter.dispatch('source_line_number', 'customer_segments')(
        columns)) }}
{%- endmacro %}

{% macro default__source_line_number(columns) -%}
    row_number() over (
        {%- if columns %}order by {{ columns | join(', ') }}{% endif -%}
    )
{%- endmacro %}

{% macro duckdb__source_line_number(columns) -%}
    row_number() over ()
{%- endmacro %}

{% macro spark__source_line_number(columns) -%}
    monotonically_increasing_id() + 1
{%- endmacro %}
