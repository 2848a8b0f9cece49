{#
    The incremental strategy of the history tables, which replace the rows
    of the build they are keyed by (an as_of_date, a model_version) and
    keep every other build's rows: delete+insert on the unique_key where
    the adapter has it (DuckDB, Postgres, Snowflake); on Spark and
    Databricks, insert_overwrite of the key's partition (the model sets
    partition_by to the same column), which works on plain Parquet tables
    where merge does not.
#}
{% macro history_incremental_strategy() -%}
    {{ return(adapter.dispatch(
        'history_incremental_strategy', 'customer_segments')()) }}
{%- endmacro %}

{% macro default__history_incremental_strategy() -%}
    {{ return('delete+insert') }}
{%- endmacro %}

{% macro spark__history_incremental_strategy() -%}
    {{ return('insert_overwrite') }}
{%- endmacro %}
