{#
    The shop's top var('top_category_count') categories by purchased value,
    read from int_categories_ranked when the model that calls this runs, as
    [{'category': ..., 'column_name': ...}]. Empty at parse time, before
    the ranking is first built, and when the input has no categories.
#}
{% macro top_categories() -%}
    {%- set categories = [] -%}
    {%- set ranked = ref('int_categories_ranked') -%}
    {%- if execute and load_relation(ranked) is not none -%}
        {%- set rows = run_query(
            'select category from ' ~ ranked
            ~ ' where category_rank <= ' ~ validated_var('top_category_count')
            ~ ' order by category_rank') -%}
        {%- for row in rows -%}
            {%- set slug = modules.re.sub(
                '[^a-z0-9]+', '_', row[0] | lower).strip('_') -%}
            {%- do categories.append({
                'category': row[0],
                'column_name': 'category_share_' ~ slug,
            }) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(categories) }}
{%- endmacro %}
