{#
    The features segment_profiles profiles (<feature>_mean, _median), read
    from the segment_features seed (is_profiled, in feature_position order)
    when the model that calls this runs. Empty at parse time and before the
    seed is loaded (a build loads it first: the caller refs it).
#}
{% macro profiled_features() -%}
    {%- set features = [] -%}
    {%- set registry = ref('segment_features') -%}
    {%- if execute and load_relation(registry) is not none -%}
        {%- set rows = run_query(
            'select feature_name from ' ~ registry
            ~ ' where is_profiled order by feature_position') -%}
        {%- do features.extend(rows.columns[0].values()) -%}
    {%- endif -%}
    {{ return(features) }}
{%- endmacro %}
