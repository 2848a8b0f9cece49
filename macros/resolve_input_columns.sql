{#
    Maps the columns of a raw input relation to the canonical input contract
    and fails, naming the file (or relation) and the column, when a required
    column is missing. Returns {canonical_name: column or none}, where column
    is the adapter's Column (name and data type), so staging can quote the
    real name and skip casts that the source type makes unnecessary.

    var('input_format') picks the spelling of the order-lines columns:
    canonical, or online_retail (UCI Online Retail and Online Retail II).
#}
{% macro resolve_input_columns(input_name, relation) -%}
    {%- set layouts = {
        'order_lines': {
            'canonical': {
                'order_id': ['order_id'],
                'customer_id': ['customer_id'],
                'ordered_at': ['ordered_at'],
                'product_id': ['product_id'],
                'quantity': ['quantity'],
                'unit_price': ['unit_price'],
                'product_name': ['product_name'],
                'category': ['category'],
                'discount_amount': ['discount_amount'],
                'country': ['country'],
                'is_return': ['is_return'],
            },
            'online_retail': {
                'order_id': ['InvoiceNo', 'Invoice'],
                'customer_id': ['CustomerID', 'Customer ID'],
                'ordered_at': ['InvoiceDate'],
                'product_id': ['StockCode'],
                'quantity': ['Quantity'],
                'unit_price': ['UnitPrice', 'Price'],
                'product_name': ['Description'],
                'country': ['Country'],
            },
        },
        'customers': {
            'canonical': {
                'customer_id': ['customer_id'],
                'signed_up_at': ['signed_up_at'],
                'country': ['country', 'region'],
            },
        },
        'visits': {
            'canonical': {
                'customer_id': ['customer_id'],
                'visited_at': ['visited_at'],
            },
        },
    } -%}
    {%- set required = {
        'order_lines': ['order_id', 'customer_id', 'ordered_at', 'product_id',
                        'quantity', 'unit_price'],
        'customers': ['customer_id'],
        'visits': ['customer_id', 'visited_at'],
    } -%}
    {%- set input_format = validated_var('input_format')
        if input_name == 'order_lines' else 'canonical' -%}
    {%- if input_format not in layouts[input_name] -%}
        {{ exceptions.raise_compiler_error(
            "Unknown input_format '" ~ input_format ~ "': expected one of "
            ~ layouts[input_name].keys() | list | join(', ')) }}
    {%- endif -%}
    {%- set layout = layouts[input_name][input_format] -%}
    {#- Every canonical column is a key; absent optional ones are none. -#}
    {%- set resolved = {} -%}
    {%- for canonical_name in layouts[input_name]['canonical'] -%}
        {%- do resolved.update({canonical_name: none}) -%}
    {%- endfor -%}
    {%- if not execute -%}
        {{ return(resolved) }}
    {%- endif -%}
    {%- set by_lower_name = {} -%}
    {%- for column in input_relation_columns(input_name, relation) -%}
        {%- do by_lower_name.update({column.name | lower: column}) -%}
    {%- endfor -%}
    {%- for canonical_name, spellings in layout.items() -%}
        {%- set found = [] -%}
        {%- for spelling in spellings
            if spelling | lower in by_lower_name and not found -%}
            {%- do found.append(by_lower_name[spelling | lower]) -%}
        {%- endfor -%}
        {%- do resolved.update({
            canonical_name: found[0] if found else none}) -%}
    {%- endfor -%}
    {%- set missing = [] -%}
    {%- for canonical_name in required[input_name]
        if resolved[canonical_name] is none -%}
        {%- do missing.append(layout[canonical_name] | join(' or ')) -%}
    {%- endfor -%}
    {%- if missing -%}
        {%- set path = input_path(input_name) -%}
        {{ exceptions.raise_compiler_error(
            "Input " ~ input_name ~ " ("
            ~ (("file '" ~ path ~ "'") if path else relation)
            ~ ", input_format=" ~ input_format
            ~ ") is missing required column(s): " ~ missing | join(', ')
            ~ ". Columns found: "
            ~ by_lower_name.values() | map(attribute='name') | join(', ')
            ~ (". The header was read as one column: check the delimiter"
                ~ " (comma expected) and the quoting"
                if by_lower_name | length == 1 else '')) }}
    {%- endif -%}
    {{ return(resolved) }}
{%- endmacro %}
