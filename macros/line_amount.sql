{#
    quantity x unit_price of an order line, or null when its magnitude
    exceeds var('max_line_amount'): such a line is rejected as
    implausible_amount (int_order_lines_validated), and leaving its value
    out keeps every sum of money in exact decimals instead of overflowing
    DECIMAL(38) on an absurd value (1e15 units at 1e15 each). The bound is
    checked in double precision, which cannot overflow.
#}
{% macro line_amount(quantity, unit_price) -%}
    case
        when
            abs(cast({{ quantity }} as {{ type_double() }})
                * cast({{ unit_price }} as {{ type_double() }}))
            <= {{ validated_var('max_line_amount') }}
            then {{ quantity }} * {{ unit_price }}
    end
{%- endmacro %}

{#
    True when an order line's quantity x unit_price is beyond
    var('max_line_amount') (see line_amount).
#}
{% macro is_implausible_amount(quantity, unit_price) -%}
    abs(cast({{ quantity }} as {{ type_double() }})
        * cast({{ unit_price }} as {{ type_double() }}))
    > {{ validated_var('max_line_amount') }}
{%- endmacro %}
