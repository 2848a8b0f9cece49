{#
    segment_profiles has one row per segment of the current model plus
    segment 0, and its customer_count is the number of customers
    customer_segments puts in that segment; segment 0 holds exactly the
    inactive customers of customer_features. Returns one row per segment
    whose counts disagree (or that is missing on one side). A build with
    no customers at all (dbt build --empty) has nothing to compare.
#}
with

segment_profiles as (

    select * from {{ ref('segment_profiles') }}

),

customer_segments as (

    select * from {{ ref('customer_segments') }}

),

customer_features as (

    select * from {{ ref('customer_features') }}

),

segment_definitions as (

    select * from {{ ref('segment_definitions') }}

),

expected_segments as (

    select segment_id
    from segment_definitions
    union all
    select 0 as segment_id

),

segment_customers as (

    select
        segment_id,
        count(*) as customer_count
    from customer_segments
    group by segment_id

),

inactive_customers as (

    select
        count(*) as customer_total,
        sum(case when is_active then 0 else 1 end) as customer_count
    from customer_features

),

compared as (

    select
        segment_profiles.customer_count as profile_customer_count,
        coalesce(
            segment_profiles.segment_id,
            expected_segments.segment_id,
            segment_customers.segment_id
        ) as segment_id,
        coalesce(segment_customers.customer_count, 0)
            as assigned_customer_count,
        expected_segments.segment_id is not null as is_expected
    from segment_profiles
    full outer join expected_segments
        on segment_profiles.segment_id = expected_segments.segment_id
    full outer join segment_customers
        on
            coalesce(segment_profiles.segment_id, expected_segments.segment_id)
            = segment_customers.segment_id

),

final as (

    select
        compared.segment_id,
        compared.profile_customer_count,
        compared.assigned_customer_count,
        compared.is_expected,
        inactive_customers.customer_count as inactive_customer_count
    from compared
    cross join inactive_customers
    where
        inactive_customers.customer_total > 0
        and (
            not compared.is_expected
            or compared.profile_customer_count is null
            or compared.profile_customer_count
            <> compared.assigned_customer_count
            or (
                compared.segment_id = 0
                and compared.profile_customer_count
                <> inactive_customers.customer_count
            )
        )

)

select * from final
