{#
    A timestamp input column as a timestamp in var('time_zone') (default
    UTC), so lines written with different offsets land on the right day:
    text with an offset ('2025-01-01T10:00:00+02:00', '...Z') is converted
    to that zone; text without one is taken as already in it; a value that
    does not parse is null (staging keeps the raw text for the rejection).
    A source column typed timestamp with time zone (Parquet) is converted
    too. Null markers and white space are cleaned first (clean_text).
#}
{% macro parse_timestamp(source_column, name) -%}
    {%- if source_column is none -%}
        cast(null as {{ dbt.type_timestamp() }})
    {%- elif is_text_column(source_column) -%}
        {{ return(adapter.dispatch('parse_timestamp_text', 'customer_segments')(
            clean_text(name), validated_var('time_zone'))) }}
    {%- elif 'time zone' in source_column.data_type | lower
        or source_column.data_type | lower == 'timestamptz' -%}
        {{ return(adapter.dispatch('convert_timestamptz', 'customer_segments')(
            name, validated_var('time_zone'))) }}
    {%- else -%}
        {{ try_cast(name, dbt.type_timestamp()) }}
    {%- endif -%}
{%- endmacro %}

{#- A time followed by Z or a +hh, +hhmm or +hh:mm offset, at the end. -#}
{% macro timestamp_offset_pattern() -%}
    {{ return("'[0-9]:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)? ?(Z|z|[+-][0-9]{2}(:?[0-9]{2})?)$'") }}
{%- endmacro %}

{% macro default__parse_timestamp_text(value, time_zone) -%}
    case
        when {{ text_matches(value, timestamp_offset_pattern()) }}
            then {{ default__convert_timestamptz(
                try_cast(value, 'timestamp with time zone'), time_zone) }}
        else {{ try_cast(value, dbt.type_timestamp()) }}
    end
{%- endmacro %}

{% macro duckdb__parse_timestamp_text(value, time_zone) -%}
    case
        when regexp_matches({{ value }}, {{ timestamp_offset_pattern() }})
            then timezone({{ sql_literal(time_zone) }},
                try_cast({{ value }} as timestamptz))
        else try_cast({{ value }} as timestamp)
    end
{%- endmacro %}

{#- Spark: assumes spark.sql.session.timeZone = UTC (the cast then reads
    an offset and yields UTC wall-clock time). -#}
{% macro spark__parse_timestamp_text(value, time_zone) -%}
    case
        when {{ value }} rlike {{ timestamp_offset_pattern() }}
            then from_utc_timestamp(
                {{ try_cast(value, 'timestamp') }}, {{ sql_literal(time_zone) }})
        else {{ try_cast(value, 'timestamp') }}
    end
{%- endmacro %}

{% macro convert_timestamptz(expression, time_zone) -%}
    {{ return(adapter.dispatch('convert_timestamptz', 'customer_segments')(
        expression, time_zone)) }}
{%- endmacro %}

{% macro default__convert_timestamptz(expression, time_zone) -%}
    cast(({{ expression }}) at time zone {{ sql_literal(time_zone) }}
        as {{ dbt.type_timestamp() }})
{%- endmacro %}

{% macro duckdb__convert_timestamptz(expression, time_zone) -%}
    timezone({{ sql_literal(time_zone) }}, {{ expression }})
{%- endmacro %}

{% macro spark__convert_timestamptz(expression, time_zone) -%}
    from_utc_timestamp({{ expression }}, {{ sql_literal(time_zone) }})
{%- endmacro %}

{#- regexp match as a boolean (Postgres ~, Snowflake regexp_like). -#}
{% macro text_matches(value, pattern) -%}
    {{ return(adapter.dispatch('text_matches', 'customer_segments')(
        value, pattern)) }}
{%- endmacro %}

{% macro default__text_matches(value, pattern) -%}
    regexp_like({{ value }}, {{ pattern }})
{%- endmacro %}

{% macro postgres__text_matches(value, pattern) -%}
    ({{ value }} ~ {{ pattern }})
{%- endmacro %}
