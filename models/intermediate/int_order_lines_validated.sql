-- depends_on: {{ ref('non_product_stock_codes') }}
{#
    The one materialized line table: one row per distinct order line, typed,
    with its verdict. Identical lines (every value equal after typing) are
    collapsed and counted (source_line_count); source_line_number, the key,
    is the number of the first of them in the raw input. rejection_reason
    is null for a line that is accepted, else the first rule it breaks.
    Order of the rules is the order of the case below, so every line has
    exactly one reason. Non-product lines (postage, fees, manual
    adjustments) are recognised from the non_product_stock_codes seed, for
    the online_retail format only.
    The raw input is read once, here; every later model and test reads this
    table (or the filters int_order_lines_accepted / _in_window over it).
#}
{{ config(materialized='table') }}
{%- set line_columns = ['order_id', 'customer_id', 'product_id',
    'product_name', 'category', 'country', 'ordered_at_text',
    'quantity_text', 'unit_price_text', 'quantity', 'unit_price',
    'discount_amount', 'is_return', 'is_cancellation', 'ordered_at'] %}

with

staged_lines as (

    select * from {{ ref('stg_shop__order_lines') }}

),

order_lines as (

    select
        {%- for name in line_columns %}
        {{ name }},
        {%- endfor %}
        min(source_line_number) as source_line_number,
        count(*) as source_line_count
    from staged_lines
    group by {{ range(1, line_columns | length + 1) | join(', ') }}

),

{% if var('input_format') == 'online_retail' -%}
non_product_stock_codes as (

    select * from {{ ref('non_product_stock_codes') }}

),

{# Matched per distinct product code, not per line: the pattern join
   touches a few thousand codes however many lines there are. #}
product_codes as (

    select distinct
        product_id,
        upper(product_id) as product_code
    from order_lines
    where product_id is not null

),

non_product_matches as (

    select
        product_codes.product_id,
        min(non_product_stock_codes.line_kind) as non_product_kind
    from product_codes
    inner join non_product_stock_codes
        on
            product_codes.product_code = non_product_stock_codes.stock_code
            or (
                non_product_stock_codes.match_type = 'prefix'
                and product_codes.product_code like
                {{ dbt.concat(["non_product_stock_codes.stock_code", "'%'"]) }}
            )
    group by product_codes.product_id

),
{%- else -%}
{# Canonical input carries no non-product lines. #}
non_product_matches as (

    select
        cast(null as {{ dbt.type_string() }}) as product_id,
        cast(null as {{ dbt.type_string() }}) as non_product_kind
    where 1 = 0

),
{%- endif %}

validated as (

    select
        order_lines.*,
        non_product_matches.non_product_kind,
        case
            when order_lines.customer_id is null then 'missing_customer_id'
            when order_lines.order_id is null then 'missing_order_id'
            when order_lines.product_id is null then 'missing_product_id'
            when order_lines.ordered_at is null then 'unparseable_ordered_at'
            when order_lines.quantity is null then 'unparseable_quantity'
            when order_lines.unit_price is null then 'unparseable_unit_price'
            when order_lines.quantity = 0 then 'zero_quantity'
            when non_product_matches.non_product_kind is not null
                then 'non_product_line'
            when order_lines.unit_price < 0 then 'negative_unit_price'
            when order_lines.unit_price = 0 and order_lines.quantity > 0
                then 'zero_price_sale'
            when order_lines.discount_amount < 0 then 'negative_discount'
        end as rejection_reason
    from order_lines
    left join non_product_matches
        on order_lines.product_id = non_product_matches.product_id

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
        rejection_reason,
        non_product_kind,
        ordered_at_text,
        quantity_text,
        unit_price_text,
        quantity,
        unit_price,
        discount_amount,
        source_line_count,
        is_return,
        is_cancellation,
        ordered_at,
        source_line_count - 1 as duplicate_line_count,
        quantity * unit_price as line_amount,
        rejection_reason is null as is_accepted
    from validated

)

select * from final
