{#
    The features segment_profiles profiles (<feature>_mean, _median), read
    from the segment_features seed (is_profiled, in feature_position order)
    when the model that calls this runs. Empty at parse time and before the
    seed is loaded (a build loads it first: the caller refs it).
#}
{% macro profiled_features() -%}
    {%- set features = [] -%}
    {#- The loaded relation, not the ref: under `dbt build --empty` a ref
        renders as an empty subquery, and the mart's columns must not. -#}
    {%- set registry_ref = ref('segment_features') -%}
    {%- set registry = load_relation(registry_ref) if execute else none -%}
    {%- if registry is not none -%}
        {%- set rows = run_query(
            'select feature_name from ' ~ registry
            ~ ' where is_profiled order by feature_position') -%}
        {%- do features.extend(rows.columns[0].values()) -%}
    {%- endif -%}
    {{ return(features) }}
{%- endmacro %}
