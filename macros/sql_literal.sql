{#
    A var (or any text) as a quoted SQL string literal: single quotes
    doubled; Spark also reads backslash escapes, so they are doubled there.
#}
{% macro sql_literal(value) -%}
    {{ return(adapter.dispatch('sql_literal', 'customer_segments')(value)) }}
{%- endmacro %}

{% macro default__sql_literal(value) -%}
    {{ return("'" ~ value | string | replace("'", "''") ~ "'") }}
{%- endmacro %}

{% macro spark__sql_literal(value) -%}
    {{ return("'" ~ value | string | replace('\\', '\\\\')
        | replace("'", "\\'") ~ "'") }}
{%- endmacro %}
