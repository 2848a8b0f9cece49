{#
    An id column as canonical text, the one place ids are normalised, so
    one customer never becomes two: white space trimmed and null markers
    nulled (clean_text); an integral number written with a decimal part
    ('10001.0', '10001.00') loses it; numeric source types (a Parquet
    DOUBLE or DECIMAL customer_id) become text without a decimal part when
    integral. Other text is kept as it is (case and inner spaces matter).
#}
{% macro normalize_id(source_column, name) -%}
    {%- if source_column is none -%}
        cast(null as {{ dbt.type_string() }})
    {%- elif is_text_column(source_column) -%}
        {{ strip_integral_decimal(clean_text(name)) }}
    {%- elif source_column.is_integer() -%}
        cast({{ name }} as {{ dbt.type_string() }})
    {%- elif source_column.is_numeric() or source_column.is_float() -%}
        case
            when {{ name }} = floor({{ name }})
                then cast(cast({{ name }} as {{ dbt.type_bigint() }})
                    as {{ dbt.type_string() }})
            else cast({{ name }} as {{ dbt.type_string() }})
        end
    {%- else -%}
        {{ strip_integral_decimal(clean_text(
            'cast(' ~ name ~ ' as ' ~ dbt.type_string() ~ ')')) }}
    {%- endif -%}
{%- endmacro %}

{#
    '10001.0' -> '10001': text that is an integer followed by a decimal
    point and zeros only. Back-references are \1 on DuckDB, Postgres and
    Snowflake, $1 on Spark.
#}
{% macro strip_integral_decimal(expression) -%}
    {{ return(adapter.dispatch('strip_integral_decimal', 'customer_segments')(
        expression)) }}
{%- endmacro %}

{% macro default__strip_integral_decimal(expression) -%}
    regexp_replace({{ expression }}, '^(-?[0-9]+)[.]0+$', '\1')
{%- endmacro %}

{% macro spark__strip_integral_decimal(expression) -%}
    regexp_replace({{ expression }}, '^(-?[0-9]+)[.]0+$', '$1')
{%- endmacro %}
