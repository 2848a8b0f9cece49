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
    Dates are judged here too, from the lines' own date distribution (so
    one mistyped year cannot move the default as_of_date): future_dated
    after var load_date (default the day of the build); implausible_date
    for a run of dates cut off from the rest by a gap of more than
    implausible_date_gap_days that is not the largest run and holds at most
    implausible_date_max_share of the lines (a date starts a new run when
    the gap to the previous date exceeds the threshold; the run number is
    the running count of starts).
    The raw input is read once, here; every later model and test reads this
    table (or the filters int_order_lines_accepted / _in_window over it).
    The distinct lines (order_lines) feed both the date CTEs and the
    verdict: DuckDB materializes a CTE read twice, so the file is still
    scanned once (test_raw_order_lines_are_read_once); an engine that
    inlines CTEs would read the staged view twice.
#}
{{ config(materialized='table') }}
{%- set line_columns = ['order_id', 'customer_id', 'product_id',
    'product_name', 'category', 'country', 'ordered_at_text',
    'quantity_text', 'unit_price_text', 'discount_amount_text',
    'is_return_text', 'extra_fields', 'quantity', 'unit_price',
    'discount_amount', 'is_return', 'is_return_flag', 'is_cancellation',
    'ordered_at'] -%}
{%- set load_date = validated_var('load_date')
    or run_started_at.strftime('%Y-%m-%d') -%}
{%- set gap_days = validated_var('implausible_date_gap_days') -%}
{%- set max_share = validated_var('implausible_date_max_share') %}

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

{% if validated_var('input_format') == 'online_retail' -%}
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

daily as (

    select
        cast(ordered_at as date) as order_date,
        sum(source_line_count) as line_count,
        cast(ordered_at as date) > cast({{ sql_literal(load_date) }} as date)
            as is_future_dated
    from order_lines
    where ordered_at is not null
    group by 1

),

date_gaps as (

    select
        order_date,
        line_count,
        {{ dbt.datediff(
            'lag(order_date) over (order by order_date)',
            'order_date', 'day') }} as days_since_previous_date
    from daily
    where not is_future_dated

),

date_run_starts as (

    select
        order_date,
        line_count,
        case
            when
                days_since_previous_date is null
                or days_since_previous_date > {{ gap_days }}
                then 1
            else 0
        end as is_run_start
    from date_gaps

),

date_runs as (

    select
        order_date,
        line_count,
        sum(is_run_start) over (
            order by order_date rows between unbounded preceding and current row
        ) as run_number
    from date_run_starts

),

date_run_totals as (

    select
        run_number,
        sum(line_count) as run_line_count,
        {# The bulk: the run with the most lines (the latest on a tie). #}
        row_number() over (
            order by sum(line_count) desc, run_number desc
        ) as bulk_rank
    from date_runs
    group by 1

),

plausible_total as (

    select sum(line_count) as line_count
    from daily
    where not is_future_dated

),

order_dates_checked as (

    select
        daily.order_date,
        case
            when daily.is_future_dated then 'future_dated'
            when
                date_run_totals.bulk_rank > 1
                and date_run_totals.run_line_count
                <= {{ max_share }} * plausible_total.line_count
                then 'implausible_date'
        end as date_rejection_reason
    from daily
    left join date_runs
        on daily.order_date = date_runs.order_date
    left join date_run_totals
        on date_runs.run_number = date_run_totals.run_number
    cross join plausible_total

),

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
            when
                order_lines.discount_amount_text is not null
                and order_lines.discount_amount is null
                then 'unparseable_discount_amount'
            when
                order_lines.is_return_text is not null
                and order_lines.is_return_flag is null
                then 'unparseable_is_return'
            when {{ is_implausible_amount(
                'order_lines.quantity', 'order_lines.unit_price') }}
                then 'implausible_amount'
            when order_dates_checked.date_rejection_reason is not null
                then order_dates_checked.date_rejection_reason
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
    left join order_dates_checked
        on
            cast(order_lines.ordered_at as date)
            = order_dates_checked.order_date

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
        {#- The raw text is kept where it explains a rejection; an accepted
            line's typed values say it all (and nulls cost no storage). #}
        {%- for name in ['ordered_at_text', 'quantity_text', 'unit_price_text',
            'discount_amount_text', 'is_return_text'] %}
        case
            when rejection_reason is not null then {{ name }}
        end as {{ name }},
        {%- endfor %}
        quantity,
        unit_price,
        discount_amount,
        source_line_count,
        is_return,
        is_cancellation,
        ordered_at,
        source_line_count - 1 as duplicate_line_count,
        {{ line_amount('quantity', 'unit_price') }} as line_amount,
        rejection_reason is null as is_accepted
    from validated

)

select * from final
