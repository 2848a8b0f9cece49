{#
    Casts one input column, already renamed to its canonical name, to a
    logical type (id, string, timestamp, integer, numeric, boolean). Text
    is cleaned first (clean_text: all white space trimmed, the null markers
    of var('null_markers') become null) and a value that does not parse
    becomes null (staging keeps the raw text too, so such rows are rejected
    with a reason). Ids are normalised by normalize_id ('10001.0' and a
    DOUBLE 10001 are '10001'); timestamps by parse_timestamp (offsets
    converted to var('time_zone')). A column already of a non-text type
    (Parquet input) is cast directly, with no round trip through text.
    source_column is the adapter Column from resolve_input_columns, or none
    for an absent optional column.
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
    {%- if logical_type == 'id' -%}
        {{ normalize_id(source_column, name) }}
    {%- elif logical_type == 'timestamp' -%}
        {{ parse_timestamp(source_column, name) }}
    {%- elif source_column is none
        or (logical_type == 'raw_text' and not is_text_column(source_column)) -%}
        cast(null as {{ sql_type }})
    {%- elif logical_type == 'raw_text' -%}
        {{ clean_text(name) }}
    {%- elif is_text_column(source_column) -%}
        {%- if logical_type == 'string' -%}
            {{ clean_text(name) }}
        {%- else -%}
            {{ try_cast(clean_text(name), sql_type) }}
        {%- endif -%}
    {%- elif logical_type == 'string' -%}
        cast({{ name }} as {{ sql_type }})
    {%- else -%}
        {{ try_cast(name, sql_type) }}
    {%- endif -%}
{%- endmacro %}
