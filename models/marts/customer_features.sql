-- depends_on: {{ ref('int_categories_ranked') }}
{#
    One row per customer as of as_of_date: every behavioural feature of
    int_customer_features, plus one share-of-spend column for each of the
    shop's top categories (category_share_<category>; the set follows the
    data, see var('top_category_count')).
#}
{%- set share_sums = [] -%}
{%- set share_columns = [] -%}
{%- for category in top_categories() -%}
    {%- do share_sums.append(
        ", sum(case when category = '"
        ~ category.category | replace("'", "''")
        ~ "' then spend_share else 0 end) as " ~ category.column_name) -%}
    {%- do share_columns.append(
        ', category_shares.' ~ category.column_name) -%}
{%- endfor -%}
{%- set share_sums = share_sums | join('') -%}
{%- set share_columns = share_columns | join('') -%}

with

customer_features as (

    select * from {{ ref('int_customer_features') }}

),

category_spend as (

    select * from {{ ref('int_customer_category_spend') }}

),

category_shares as (

    select
        customer_id{{ share_sums }}
    from category_spend
    group by customer_id

),

final as (

    select customer_features.*{{ share_columns }}
    from customer_features
    left join category_shares
        on customer_features.customer_id = category_shares.customer_id

)

select * from final
