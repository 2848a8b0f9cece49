{#
    on-run-end hook: one info line per requested clustering feature that
    the model does not use, with the reason, read from
    segment_feature_status when this run built it. Returns a no-op
    statement (hooks run SQL).
#}
{% macro log_feature_status(results) -%}
    {%- if execute -%}
        {%- set built = results
            | selectattr('node.name', 'equalto', 'segment_feature_status')
            | selectattr('status', 'equalto', 'success')
            | list -%}
        {%- if built -%}
            {%- set node = built[0].node -%}
            {%- set relation = adapter.get_relation(
                database=node.database, schema=node.schema,
                identifier=node.alias) -%}
            {%- if relation is not none -%}
                {%- set status = run_query(
                    'select feature_name, reason from ' ~ relation
                    ~ ' where not is_used order by requested_position') -%}
                {%- for row in status.rows -%}
                    {{ log('Segmentation: feature ' ~ row[0]
                        ~ ' not used: ' ~ row[1], info=True) }}
                {%- endfor -%}
                {%- if status.rows | length == 0 -%}
                    {{ log('Segmentation: every requested feature is used',
                        info=True) }}
                {%- endif -%}
            {%- endif -%}
        {%- endif -%}
    {%- endif %}
    select 1
{%- endmacro %}
