{#
    The file an input is read from, or none when the input is not given.
    With no transactions_path the bundled sample is used for all three
    inputs; once the user names their own order lines, the optional inputs
    are read only when their own path var is set.
#}
{% macro input_path(input_name) -%}
    {%- set path_vars = {
        'order_lines': 'transactions_path',
        'customers': 'customers_path',
        'visits': 'visits_path',
    } -%}
    {%- if input_name not in path_vars -%}
        {{ exceptions.raise_compiler_error(
            "input_path: unknown input '" ~ input_name ~ "'") }}
    {%- endif -%}
    {%- set user_path = validated_var(path_vars[input_name]) -%}
    {%- if user_path -%}
        {{ return(user_path) }}
    {%- elif not validated_var('transactions_path') -%}
        {{ return('seeds/sample/' ~ input_name ~ '.csv.gz') }}
    {%- else -%}
        {{ return(none) }}
    {%- endif -%}
{%- endmacro %}
