{#
    Text input as the project reads it: every kind of surrounding white
    space trimmed (spaces, tabs, line breaks, no-break spaces, byte-order
    marks), and the null markers of var('null_markers') (compared without
    case: '', NULL, nan, None, N/A, #N/A, - ...) turned into a real null,
    so a spreadsheet's "N/A" never becomes a customer called N/A.
#}
{% macro clean_text(expression) -%}
    {%- set trimmed = trim_whitespace(expression) -%}
    {%- set markers = [] -%}
    {%- for marker in validated_var('null_markers') -%}
        {%- if (marker | trim | lower) not in markers -%}
            {%- do markers.append(marker | trim | lower) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if '' not in markers -%}
        {%- do markers.append('') -%}
    {%- endif -%}
    case
        when lower({{ trimmed }}) in (
            {%- for marker in markers -%}
                {{ sql_literal(marker) }}{{ ', ' if not loop.last }}
            {%- endfor -%}
        ) then null
        else {{ trimmed }}
    end
{%- endmacro %}

{#
    trim() of all white space, not only the space character: tab, line
    feed, carriage return, no-break space (U+00A0), zero-width space and
    byte-order mark (U+FEFF), as a SQL literal of those characters.
#}
{% macro trim_whitespace(expression) -%}
    {%- set characters = ' \t\n\r' ~ '\u00a0\u200b\ufeff' -%}
    {{ return(adapter.dispatch('trim_whitespace', 'customer_segments')(
        expression, characters)) }}
{%- endmacro %}

{% macro default__trim_whitespace(expression, characters) -%}
    trim(both {{ sql_literal(characters) }} from {{ expression }})
{%- endmacro %}

{% macro spark__trim_whitespace(expression, characters) -%}
    trim(both {{ sql_literal(characters) }} from {{ expression }})
{%- endmacro %}
