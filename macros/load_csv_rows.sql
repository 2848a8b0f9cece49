{#
    dbt-spark's seed loader with one fix: an empty CSV cell is loaded as null.
    dbt-spark binds every value into the insert, and its session method
    formats None as the text 'None' (cast('None' as string) is the string
    'None'; as a number it is null only while ANSI mode is off). Here an empty
    cell becomes a typed null literal, so seeds read back with nulls on every
    connection method, as they do on DuckDB. Every other value is still bound
    exactly as dbt-spark binds it. dbt finds this spark__ version before the
    adapter's own (the root project comes first in dispatch).
#}
{% macro spark__load_csv_rows(model, agate_table) %}

    {% set batch_size = get_batch_size() %}
    {% set column_override = model['config'].get('column_types', {}) %}
    {% set column_types = [] %}
    {% for col_name in agate_table.column_names %}
        {% do column_types.append(column_override.get(
            col_name, adapter.convert_type(agate_table, loop.index0))) %}
    {% endfor %}

    {% set statements = [] %}

    {% for chunk in agate_table.rows | batch(batch_size) %}
        {% set bindings = [] %}
        {% for row in chunk %}
            {% for value in row %}
                {% if value is not none %}
                    {% do bindings.append(value) %}
                {% endif %}
            {% endfor %}
        {% endfor %}

        {% set sql %}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for value in row -%}
                    {%- if value is none -%}
                        cast(null as {{ column_types[loop.index0] }})
                    {%- else -%}
                        cast({{ get_binding_char() }} as {{ column_types[loop.index0] }})
                    {%- endif -%}
                    {%- if not loop.last %},{% endif -%}
                {%- endfor -%})
                {%- if not loop.last %},{% endif %}
            {%- endfor %}
        {% endset %}

        {% do adapter.add_query(sql, bindings=bindings, abridge_sql_log=True) %}

        {% if loop.index0 == 0 %}
            {% do statements.append(sql) %}
        {% endif %}
    {% endfor %}

    {# The first batch's SQL is rendered into the compiled seed file, as dbt-spark does. #}
    {{ return(statements[0]) }}
{% endmacro %}
