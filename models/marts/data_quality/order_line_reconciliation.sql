{#
    One row per outcome of a raw order line: accepted, duplicate (exact
    copies of an accepted line, removed), or rejected with its reason. Line
    counts add up to the raw file's line count and values to its value
    (quantity x unit price, where both parse), so nothing is lost silently.
#}
with

validated as (

    select * from {{ ref('int_order_lines_validated') }}

),

outcomes as (

    select
        'accepted' as outcome,
        cast(null as {{ dbt.type_string() }}) as rejection_reason,
        count(*) as line_count,
        sum(line_amount) as line_amount
    from validated
    where is_accepted

    union all

    select
        'duplicate' as outcome,
        cast(null as {{ dbt.type_string() }}) as rejection_reason,
        sum(duplicate_line_count) as line_count,
        sum(line_amount * duplicate_line_count) as line_amount
    from validated
    where is_accepted

    union all

    select
        'rejected' as outcome,
        rejection_reason,
        sum(source_line_count) as line_count,
        sum(line_amount * source_line_count) as line_amount
    from validated
    where not is_accepted
    group by rejection_reason

),

final as (

    select
        {{ dbt.concat(["outcome", "':'",
            "coalesce(rejection_reason, outcome)"]) }} as outcome_id,
        outcome,
        rejection_reason,
        coalesce(line_count, 0) as line_count,
        coalesce(line_amount, 0) as line_amount
    from outcomes

)

select * from final
