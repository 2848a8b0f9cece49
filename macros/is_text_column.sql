{#
    Whether an adapter Column (from adapter.get_columns_in_relation) holds
    text. Column.is_string() knows the SQL-standard names (varchar, text,
    character varying); Spark and Databricks call the type string (or
    varchar(n) / char(n)), which it does not recognise.
#}
{% macro is_text_column(column) -%}
    {{ return(adapter.dispatch('is_text_column', 'customer_segments')(
        column)) }}
{%- endmacro %}

{% macro default__is_text_column(column) -%}
    {{ return(column.is_string()) }}
{%- endmacro %}

{% macro spark__is_text_column(column) -%}
    {%- set data_type = column.dtype | lower -%}
    {{ return(data_type == 'string' or data_type.startswith('varchar')
        or data_type.startswith('char') or column.is_string()) }}
{%- endmacro %}
