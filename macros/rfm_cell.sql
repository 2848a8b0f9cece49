{#
    The classic R x F segment map: the named cell of a recency score and a
    frequency score (both 1-5, 5 best). One definition, used by the RFM
    grid mart; the rules are listed in docs/method.md.
#}
{% macro rfm_cell(recency_score, frequency_score) -%}
    case
        when {{ recency_score }} = 5 and {{ frequency_score }} >= 4
            then 'Champions'
        when {{ recency_score }} in (3, 4) and {{ frequency_score }} >= 4
            then 'Loyal'
        when {{ recency_score }} >= 4 and {{ frequency_score }} in (2, 3)
            then 'Potential loyalists'
        when {{ recency_score }} = 5 and {{ frequency_score }} = 1
            then 'New'
        when {{ recency_score }} = 4 and {{ frequency_score }} = 1
            then 'Promising'
        when {{ recency_score }} = 3 and {{ frequency_score }} = 3
            then 'Need attention'
        when {{ recency_score }} = 3 and {{ frequency_score }} <= 2
            then 'About to sleep'
        when {{ recency_score }} <= 2 and {{ frequency_score }} = 5
            then 'Cannot lose them'
        when {{ recency_score }} <= 2 and {{ frequency_score }} in (3, 4)
            then 'At risk'
        when {{ recency_score }} = 1 and {{ frequency_score }} <= 2
            then 'Lost'
        else 'Hibernating'
    end
{%- endmacro %}
