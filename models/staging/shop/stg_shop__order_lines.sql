{#
    One row per raw order line: renamed to the canonical input contract,
    typed and numbered. Values that do not parse are null here, with the
    raw text kept beside them, so int_order_lines_validated can reject them
    with a reason. A view: the raw input is scanned once, by
    int_order_lines_validated, the one materialized line table (it
    collapses exact duplicates and judges every line in the same pass).
#}
{{ config(materialized='view') }}

{%- set columns = resolve_input_columns(
    'order_lines', source('shop', 'order_lines')) -%}
{%- set raw_names = ['order_id', 'customer_id', 'ordered_at', 'product_id',
    'product_name', 'category', 'country', 'quantity', 'unit_price',
    'discount_amount', 'is_return'] -%}
{%- set extra_key = extra_columns_key(
    source('shop', 'order_lines'), columns) -%}
{%- set given_names = [] -%}
{%- for name in raw_names if columns[name] is not none -%}
{%- do given_names.append(name) -%}
{%- endfor -%}

with

order_lines as (

    select * from {{ source('shop', 'order_lines') }}

),

renamed as (

    {# Columns outside the contract, as one text (extra_fields): two
       lines that differ only there are two lines, not a duplicate. #}
    select
        {%- for name in raw_names %}
        {{ select_input_column(columns[name], name) }},
        {%- endfor %}
        {{ extra_key }} as extra_fields
    from order_lines

),

typed as (

    select
        {{ source_line_number(given_names) }} as source_line_number,
        extra_fields,
        {{ cast_input_column(columns.order_id, 'id', 'order_id') }}
            as order_id,
        {{ cast_input_column(columns.customer_id, 'id', 'customer_id') }}
            as customer_id,
        {{ cast_input_column(columns.product_id, 'id', 'product_id') }}
            as product_id,
        {{ cast_input_column(
            columns.product_name, 'string', 'product_name') }}
            as product_name,
        {{ cast_input_column(columns.category, 'string', 'category') }}
            as category,
        {{ cast_input_column(columns.country, 'string', 'country') }}
            as country,
        {{ cast_input_column(columns.ordered_at, 'raw_text', 'ordered_at') }}
            as ordered_at_text,
        {{ cast_input_column(columns.quantity, 'raw_text', 'quantity') }}
            as quantity_text,
        {{ cast_input_column(columns.unit_price, 'raw_text', 'unit_price') }}
            as unit_price_text,
        {{ cast_input_column(
            columns.discount_amount, 'raw_text', 'discount_amount') }}
            as discount_amount_text,
        {{ cast_input_column(columns.is_return, 'raw_text', 'is_return') }}
            as is_return_text,
        {{ cast_input_column(columns.quantity, 'numeric', 'quantity') }}
            as quantity,
        {{ cast_input_column(columns.unit_price, 'numeric', 'unit_price') }}
            as unit_price,
        {{ cast_input_column(
            columns.discount_amount, 'numeric', 'discount_amount') }}
            as discount_amount,
        {{ cast_input_column(columns.is_return, 'boolean', 'is_return') }}
            as is_return_flag,
        {{ cast_input_column(columns.ordered_at, 'timestamp', 'ordered_at') }}
            as ordered_at
    from renamed

),

final as (

    select
        source_line_number,
        order_id,
        customer_id,
        product_id,
        product_name,
        category,
        country,
        ordered_at_text,
        quantity_text,
        unit_price_text,
        discount_amount_text,
        is_return_text,
        extra_fields,
        {# A return flag on a positive quantity means returned goods too. #}
        case
            when is_return_flag and quantity > 0 then -quantity
            else quantity
        end as quantity,
        unit_price,
        discount_amount,
        coalesce(is_return_flag, false) or quantity < 0 as is_return,
        {# Parsed flag, null when absent or unparseable (then rejected). #}
        is_return_flag,
        {% if validated_var('input_format') == 'online_retail' -%}
            coalesce(order_id like 'C%', false)
        {%- else -%}
        false
        {%- endif %} as is_cancellation,
        ordered_at
    from typed

)

select * from final
