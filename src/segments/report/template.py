"""The report's HTML page and print stylesheet (a Jinja2 template, autoescaped).

Kept as a Python string so it ships inside the package with no package-data setup.
"""

from __future__ import annotations

CSS = """
:root { --ink: #222; --muted: #666; --rule: #ddd; --paper: #fff; --tint: #f6f7f9; }
* { box-sizing: border-box; }
html { background: #eceef1; }
body {
  font-family: "Helvetica Neue", Helvetica, Arial, sans-serif; color: var(--ink);
  background: var(--paper); max-width: 760px; margin: 24px auto; padding: 28px 40px 40px;
  line-height: 1.45; font-size: 14px; box-shadow: 0 1px 6px rgba(0,0,0,.12);
}
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 28px 0 6px; padding-top: 8px; border-top: 2px solid var(--ink); }
h3 { font-size: 15px; margin: 18px 0 6px; }
p.lead, p.note, .subtitle { color: var(--muted); }
p.note { font-size: 12.5px; margin: 4px 0 12px; }
.subtitle { margin: 0 0 18px; font-size: 13px; }
nav { font-size: 13px; margin: 0 0 10px; }
nav a { color: #335; margin-right: 10px; }
.kpis { display: grid; grid-template-columns: repeat(3, 1fr); gap: 10px; margin: 14px 0 8px; }
.kpi { background: var(--tint); border-radius: 6px; padding: 10px 12px; }
.kpi .value { font-size: 22px; font-weight: 700; }
.kpi .label { font-size: 12px; color: var(--muted); }
.chart { margin: 8px 0 4px; width: 680px; }
.cards { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
.card {
  border: 1px solid var(--rule); border-left: 8px solid var(--segment); border-radius: 6px;
  padding: 10px 12px; font-size: 13px; background: #fff;
}
.card h3 { margin: 0 0 2px; font-size: 16px; }
.card .size { color: var(--muted); margin: 0 0 6px; }
.card ul { margin: 4px 0 6px; padding-left: 18px; }
.card .label { font-weight: 700; }
.card.inactive { grid-column: span 2; background: var(--tint); }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px;
  margin-right: 4px; vertical-align: baseline; }
table { border-collapse: collapse; width: 100%; font-size: 12px; margin: 6px 0 14px; }
th, td { padding: 3px 6px; border-bottom: 1px solid var(--rule); text-align: right; }
th:first-child, td:first-child { text-align: left; white-space: nowrap; }
thead th { border-bottom: 2px solid var(--ink); vertical-align: bottom; }
tr.total td { font-weight: 700; border-top: 2px solid var(--ink); }
dl.metrics {
  display: grid; grid-template-columns: max-content 1fr; gap: 4px 14px; font-size: 13px;
}
dl.metrics dt { font-weight: 700; }
dl.metrics dd { margin: 0; }
footer { margin-top: 30px; font-size: 11.5px; color: var(--muted); }
@page { size: A4; margin: 12mm 12mm 14mm; }
@media print {
  html { background: #fff; }
  body { max-width: none; margin: 0; padding: 0; box-shadow: none; font-size: 10pt; }
  .card { font-size: 8.5pt; padding: 6px 10px; }
  .card h3 { font-size: 11pt; }
  .card p, .card ul { margin: 3px 0; }
  nav { display: none; }
  section.page { break-before: page; }
  h2, h3 { break-after: avoid; }
  .keep { break-inside: avoid; }
  .chart, .card, .kpis, tr, dl.metrics { break-inside: avoid; }
  thead { display: table-header-group; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""

TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="segments report">
<title>{{ title }}</title>
<style>{{ css | safe }}</style>
<script>{{ plotly_js | safe }}</script>
</head>
<body>
<header>
  <h1>{{ title }}</h1>
  <p class="subtitle">Customers as of {{ kpis.as_of_date }} · model version
    <code>{{ kpis.model_version }}</code> · source: {{ source_label }}
    {%- if build %} · shop <b data-shop>{{ build.shop }}</b>, build
    <code data-build-id>{{ build.build_id }}</code>{% endif %}</p>
  <nav>{% for section in sections %}
    <a href="#{{ section.id }}">{{ section.title }}</a>
  {% endfor %}</nav>
</header>

<section id="overview" data-revenue="{{ revenue.key }}">
  <div class="kpis">
  {% for kpi in kpi_tiles %}
    <div class="kpi">
      <div class="value">{{ kpi.value }}</div><div class="label">{{ kpi.label }}</div>
    </div>
  {% endfor %}
  </div>
  <p class="note" data-revenue-definition="{{ revenue.key }}">{{ revenue_note }}</p>
  <p class="lead">{{ summary_sentence }}</p>
  {{ charts.sizes | safe }}
  <p class="note">Customers in each segment. <b>Inactive</b> customers have not bought within
    the inactivity window; they are kept in every table but not segmented.</p>
  {{ charts.shares | safe }}
  <p class="note">Hatched bars: share of all customers. Solid bars: share of net revenue
    (purchases minus returns and discounts). A solid bar longer than the hatched one means
    the segment brings in more than its head count.</p>
</section>

<section class="page" id="segments" data-revenue="{{ revenue.key }}">
  <h2>The segments</h2>
  <p class="note" data-revenue-definition="{{ revenue.key }}">{{ revenue_note }}</p>
  {% if cards | selectattr("traits") | list %}
  <p class="note">Traits compare the segment's average customer (the mean of its customers'
    own values) with the average active customer; only clear differences (at least half a
    standard deviation) are listed, strongest first.</p>
  {% endif %}
  <div class="cards">
  {% for card in cards %}
    <article class="card{% if card.inactive %} inactive{% endif %}"
             style="--segment: {{ card.colour }}" data-segment-id="{{ card.segment_id }}">
      <h3><span class="swatch" style="background: {{ card.colour }}"></span>{{ card.name }}</h3>
      <p class="size">{{ card.size }}</p>
      {% if card.description %}<p>{{ card.description }}</p>{% endif %}
      {% if card.traits %}
      <span class="label">Typical of them</span>
      <ul>{% for trait in card.traits %}<li
        {%- if trait.revenue %} data-revenue="{{ trait.revenue }}"{% endif %}>{{ trait.text }}</li>
      {%- endfor %}</ul>
      {% endif %}
      {% if card.averages %}
      <p><span class="label">On average:</span> {{ card.averages }}</p>
      {% endif %}
      {% if card.top_categories %}
      <p data-revenue="{{ spend.key }}"><span class="label">Top categories, by share of the
        segment's {{ spend.name }}, all its customers together:</span>
        {{ card.top_categories }}</p>
      {% endif %}
      {% if card.campaign %}
      <p><span class="label">Recommended campaign:</span> {{ card.campaign }}</p>
      {% endif %}
      {% if card.returns or card.returners %}
      <p{% if card.returns %} data-return-rates{% endif %}><span class="label">Returns:</span>
        {%- if card.returners %} {{ card.returners }}{% endif %}
        {%- if card.returns %} The average customer returned
        <span data-return-rate="average customer">{{ card.returns.average_customer }}</span> of
        their purchases; all together the segment returned
        <span data-return-rate="segment total">{{ card.returns.segment_total }}</span> of its
        purchase value (the total weighs each customer by what they bought).{% endif %}</p>
      {% endif %}
      {% if card.stability %}
      <p><span class="label">Reliability:</span> {{ card.stability }}</p>
      {% endif %}
    </article>
  {% endfor %}
  </div>
</section>

<section class="page" id="profiles" data-revenue="{{ revenue.key }}">
  <h2>What makes each segment different</h2>
  <p class="note" data-revenue-definition="{{ revenue.key }}">{{ revenue_note }}</p>
  {% if charts.heatmap %}
  {{ charts.heatmap | safe }}
  <p class="note">Each cell shows the segment's average (e.g. 24 orders); its colour shows how
    far the segment sits from the average active customer, in standard deviations:
    <b>red</b> above average, <b>blue</b> below, white typical. Counts, days and money are
    compared on a log scale, as the model sees them, so a few very large customers do not
    hide the differences. Money rows are net revenue, except the average order value, which
    is {{ spend.name }} per order. Features in <b>bold</b> are the ones the model used to
    form the segments; the others describe them. The colours say "more" or "less", not "good" or
    "bad".</p>
  {% else %}
  <p class="note">The profile heatmap and the traits need the customer-level features
    (<code>customer_features</code>), which this source does not have: run
    <code>segments report</code> on the DuckDB warehouse for them.</p>
  {% endif %}
  {% if charts.pca %}
  {{ charts.pca | safe }}
  <p class="note">A two-dimensional map of the customers the model was trained on: customers
    who behave alike sit close together. Well-separated colour clouds are distinct segments.
    {{ pca_note }}{% if pca_axes %} Each axis is named by the measures that weigh most in it
    (weights from {{ minus }}1 to +1; customers further along the axis have more of a
    measure with a + weight and less of one with a {{ minus }} weight): horizontal, {% for axis
    in pca_axes %}<span data-pca-axis="{{ axis.number }}">{{ axis.words }}</span>
    {%- if loop.first %}; vertical, {% else %}.{% endif %}{% endfor %}{% endif %}</p>
  {% endif %}
</section>

{% if pivots %}
<section class="page" id="summaries" data-revenue="{{ revenue.key }}">
  <h2>Summaries</h2>
  <p class="note" data-revenue-definition="{{ revenue.key }}">{{ revenue_note }}</p>
  {% for pivot in pivots %}
  <div{% if pivot.revenue %} data-revenue="{{ pivot.revenue }}"{% endif %}>
  <h3>{{ pivot.title }}</h3>
  <p class="note">{{ pivot.note }}</p>
  <table class="pivot" data-pivot="{{ pivot.key }}">
    <thead><tr>{% for head in pivot.header %}
      <th>{% if head.colour %}<span class="swatch" style="background: {{ head.colour }}"></span>
        {%- endif %}{{ head.label }}</th>
    {%- endfor %}</tr></thead>
    <tbody>
    {% for row in pivot.rows %}
      <tr{% if row.total %} class="total"{% endif %}>
        {%- for cell in row.cells %}<td>{{ cell }}</td>{% endfor -%}
      </tr>
    {% endfor %}
    </tbody>
  </table>
  </div>
  {% endfor %}
</section>
{% endif %}

<section class="page" id="movement" data-revenue="{{ revenue.key }}">
  <h2>Movement since the previous build</h2>
  <p class="note" data-revenue-definition="{{ revenue.key }}">{{ revenue_note }}</p>
  {% if movement %}
  <p class="note">Customers who changed segment in the latest build ({{ movement_date }}), from
    the segment they were in to the one they are in now, with their net revenue (purchases
    minus returns and discounts, over their whole history).</p>
  <table class="movement" data-movement>
    <thead><tr><th>From</th><th>To</th><th>Customers</th><th>Their net revenue</th></tr></thead>
    <tbody>
    {% for flow in movement %}
      <tr><td><span class="swatch" style="background: {{ flow.from_colour }}"></span>
        {{- flow.from_name }}</td>
        <td><span class="swatch" style="background: {{ flow.to_colour }}"></span>
        {{- flow.to_name }}</td><td>{{ flow.customers }}</td><td>{{ flow.revenue }}</td></tr>
    {% endfor %}
    </tbody>
  </table>
  {% else %}
  <p class="note" data-movement-empty>No movement to show: this is the first build of this
    warehouse, or nobody changed segment since the previous one.</p>
  {% endif %}
</section>
{{ backtest_html | safe }}

{% if charts.elbow %}
<section class="page" id="diagnostics">
  <h2>How many segments? Model diagnostics</h2>
  <p class="note">For analysts: the model was fitted with every number of segments (k) in the
    range, and one k chosen by a documented rule (docs/method.md).</p>
  {{ charts.elbow | safe }}
  <p class="note">Inertia always falls as segments are added; the "elbow" is where adding
    another segment stops paying off. The red star is the number of segments used.</p>
  {{ charts.quality | safe }}
  <p class="note">Silhouette: how much closer customers are to their own segment than to the
    next (above 0.5 strong, 0.25 to 0.5 reasonable, below 0.25 weak). Davies-Bouldin: spread of
    segments relative to their separation (lower is better).</p>
  {% if diagnostics %}
  <div class="keep">
  <h3>Is the segmentation trustworthy?</h3>
  <dl class="metrics">
  {% for item in diagnostics %}<dt>{{ item.label }}</dt><dd>{{ item.text }}</dd>
  {% endfor %}
  </dl>
  </div>
  {% endif %}
</section>
{% endif %}

<footer>Generated by <code>segments report</code> from {{ source }}. Net revenue is purchases
  minus returns and discounts{% if currency %}, in {{ currency }}{% endif %}. Figures cover
  each customer's full history up to {{ kpis.as_of_date }}.</footer>
</body>
</html>
"""
