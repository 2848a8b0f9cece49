{#
    The columns of a raw input that the contract does not know (those not
    resolved by resolve_input_columns), as one text expression per row, or
    a typed null when there are none. Deduplication groups by it, so two
    lines that differ only in such a column (a warehouse, a line number)
    stay two lines instead of being merged as exact duplicates.
#}
{% macro extra_columns_key(relation, resolved_columns) -%}
    {%- set known = [] -%}
    {%- for column in resolved_columns.values() if column is not none -%}
        {%- do known.append(column.name | lower) -%}
    {%- endfor -%}
    {%- set parts = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation)
            if column.name | lower not in known -%}
            {%- if parts -%}
                {%- do parts.append("'|'") -%}
            {%- endif -%}
            {%- do parts.append('coalesce(cast(' ~ adapter.quote(column.name)
                ~ ' as ' ~ dbt.type_string() ~ "), '~')") -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if parts -%}
        {{ return(dbt.concat(parts) if parts | length > 1 else parts[0]) }}
    {%- endif -%}
    {{ return('cast(null as ' ~ dbt.type_string() ~ ')') }}
{%- endmacro %}
