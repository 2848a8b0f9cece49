{#
    One row per order id that accepted lines attribute to more than one
    customer (an id reused across systems, a merge of two shops, an export
    bug). The lines stay accepted: each customer keeps their own lines,
    because orders are keyed by customer and order id (int_orders), and
    which customer is right cannot be told from the data. They are listed
    here, and the warn-severity test assert_order_ids_have_one_customer
    names the count in every build.
#}
with

order_lines as (

    select * from {{ ref('int_order_lines_accepted') }}

),

customer_orders as (

    select
        order_id,
        customer_id,
        count(*) as line_count,
        sum(net_amount) as net_amount
    from order_lines
    group by order_id, customer_id

),

conflicts as (

    select
        order_id,
        min(customer_id) as first_customer_id,
        max(customer_id) as last_customer_id,
        count(*) as customer_count,
        sum(line_count) as line_count,
        sum(net_amount) as net_amount
    from customer_orders
    group by order_id
    having count(*) > 1

)

select * from conflicts
