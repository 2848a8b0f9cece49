{#
    Text input as the project reads it: every kind of surrounding white
    space trimmed (spaces, tabs, line breaks, no-break spaces, byte-order
    marks), and the null markers of var('null_markers') (compared without
    case: '', NULL, nan, None, N/A, #N/A, - ...) turned into a real null,
    so a spreadsheet's "N/A" never becomes a customer called N/A.
    This runs on every text field of every raw line, so each step has a
    cheap engine-specific form (see bench/ and BENCHMARKS.md).
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
        when {{ is_null_marker('lower(' ~ trimmed ~ ')', markers) }} then null
        else {{ trimmed }}
    end
{%- endmacro %}

{#
    Whether a (lower-case, trimmed) text is one of the null markers.
    Standard SQL: an IN list. DuckDB rewrites an IN list of more than a few
    constants into a join per column (about 5x slower on raw lines), so
    there the markers are a constant list and list_contains.
#}
{% macro is_null_marker(expression, markers) -%}
    {{ return(adapter.dispatch('is_null_marker', 'customer_segments')(
        expression, markers)) }}
{%- endmacro %}

{% macro default__is_null_marker(expression, markers) -%}
    {{ expression }} in (
        {%- for marker in markers -%}
            {{ sql_literal(marker) }}{{ ', ' if not loop.last }}
        {%- endfor -%}
    )
{%- endmacro %}

{% macro duckdb__is_null_marker(expression, markers) -%}
    list_contains([
        {%- for marker in markers -%}
            {{ sql_literal(marker) }}{{ ', ' if not loop.last }}
        {%- endfor -%}
    ], {{ expression }})
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

{#- DuckDB's trim with a character set is slow (about 1 s per million
    values); almost no value has white space at either end, so the trim
    runs only on those that do (one anchored regular expression). -#}
{% macro duckdb__trim_whitespace(expression, characters) -%}
    {%- set char_class = '[' ~ characters ~ ']' -%}
    case
        when regexp_matches(
            {{ expression }},
            {{ sql_literal('^' ~ char_class ~ '|' ~ char_class ~ '$') }}
        )
            then trim(both {{ sql_literal(characters) }} from {{ expression }})
        else {{ expression }}
    end
{%- endmacro %}

{% macro spark__trim_whitespace(expression, characters) -%}
    trim(both {{ sql_literal(characters) }} from {{ expression }})
{%- endmacro %}
