{#
    One row per customer as of as_of_date: every customer with an accepted
    order line in the window, plus customers from the optional customers
    input who never ordered. Behavioural features in real units (days,
    orders, currency, shares); a feature the inputs cannot support (no
    categories, discounts or visits) is null, never a zero that lies.
    Customers with no purchase in the last inactive_after_days are flagged
    inactive with a reason: kept here, left out of clustering. Frequent
    returners (return_rate of at least frequent_returner_min_return_rate over
    at least frequent_returner_min_orders purchase orders) are flagged, not
    clustered apart.
#}
with

orders as (

    select * from {{ ref('int_orders') }}

),

category_spend as (

    select * from {{ ref('int_customer_category_spend') }}

),

customer_visits as (

    select * from {{ ref('int_customer_visits') }}

),

customers as (

    select * from {{ ref('stg_shop__customers') }}

),

analysis_window as (

    select * from {{ ref('int_analysis_window') }}

),

order_summary as (

    select
        customer_id,
        sum(case when is_purchase then 1 else 0 end) as order_count,
        sum(case when is_discounted then 1 else 0 end)
            as discounted_order_count,
        sum(purchased_amount) as purchased_amount,
        sum(returned_amount) as returned_amount,
        sum(discount_amount) as discount_amount,
        sum(net_amount) as net_revenue,
        min(case when is_purchase then ordered_at end) as first_order_at,
        max(case when is_purchase then ordered_at end) as last_order_at,
        min(ordered_at) as first_seen_at
    from orders
    group by customer_id

),

latest_country as (

    select
        customer_id,
        {{ latest_value('country', ['ordered_at', 'order_id']) }} as country
    from orders
    where country is not null
    group by customer_id

),

category_summary as (

    select
        customer_id,
        count(*) as category_count,
        max(case when category_rank = 1 then category end) as top_category,
        max(case when category_rank = 1 then spend_share end)
            as top_category_share
    from category_spend
    group by customer_id

),

{# Purchases per customer and month: months_active and the quarter shares
   both come from this one pre-aggregate (a distinct count over every order
   spilled at 100M lines). #}
monthly_spend as (

    select
        customer_id,
        {{ dbt.date_trunc('month', 'ordered_date') }} as order_month,
        sum(purchased_amount - discount_amount) as purchased_amount
    from orders
    where is_purchase
    group by customer_id, {{ dbt.date_trunc('month', 'ordered_date') }}

),

month_summary as (

    select
        customer_id,
        count(*) as months_active
    from monthly_spend
    group by customer_id

),

quarter_spend as (

    select
        customer_id,
        extract(quarter from order_month) as quarter_of_year,
        sum(purchased_amount) as purchased_amount
    from monthly_spend
    group by customer_id, extract(quarter from order_month)

),

seasonality as (

    select
        customer_id,
        cast(max(purchased_amount) as {{ type_double() }})
        / nullif(sum(purchased_amount), 0)
            as peak_quarter_share,
        cast(
            sum(case when quarter_of_year = 4 then purchased_amount else 0 end)
            as {{ type_double() }}
        ) / nullif(sum(purchased_amount), 0) as q4_share
    from quarter_spend
    group by customer_id

),

customer_spine as (

    select customer_id from order_summary
    union
    select customer_id from customers

),

joined as (

    select
        customer_spine.customer_id,
        category_summary.top_category,
        category_summary.category_count,
        category_summary.top_category_share,
        seasonality.peak_quarter_share,
        seasonality.q4_share,
        customer_visits.visits_last_365_days,
        customer_visits.visits_last_90_days,
        analysis_window.has_discount_data,
        analysis_window.has_visit_data,
        analysis_window.inactive_after_days,
        analysis_window.as_of_date,
        customers.signed_up_at,
        order_summary.first_order_at,
        order_summary.last_order_at,
        coalesce(customers.country, latest_country.country) as country,
        coalesce(order_summary.order_count, 0) as order_count,
        coalesce(order_summary.discounted_order_count, 0)
            as discounted_order_count,
        coalesce(order_summary.purchased_amount, 0) as purchased_amount,
        coalesce(order_summary.returned_amount, 0) as returned_amount,
        coalesce(order_summary.discount_amount, 0) as discount_amount,
        coalesce(order_summary.net_revenue, 0) as net_revenue,
        coalesce(month_summary.months_active, 0) as months_active,
        {# First sign of the customer: sign-up, first order line or visit. #}
        least(
            coalesce(
                customers.signed_up_at, order_summary.first_seen_at,
                customer_visits.first_visited_at
            ),
            coalesce(
                order_summary.first_seen_at, customers.signed_up_at,
                customer_visits.first_visited_at
            ),
            coalesce(
                customer_visits.first_visited_at,
                order_summary.first_seen_at, customers.signed_up_at
            )
        ) as first_seen_at
    from customer_spine
    left join order_summary
        on customer_spine.customer_id = order_summary.customer_id
    left join customers
        on customer_spine.customer_id = customers.customer_id
    left join latest_country
        on customer_spine.customer_id = latest_country.customer_id
    left join category_summary
        on customer_spine.customer_id = category_summary.customer_id
    left join seasonality
        on customer_spine.customer_id = seasonality.customer_id
    left join month_summary
        on customer_spine.customer_id = month_summary.customer_id
    left join customer_visits
        on customer_spine.customer_id = customer_visits.customer_id
    cross join analysis_window

),

features as (

    select
        customer_id,
        country,
        top_category,
        {{ dbt.datediff('last_order_at', 'as_of_date', 'day') }}
            as recency_days,
        {{ dbt.datediff('first_order_at', 'as_of_date', 'day') }}
            as tenure_days,
        order_count,
        net_revenue,
        purchased_amount,
        returned_amount,
        discount_amount,
        cast(purchased_amount - discount_amount as {{ type_double() }})
        / nullif(order_count, 0)
            as average_order_value,
        {# Capped at 1: returns of goods bought before the window exist. #}
        case
            when purchased_amount > 0
                then least(
                    cast(returned_amount as {{ type_double() }})
                    / purchased_amount,
                    1
                )
        end as return_rate,
        months_active,
        case
            when order_count >= 2
                then
                    cast({{ dbt.datediff(
                        'first_order_at', 'last_order_at', 'day'
                    ) }} as {{ type_double() }})
                    / (order_count - 1)
        end as avg_days_between_orders,
        case
            when has_discount_data
                then
                    cast(discount_amount as {{ type_double() }})
                    / nullif(purchased_amount, 0)
        end as discount_share,
        case
            when has_discount_data
                then
                    cast(discounted_order_count as {{ type_double() }})
                    / nullif(order_count, 0)
        end as discounted_order_share,
        case
            when has_visit_data
                then
                    cast(
                        coalesce(visits_last_365_days, 0) as {{ type_double() }}
                    )
                    / greatest(1.0, least(
                        12.0,
                        cast({{ dbt.datediff(
                            'first_seen_at', 'as_of_date', 'day'
                        ) }} as {{ type_double() }})
                        / 30.4375
                    ))
        end as visits_per_month,
        case
            when has_visit_data then coalesce(visits_last_90_days, 0)
        end as visits_last_90_days,
        top_category_share,
        category_count,
        peak_quarter_share,
        q4_share,
        inactive_after_days,
        as_of_date,
        signed_up_at,
        first_order_at,
        last_order_at
    from joined

),

final as (

    select
        customer_id,
        country,
        top_category,
        recency_days,
        tenure_days,
        order_count,
        net_revenue,
        purchased_amount,
        returned_amount,
        discount_amount,
        average_order_value,
        return_rate,
        months_active,
        avg_days_between_orders,
        discount_share,
        discounted_order_share,
        visits_per_month,
        visits_last_90_days,
        top_category_share,
        category_count,
        peak_quarter_share,
        q4_share,
        as_of_date,
        signed_up_at,
        first_order_at,
        last_order_at,
        case
            when order_count = 0 then 'no_purchase_in_window'
            when recency_days > inactive_after_days
                then 'no_purchase_within_inactive_after_days'
        end as inactive_reason,
        order_count > 0 and recency_days <= inactive_after_days as is_active,
        coalesce(
            return_rate
            >= {{ validated_var('frequent_returner_min_return_rate') }}
            and order_count
            >= {{ validated_var('frequent_returner_min_orders') }},
            false
        ) as is_frequent_returner
    from features

)

select * from final
