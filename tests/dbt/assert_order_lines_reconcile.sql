{#
    Every raw order line ends up accepted, as a removed exact duplicate, or
    rejected with a reason; counts and value must add up to the raw input.
    Returns a row (a failure) when either differs.
#}
with

raw_totals as (

    select
        sum(source_line_count) as line_count,
        sum(
            {{ line_amount('quantity', 'unit_price') }} * source_line_count
        ) as line_amount
    from {{ ref('int_order_lines_validated') }}

),

source_totals as (

    select count(*) as line_count
    from {{ source('shop', 'order_lines') }}

),

reconciled as (

    select
        sum(line_count) as line_count,
        sum(line_amount) as line_amount
    from {{ ref('order_line_reconciliation') }}

),

final as (

    select
        source_totals.line_count as source_line_count,
        raw_totals.line_count as staged_line_count,
        reconciled.line_count as reconciled_line_count,
        raw_totals.line_amount as staged_line_amount,
        reconciled.line_amount as reconciled_line_amount
    from source_totals
    cross join raw_totals
    cross join reconciled
    where
        source_totals.line_count <> reconciled.line_count
        or raw_totals.line_count <> reconciled.line_count
        or abs(
            coalesce(raw_totals.line_amount, 0)
            - coalesce(reconciled.line_amount, 0)
        ) > 0.005

)

select * from final
