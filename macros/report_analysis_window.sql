{#
    Post-hook of int_analysis_window. Prints the as_of_date chosen and why,
    warns (naming dates, line counts and the var to set) when lines were
    rejected as future_dated or implausible_date, and stops the build with
    one message when no accepted order line falls in the window: every
    line rejected (the reasons and an example value are named), or an
    as_of_date before the first accepted line. Returns no SQL.
#}
{% macro report_analysis_window(relation) -%}
    {%- if not execute or flags.EMPTY -%}
        {{ return('') }}
    {%- endif -%}
    {%- set window = run_query('select * from ' ~ relation).rows[0] -%}
    {%- set lines = ref('int_order_lines_validated') -%}
    {%- set as_of_var = validated_var('as_of_date') -%}
    {%- set accepted = window['accepted_line_count'] | int -%}
    {%- set in_window = window['in_window_line_count'] | int -%}

    {%- for reason, advice in [
        ('future_dated', 'after load_date ' ~ window['load_date']
            ~ '. If the data was loaded later than the build, set var '
            ~ 'load_date.'),
        ('implausible_date', 'far from the bulk of the order dates'
            ~ ' (a gap of more than '
            ~ validated_var('implausible_date_gap_days') ~ ' days, at most '
            ~ validated_var('implausible_date_max_share') * 100
            ~ '% of the lines). If they are real, raise var '
            ~ 'implausible_date_gap_days or implausible_date_max_share.'),
    ] -%}
        {%- set rows = run_query(
            'select cast(ordered_at as date), sum(source_line_count) from '
            ~ lines ~ ' where rejection_reason = ' ~ sql_literal(reason)
            ~ ' group by 1 order by 1').rows -%}
        {%- if rows | length > 0 -%}
            {%- set shown = [] -%}
            {%- for row in rows[:5] -%}
                {%- do shown.append(row[0] ~ ' (' ~ row[1] ~ ' line'
                    ~ ('s' if row[1] != 1 else '') ~ ')') -%}
            {%- endfor -%}
            {%- do exceptions.warn(
                (rows | sum(attribute=1)) ~ ' order line(s) rejected as '
                ~ reason ~ ', dated ' ~ shown | join(', ')
                ~ (' and ' ~ (rows | length - 5) ~ ' more dates'
                    if rows | length > 5 else '')
                ~ ': ' ~ advice) -%}
        {%- endif -%}
    {%- endfor -%}

    {%- if accepted == 0 -%}
        {%- set reasons = run_query(
            'select rejection_reason, sum(source_line_count),'
            ~ ' min(ordered_at_text) from '
            ~ lines
            ~ ' group by rejection_reason order by 2 desc, 1').rows -%}
        {%- set parts = [] -%}
        {%- for row in reasons -%}
            {%- do parts.append(row[0] ~ ': ' ~ row[1] ~ ' line(s)'
                ~ (", e.g. ordered_at '" ~ row[2] ~ "'"
                    if row[0] == 'unparseable_ordered_at' else '')) -%}
        {%- endfor -%}
        {%- set path = input_path('order_lines') -%}
        {{ exceptions.raise_compiler_error(
            'No order line was accepted from '
            ~ (("file '" ~ path ~ "'") if path else 'the order lines input')
            ~ (': every line was rejected (' ~ parts | join('; ') ~ ')'
                if parts else ': it has no lines')
            ~ '. Fix the input, or the var the reason names (dates: '
            ~ 'load_date; formats: input_format), and build again.') }}
    {%- elif in_window == 0 -%}
        {{ exceptions.raise_compiler_error(
            'as_of_date=' ~ as_of_var ~ ' (var) is on or before the first '
            ~ 'accepted order line (' ~ window['first_ordered_date']
            ~ '): none of the ' ~ accepted ~ ' accepted lines is in the '
            ~ 'window. Set var as_of_date after '
            ~ window['first_ordered_date'] ~ ', or leave it unset.') }}
    {%- endif -%}

    {%- do log(
        'Analysis window: as_of_date ' ~ window['as_of_date'] ~ ' ('
        ~ window['as_of_date_rule']
        ~ (', ' ~ window['last_ordered_date'] if not as_of_var else '')
        ~ '); ' ~ in_window ~ ' of ' ~ accepted
        ~ ' accepted order lines are in the window (first line '
        ~ window['first_ordered_date'] ~ ', last line '
        ~ window['last_ordered_date'] ~ ', load_date '
        ~ window['load_date'] ~ ').', info=true) -%}
    {{ return('') }}
{%- endmacro %}
