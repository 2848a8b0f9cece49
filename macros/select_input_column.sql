{#
    The raw column under its canonical name, or a typed null when an
    optional column is absent from the input.
#}
{% macro select_input_column(source_column, name) -%}
    {%- if source_column is none -%}
        cast(null as {{ dbt.type_string() }}) as {{ name }}
    {%- else -%}
        {{ adapter.quote(source_column.name) }} as {{ name }}
    {%- endif -%}
{%- endmacro %}
