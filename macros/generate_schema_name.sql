{#
    Where a model with a custom schema (staging, intermediate, ...) goes.
    dbt's default rule, <target.schema>_<custom>, so two targets that share
    a warehouse never share a schema (prod example: analytics,
    analytics_staging, ...). One exception: a target whose schema is
    DuckDB's default `main` (dev and ci, each in its own database file)
    uses the custom names as they are, so the file reads staging.x,
    intermediate.x. Models without a custom schema go to target.schema.
    Tested in tests/integration/test_fresh_clone.py.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- elif target.schema == 'main' -%}
        {{ custom_schema_name | trim }}
    {%- else -%}
        {{ target.schema }}_{{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
