{#
    Casts one input column, already renamed to its canonical name, to a
    logical type (string, timestamp, integer, numeric, boolean). Text is
    trimmed first and a value that does not parse becomes null (staging
    keeps the raw text too, so such rows are rejected with a reason). A
    column already of a non-text type (Parquet input) is cast directly,
    with no round trip through text. source_column is the adapter Column
    from resolve_input_columns, or none for an absent optional column.
#}
{% macro cast_input_column(source_column, logical_type, name) -%}
    {%- set sql_types = {
        'string': dbt.type_string(),
        'timestamp': dbt.type_timestamp(),
        'integer': dbt.type_bigint(),
        'numeric': dbt.type_numeric(),
        'boolean': dbt.type_boolean(),
    } -%}
    {%- set sql_type = sql_types.get(logical_type, dbt.type_string()) -%}
    {%- if source_column is none
        or (logical_type == 'raw_text' and not is_text_column(source_column)) -%}
        cast(null as {{ sql_type }})
    {%- elif logical_type == 'raw_text' -%}
        nullif(trim({{ name }}), '')
    {%- elif is_text_column(source_column) -%}
        {%- set value = 'nullif(trim(' ~ name ~ "), '')" -%}
        {%- if logical_type == 'string' -%}
            {{ value }}
        {%- else -%}
            {{ try_cast(value, sql_type) }}
        {%- endif -%}
    {%- elif logical_type == 'string' -%}
        cast({{ name }} as {{ sql_type }})
    {%- else -%}
        {{ try_cast(name, sql_type) }}
    {%- endif -%}
{%- endmacro %}
