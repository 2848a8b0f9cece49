{#  Fails for every non-null value outside [min_value, max_value]. #}
{% test accepted_range(model, column_name, min_value=none, max_value=none) %}

select *
from {{ model }}
where
    {{ column_name }} is not null
    and (
        1 = 0
        {%- if min_value is not none %}
            or {{ column_name }} < {{ min_value }}
        {%- endif %}
        {%- if max_value is not none %}
            or {{ column_name }} > {{ max_value }}
        {%- endif %}
    )

{% endtest %}
