{#
    Fails for every row where `<column> <expression>` (or, on a model, the
    bare expression) is not true. Rows where the column is null pass; pair
    with not_null when nulls are wrong too.
#}
{% test expression_is_true(model, expression, column_name=none) %}

select *
from {{ model }}
where not (
    {%- if column_name %}
        {{ column_name }} is null or {{ column_name }} {{ expression }}
    {%- else %}
        {{ expression }}
    {%- endif %}
)

{% endtest %}
