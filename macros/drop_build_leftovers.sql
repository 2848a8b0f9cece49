{#
    on-run-start hook. A build killed while dbt swaps a table in leaves
    its intermediate relations (<name>__dbt_tmp, <name>__dbt_backup) behind;
    this drops them from the target database before the next build, so
    they do not pile up. DuckDB only: other warehouses keep the default
    no-op (dbt's own materializations clean them up there).
#}
{% macro drop_build_leftovers() -%}
    {{ return(adapter.dispatch('drop_build_leftovers', 'customer_segments')()) }}
{%- endmacro %}

{% macro default__drop_build_leftovers() -%}
    select 1
{%- endmacro %}

{% macro duckdb__drop_build_leftovers() -%}
    {%- set statements = ['select 1'] -%}
    {%- if execute -%}
        {%- set leftovers = run_query(
            "select table_schema, table_name, table_type"
            ~ " from information_schema.tables"
            ~ " where table_catalog = current_database()"
            ~ " and (table_name like '%\\_\\_dbt\\_tmp' escape '\\'"
            ~ " or table_name like '%\\_\\_dbt\\_backup' escape '\\')") -%}
        {%- for row in leftovers -%}
            {%- do statements.append(
                'drop ' ~ ('view' if row[2] == 'VIEW' else 'table')
                ~ ' if exists ' ~ adapter.quote(row[0]) ~ '.'
                ~ adapter.quote(row[1])) -%}
            {%- do log('Dropping a leftover of an interrupted build: '
                ~ row[0] ~ '.' ~ row[1], info=true) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ statements | join(';\n') }}
{%- endmacro %}
