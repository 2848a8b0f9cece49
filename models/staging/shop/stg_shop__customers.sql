{#
    One row per customer from the optional customers input. When a
    customer appears more than once, the earliest sign-up wins. Attributes
    beyond the contract are passed through unchanged for profiling.
#}
{%- set columns = resolve_input_columns(
    'customers', source('shop', 'customers')) -%}
{%- set known = [] -%}
{%- for column in columns.values() if column is not none -%}
{%- do known.append(column.name | lower) -%}
{%- endfor -%}
{%- set extra_columns = [] -%}
{%- if execute -%}
{%- for column in input_relation_columns(
    'customers', source('shop', 'customers'))
    if column.name | lower not in known -%}
{%- do extra_columns.append(adapter.quote(column.name)) -%}
{%- endfor -%}
{%- endif -%}
{#- Extra attributes, rendered as ", a, b" after the contract columns. -#}
{%- set extra_select = (', ' ~ extra_columns | join(', '))
    if extra_columns else '' -%}

with

customers as (

    select * from {{ source('shop', 'customers') }}

),

renamed as (

    select
        {{ select_input_column(columns.customer_id, 'customer_id') }},
        {{ select_input_column(columns.country, 'country') }},
        {{ select_input_column(columns.signed_up_at, 'signed_up_at') }}
        {{- extra_select }}
    from customers

),

typed as (

    select
        {{ cast_input_column(columns.customer_id, 'id', 'customer_id') }}
            as customer_id,
        {{ cast_input_column(columns.country, 'string', 'country') }}
            as country,
        {{ cast_input_column(
            columns.signed_up_at, 'timestamp', 'signed_up_at') }}
            as signed_up_at{{ extra_select }}
    from renamed

),

ranked as (

    select
        *,
        row_number() over (
            partition by customer_id
            order by signed_up_at, country
        ) as customer_row_number
    from typed
    where customer_id is not null

),

final as (

    select
        customer_id,
        country,
        signed_up_at{{ extra_select }}
    from ranked
    where customer_row_number = 1

)

select * from final
