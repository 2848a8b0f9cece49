{#
    Every project var is checked here, once, before any SQL runs: the
    on-run-start hook calls validate_vars() (and dbt renders hooks while it
    parses the project, so a bad var stops `dbt build`, `compile`, `ls` and
    `docs generate` alike). Models read vars through validated_var(name),
    which returns the checked, typed value (a date as 'YYYY-MM-DD' text, an
    integer as an int, a list as a list), so no raw var text ever reaches
    SQL. A bad value fails with one message naming the var, the value and
    what is allowed.

    Kinds: path (text or null), choice (one of `choices`), boolean,
    identifier (a plain SQL name), date (YYYY-MM-DD, or null when
    nullable), integer and number (with min / max), identifier_list (a list
    or comma-separated text of plain names), text_list (a list of strings),
    time_zone (an IANA name such as UTC or Europe/Berlin).
#}
{% macro var_rules() -%}
    {{ return({
        'transactions_path': {'kind': 'path'},
        'customers_path': {'kind': 'path'},
        'visits_path': {'kind': 'path'},
        'input_format': {'kind': 'choice',
            'choices': ['canonical', 'online_retail']},
        'raw_schema': {'kind': 'identifier'},
        'null_markers': {'kind': 'text_list'},
        'time_zone': {'kind': 'time_zone'},
        'as_of_date': {'kind': 'date', 'nullable': true},
        'load_date': {'kind': 'date', 'nullable': true},
        'implausible_date_gap_days': {'kind': 'integer', 'min': 1},
        'implausible_date_max_share': {'kind': 'number', 'min': 0,
            'max': 0.5},
        'max_line_amount': {'kind': 'number', 'min': 1,
            'max': 1000000000000000},
        'backtest_horizon_days': {'kind': 'integer', 'min': 1,
            'max': 3650},
        'inactive_after_days': {'kind': 'integer', 'min': 1,
            'max': 36500},
        'top_category_count': {'kind': 'integer', 'min': 0, 'max': 50},
        'frequent_returner_min_return_rate': {'kind': 'number',
            'min': 0.01, 'max': 1},
        'frequent_returner_min_orders': {'kind': 'integer', 'min': 1,
            'max': 1000000},
        'export_path': {'kind': 'path'},
        'segment_features': {'kind': 'identifier_list'},
        'segment_k_min': {'kind': 'integer', 'min': 2, 'max': 50},
        'segment_k_max': {'kind': 'integer', 'min': 2, 'max': 50},
        'segment_min_chosen_k': {'kind': 'integer', 'min': 2, 'max': 50},
        'segment_k': {'kind': 'integer', 'min': 2, 'max': 50,
            'nullable': true},
        'segment_scaling': {'kind': 'choice',
            'choices': ['standard', 'minmax']},
        'segment_algorithm': {'kind': 'choice',
            'choices': ['kmeans', 'gmm']},
        'segment_training_sample_size': {'kind': 'integer', 'min': 10},
        'segment_random_state': {'kind': 'integer', 'min': 0,
            'max': 4294967295},
        'segment_n_init': {'kind': 'integer', 'min': 1, 'max': 1000},
        'segment_silhouette_sample_size': {'kind': 'integer', 'min': 10},
        'segment_validation_sample_size': {'kind': 'integer', 'min': 10},
        'segment_bootstrap_resamples': {'kind': 'integer', 'min': 0,
            'max': 1000},
        'segment_sweep_sample_size': {'kind': 'integer', 'min': 10},
        'segment_min_segment_share': {'kind': 'number', 'min': 0,
            'max': 0.5},
        'segment_sweep_n_init': {'kind': 'integer', 'min': 1, 'max': 1000},
        'segment_warm_start': {'kind': 'boolean'},
        'segment_match_threshold': {'kind': 'number', 'min': 0},
    }) }}
{%- endmacro %}

{% macro validate_vars() -%}
    {%- for name in var_rules() -%}
        {%- do validated_var(name) -%}
    {%- endfor -%}
    {%- set k_min = validated_var('segment_k_min') -%}
    {%- set k_max = validated_var('segment_k_max') -%}
    {%- if k_max < k_min -%}
        {%- do invalid_var('segment_k_max', k_max,
            'at least segment_k_min (' ~ k_min ~ ')') -%}
    {%- endif -%}
    {%- if validated_var('segment_k') is none
        and validated_var('segment_min_chosen_k') > k_max -%}
        {%- do invalid_var('segment_min_chosen_k',
            validated_var('segment_min_chosen_k'),
            'at most segment_k_max (' ~ k_max ~ ')') -%}
    {%- endif -%}
    {%- if validated_var('segment_features') | length < 2 -%}
        {%- do invalid_var('segment_features', var('segment_features'),
            'at least two feature names') -%}
    {%- endif -%}
    select 1
{%- endmacro %}

{% macro invalid_var(name, value, expected) -%}
    {{ exceptions.raise_compiler_error(
        "Invalid var " ~ name ~ ": got " ~ (
            ("'" ~ value ~ "'") if value is string else value | string)
        ~ ", expected " ~ expected ~ ". Set it in --vars or dbt_project.yml.")
    }}
{%- endmacro %}

{% macro validated_var(name) -%}
    {%- set rules = var_rules() -%}
    {%- if name not in rules -%}
        {{ exceptions.raise_compiler_error(
            "validated_var: no rule for var '" ~ name ~ "'") }}
    {%- endif -%}
    {%- set rule = rules[name] -%}
    {%- set value = var(name, none) -%}
    {%- set kind = rule['kind'] -%}
    {%- set re = modules.re -%}
    {#- Null words as YAML or a rendered config may spell them. -#}
    {%- if value is string and value | trim | lower in ['', 'none', 'null'] -%}
        {%- set value = none -%}
    {%- endif -%}
    {%- if value is none -%}
        {%- if kind in ['path'] or rule.get('nullable') -%}
            {{ return(none) }}
        {%- endif -%}
        {%- do invalid_var(name, value, 'a value (it has no default)') -%}
    {%- endif -%}

    {%- if kind == 'path' -%}
        {%- if value is not string -%}
            {%- do invalid_var(name, value, 'a file path or glob (text)') -%}
        {%- endif -%}
        {{ return(value) }}

    {%- elif kind == 'choice' -%}
        {%- if value is not string
            or value | trim | lower not in rule['choices'] -%}
            {%- do invalid_var(name, value,
                'one of ' ~ rule['choices'] | join(', ')) -%}
        {%- endif -%}
        {{ return(value | trim | lower) }}

    {%- elif kind == 'identifier' -%}
        {%- if value is not string or not re.fullmatch(
            '[A-Za-z_][A-Za-z0-9_]*', value) -%}
            {%- do invalid_var(name, value,
                'a plain name (letters, digits, underscores)') -%}
        {%- endif -%}
        {{ return(value) }}

    {%- elif kind == 'date' -%}
        {#- YAML turns an unquoted 2011-12-10 into a date already. -#}
        {%- set text = value | string | trim -%}
        {%- set match = re.fullmatch('([0-9]{4})-([0-9]{2})-([0-9]{2})', text) -%}
        {%- set valid = false -%}
        {%- if match -%}
            {%- set year = match.group(1) | int -%}
            {%- set month = match.group(2) | int -%}
            {%- set day = match.group(3) | int -%}
            {%- if year >= 1 and 1 <= month <= 12 -%}
                {%- set month_start = modules.datetime.date(year, month, 1) -%}
                {%- set next_month = (month_start
                    + modules.datetime.timedelta(days=31)).replace(day=1) -%}
                {%- set valid = 1 <= day <= (
                    next_month - month_start).days -%}
            {%- endif -%}
        {%- endif -%}
        {%- if not valid -%}
            {%- do invalid_var(name, value,
                'a calendar date written YYYY-MM-DD, e.g. 2011-12-10') -%}
        {%- endif -%}
        {{ return(text) }}

    {%- elif kind in ['integer', 'number'] -%}
        {%- set pattern = '-?[0-9]+' if kind == 'integer'
            else '-?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][-+]?[0-9]+)?' -%}
        {%- if value is boolean -%}
            {%- set parsed = none -%}
        {%- elif value is number -%}
            {%- set parsed = value -%}
        {%- elif value is string and re.fullmatch(pattern, value | trim) -%}
            {%- set parsed = (value | trim | int) if kind == 'integer'
                else (value | trim | float) -%}
        {%- else -%}
            {%- set parsed = none -%}
        {%- endif -%}
        {%- if kind == 'integer' and parsed is not none
            and parsed != parsed | int -%}
            {%- set parsed = none -%}
        {%- endif -%}
        {%- set bounds = [] -%}
        {%- if 'min' in rule -%}
            {%- do bounds.append('>= ' ~ rule['min']) -%}
        {%- endif -%}
        {%- if 'max' in rule -%}
            {%- do bounds.append('<= ' ~ rule['max']) -%}
        {%- endif -%}
        {%- set expected = ('an integer' if kind == 'integer' else 'a number')
            ~ ((' ' ~ bounds | join(' and ')) if bounds else '') -%}
        {%- if parsed is none
            or ('min' in rule and parsed < rule['min'])
            or ('max' in rule and parsed > rule['max']) -%}
            {%- do invalid_var(name, value, expected) -%}
        {%- endif -%}
        {{ return((parsed | int) if kind == 'integer' else parsed) }}

    {%- elif kind == 'identifier_list' -%}
        {%- if value is string -%}
            {%- set items = re.split("[][\t\n ,'\"]+", value) -%}
        {%- elif value is sequence and value is not mapping -%}
            {%- set items = value -%}
        {%- else -%}
            {%- set items = none -%}
        {%- endif -%}
        {%- set names = [] -%}
        {%- for item in items or [] if item is string and item | trim -%}
            {%- do names.append(item | trim) -%}
        {%- endfor -%}
        {%- set bad = [] -%}
        {%- for item in items or [] if item is not string
            or (item | trim and not re.fullmatch(
                '[a-z_][a-z0-9_]*', item | trim)) -%}
            {%- do bad.append(item) -%}
        {%- endfor -%}
        {%- if items is none or bad -%}
            {%- do invalid_var(name, value,
                'a list of column names (lowercase letters, digits, '
                ~ 'underscores)') -%}
        {%- endif -%}
        {{ return(names) }}

    {%- elif kind == 'boolean' -%}
        {%- if value is boolean -%}
            {{ return(value) }}
        {%- elif value is string
            and value | trim | lower in ['true', 'false'] -%}
            {{ return(value | trim | lower == 'true') }}
        {%- endif -%}
        {%- do invalid_var(name, value, 'true or false') -%}

    {%- elif kind == 'text_list' -%}
        {%- if value is string or value is mapping
            or value is not sequence -%}
            {%- do invalid_var(name, value, 'a list of strings') -%}
        {%- endif -%}
        {%- set items = [] -%}
        {%- for item in value -%}
            {%- if item is none -%}
                {%- do items.append('null') -%}
            {%- elif item is mapping or item is sequence
                and item is not string -%}
                {%- do invalid_var(name, value, 'a list of strings') -%}
            {%- else -%}
                {%- do items.append(item | string) -%}
            {%- endif -%}
        {%- endfor -%}
        {{ return(items) }}

    {%- elif kind == 'time_zone' -%}
        {%- if value is not string
            or value | trim not in modules.pytz.all_timezones_set -%}
            {%- do invalid_var(name, value,
                'an IANA time zone name such as UTC or Europe/Berlin') -%}
        {%- endif -%}
        {{ return(value | trim) }}
    {%- endif -%}
    {{ exceptions.raise_compiler_error(
        "validated_var: unknown kind '" ~ kind ~ "' for var " ~ name) }}
{%- endmacro %}

{#
    Stops with a message naming var segment_features when a feature is not
    a column of the customer features (checked when the model runs).
#}
{% macro check_feature_columns(features, relation) -%}
    {%- if execute -%}
        {%- set available = adapter.get_columns_in_relation(relation)
            | map(attribute='name') | map('lower') | list -%}
        {%- for feature in features
            if available and feature not in available -%}
            {%- do invalid_var('segment_features', features | join(', '),
                'columns of customer_features; ' ~ feature ~ ' is not one ('
                ~ available | join(', ') ~ ')') -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
