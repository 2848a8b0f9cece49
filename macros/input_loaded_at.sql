{#
    loaded_at_query of the raw sources: the latest value of an input's
    timestamp column, cast the way staging casts it, so a value that does
    not parse (the sample's 2025-02-30) is skipped instead of failing the
    freshness check. The column is found by resolve_input_columns, so the
    input_format spelling (InvoiceDate) and Parquet types work too; an
    absent optional column gives null (no freshness to report).
#}
{% macro input_loaded_at(input_name, column_name) -%}
    {%- set relation = source('shop', input_name) -%}
    {%- set column = resolve_input_columns(input_name, relation)[column_name] -%}
    {%- if column is none -%}
        select cast(null as {{ dbt.type_timestamp() }}) as max_loaded_at
    {%- else -%}
        select max({{ cast_input_column(column, 'timestamp',
            adapter.quote(column.name)) }}) as max_loaded_at
        from {{ relation }}
    {%- endif -%}
{%- endmacro %}
