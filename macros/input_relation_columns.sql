{#
    The columns of a raw input relation, as adapter Columns. On DuckDB the
    raw relations are views that the on-run-start hook creates over the
    input files, so commands that do not run the hook (dbt compile, docs
    generate, show) would find nothing before the first build: DuckDB
    describes the file itself instead (the view is exactly that file), and
    an input that is not given has the canonical columns of its empty view.
    Other warehouses ask the relation, which the EL tool has loaded.
#}
{% macro input_relation_columns(input_name, relation) -%}
    {{ return(adapter.dispatch('input_relation_columns', 'customer_segments')(
        input_name, relation)) }}
{%- endmacro %}

{% macro default__input_relation_columns(input_name, relation) -%}
    {{ return(adapter.get_columns_in_relation(relation)) }}
{%- endmacro %}

{% macro duckdb__input_relation_columns(input_name, relation) -%}
    {%- set path = input_path(input_name) -%}
    {%- if path is none -%}
        {%- set body = 'select ' ~ empty_input_columns(input_name) -%}
    {%- else -%}
        {%- do check_input_file_exists(input_name, path) -%}
        {%- set body = 'select * from ' ~ read_input_file(path) -%}
    {%- endif -%}
    {%- set described = run_query('describe ' ~ body) -%}
    {%- set columns = [] -%}
    {%- for row in described -%}
        {%- do columns.append(api.Column.create(row[0], row[1])) -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}

{#
    The canonical columns of an optional input that is not given, typed,
    for the empty view that stands in for it.
#}
{% macro empty_input_columns(input_name) -%}
    {%- set empty_inputs = {
        'customers': 'cast(null as varchar) as customer_id, '
            ~ 'cast(null as timestamp) as signed_up_at, '
            ~ 'cast(null as varchar) as country',
        'visits': 'cast(null as varchar) as customer_id, '
            ~ 'cast(null as timestamp) as visited_at',
    } -%}
    {%- if input_name not in empty_inputs -%}
        {{ exceptions.raise_compiler_error(
            "Input " ~ input_name ~ " is required and has no empty form") }}
    {%- endif -%}
    {{ return(empty_inputs[input_name]) }}
{%- endmacro %}
