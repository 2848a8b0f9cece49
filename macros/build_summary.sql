{#
    on-run-end hook: a few lines a person reads at the end of `dbt build`
    (or run) that built the segments: order lines in / accepted /
    duplicate / rejected, customers (active, in segments), the chosen k and
    why, the features dropped and why, and where readers find the outputs.
    Reads the tables this invocation built, with portable SQL; prints
    nothing for commands or selections that did not build them.
#}
{% macro build_summary() -%}
    {%- if not execute or flags.WHICH not in ['build', 'run'] -%}
        {{ return('select 1') }}
    {%- endif -%}
    {%- set executed = {} -%}
    {%- for result in results -%}
        {%- do executed.update({result.node.name: result.status | string}) -%}
    {%- endfor -%}
    {%- if executed.get('customer_segments') not in ['success', 'pass'] -%}
        {%- if 'public_mart_exports' in executed -%}
            {%- do log('Summary: the build did not finish, nothing was published;'
                ~ ' readers still see the previous build (docs/serving.md).',
                info=true) -%}
        {%- endif -%}
        {{ return('select 1') }}
    {%- endif -%}
    {%- set lines = ['', 'Summary of this build'] -%}

    {#- Order lines: every raw line is accepted, a duplicate, or rejected. -#}
    {%- set reconciliation = build_summary_relation('order_line_reconciliation') -%}
    {%- if reconciliation is not none -%}
        {%- set rows = run_query(
            'select outcome, rejection_reason, sum(line_count) from '
            ~ reconciliation ~ ' group by outcome, rejection_reason'
            ~ ' order by outcome, 3 desc') -%}
        {%- set totals = {'accepted': 0, 'duplicate': 0, 'rejected': 0} -%}
        {%- set reasons = [] -%}
        {%- for row in rows -%}
            {%- do totals.update({row[0]: totals.get(row[0], 0) + row[2]}) -%}
            {%- if row[1] -%}
                {%- do reasons.append(row[1] ~ ' ' ~ '{:,}'.format(row[2] | int)) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set total = totals.values() | sum -%}
        {%- do lines.append('  Order lines: ' ~ '{:,}'.format(total | int) ~ ' read, '
            ~ '{:,}'.format(totals.accepted | int) ~ ' accepted, '
            ~ '{:,}'.format(totals.duplicate | int) ~ ' exact duplicates removed, '
            ~ '{:,}'.format(totals.rejected | int) ~ ' rejected'
            ~ ((' (' ~ reasons | join(', ') ~ ')') if reasons else '')) -%}
    {%- endif -%}

    {#- Customers. -#}
    {%- set segments = build_summary_relation('customer_segments') -%}
    {%- set row = run_query(
        'select count(*), sum(case when is_active then 1 else 0 end),'
        ~ ' count(distinct case when is_active then segment_id end) from '
        ~ segments).rows[0] -%}
    {%- do lines.append('  Customers: ' ~ '{:,}'.format(row[0] | int) ~ ', of whom '
        ~ '{:,}'.format((row[1] or 0) | int)
        ~ ' active and placed in ' ~ row[2] ~ ' segments (the others are'
        ~ ' inactive: no purchase within inactive_after_days, kept as'
        ~ ' segment 0)') -%}

    {#- The number of segments, and why (segment_k_selection's own words). -#}
    {%- set k_selection = build_summary_relation('segment_k_selection') -%}
    {%- if k_selection is not none -%}
        {%- set chosen = run_query('select k, selection_reason from '
            ~ k_selection ~ ' where is_chosen').rows -%}
        {%- if chosen | length == 1 -%}
            {%- do lines.append('  Segments: k = ' ~ chosen[0][0] ~ ', '
                ~ chosen[0][1] ~ ' (docs/method.md, section 2)') -%}
        {%- endif -%}
    {%- endif -%}

    {#- Features asked for but not used, and why. -#}
    {%- set transforms = build_summary_relation('segment_transforms') -%}
    {%- set features = build_summary_relation('customer_features') -%}
    {%- if transforms is not none and features is not none -%}
        {%- set used = run_query('select feature_name from ' ~ transforms)
            .columns[0].values() | list -%}
        {%- set requested = var('segment_features') -%}
        {%- if requested is string -%}
            {%- set requested = requested.split(',') | map('trim') | list -%}
        {%- endif -%}
        {%- set present = adapter.get_columns_in_relation(features)
            | map(attribute='name') | map('lower') | list -%}
        {%- set dropped = [] -%}
        {%- for name in requested if name not in used -%}
            {%- if name | lower not in present -%}
                {%- do dropped.append(name ~ ' (not in the data)') -%}
            {%- else -%}
                {%- set stats = run_query('select count(' ~ name ~ '), count(distinct '
                    ~ name ~ ') from ' ~ features ~ ' where is_active').rows[0] -%}
                {%- if stats[0] == 0 -%}
                    {%- do dropped.append(name ~ ' (no values: its input is absent)') -%}
                {%- elif stats[1] <= 1 -%}
                    {%- do dropped.append(name ~ ' (the same for every customer)') -%}
                {%- else -%}
                    {%- do dropped.append(name ~ ' (see the segment_transforms log)') -%}
                {%- endif -%}
            {%- endif -%}
        {%- endfor -%}
        {%- do lines.append('  Features: ' ~ used | length ~ ' used ('
            ~ used | join(', ') ~ ')'
            ~ ('; dropped: ' ~ dropped | join(', ') if dropped else '')) -%}
    {%- endif -%}

    {#- Where readers find the outputs (DuckDB: the published serving copy). -#}
    {%- set exports = build_summary_relation('public_mart_exports') -%}
    {%- if exports is not none and executed.get('public_mart_exports') == 'success' -%}
        {%- set path = run_query('select min(file_path) from ' ~ exports)
            .rows[0][0] -%}
        {%- set build = path.split('/marts/')[0] -%}
        {%- set root = build.rsplit('/builds/', 1)[0] -%}
        {%- do lines.append('  Published: build ' ~ build.split('/')[-1]
            ~ ': readers open ' ~ root ~ '/current/serving.duckdb or '
            ~ root ~ '/current/marts/*.parquet') -%}
        {%- do lines.append('  Report: `segments report` writes it to '
            ~ root ~ '/report') -%}
    {%- else -%}
        {%- do lines.append('  Marts: in ' ~ segments.database ~ '.'
            ~ segments.schema ~ ' (not published: public_mart_exports did not run)') -%}
    {%- endif -%}
    {%- do log(lines | join('\n'), info=true) -%}
    {{ return('select 1') }}
{%- endmacro %}

{#- The relation of a model of this project, or none when it is not built. -#}
{% macro build_summary_relation(name) -%}
    {%- set node = graph.nodes.get('model.customer_segments.' ~ name) -%}
    {%- if node is none -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(adapter.get_relation(
        database=node.database, schema=node.schema,
        identifier=node.alias or node.name)) }}
{%- endmacro %}
