"""The report's "Did the segments hold up?" section: the backtest mart (segment_backtest)
and the features the model could not use (segment_feature_status), as one HTML block.

Kept in its own module and template so the rest of the report does not depend on it: with
no backtest rows (no order lines after any model's date yet) it says how to get one.
"""

from __future__ import annotations

import jinja2
import pandas as pd

from segments.report.revenue import FUTURE_NET_REVENUE, definition_sentence
from segments.report.traits import format_number

SECTION = {"id": "backtest", "title": "Did the segments hold up?"}

TEMPLATE = """
<section class="page" id="backtest" data-revenue="{{ revenue.key }}">
  <h2>Did the segments hold up?</h2>
  <p class="note" data-revenue-definition="{{ revenue.key }}">{{ revenue_note }}</p>
  {% if dropped %}
  <div class="keep">
  <h3>Features the model could not use</h3>
  <ul>{% for row in dropped %}<li><b>{{ row.feature }}</b>: {{ row.reason }}</li>{% endfor %}</ul>
  <p class="note">Segment names and descriptions never claim these traits.</p>
  </div>
  {% endif %}
  {% if not dates %}
  <p class="note">No backtest yet: it needs order lines after a model's date. Rebuild with an
    earlier <code>as_of_date</code> to backtest now, or wait until
    {{ horizon_days }} days have passed since this model's date.</p>
  {% endif %}
  {% for date in dates %}
  <div class="keep">
  <h3>Segments as of {{ date.as_of_date }}, next {{ date.horizon_days }} days
    {%- if not date.complete %} (the data ends before the horizon){% endif %}</h3>
  <p>{{ date.sentence }}</p>
  <table class="pivot">
    <thead><tr><th>Segment</th><th>Customers</th><th>Bought again</th>
      <th>Mean net revenue in the next {{ date.horizon_days }} days</th>
      <th>Median net revenue in the next {{ date.horizon_days }} days</th>
      <th>Share of all net revenue in the next {{ date.horizon_days }} days</th>
    </tr></thead>
    <tbody>
    {% for row in date.rows %}<tr><td>{{ row.name }}</td><td>{{ row.customers }}</td>
      <td>{{ row.buy_rate }}</td><td>{{ row.mean }}</td><td>{{ row.median }}</td>
      <td>{{ row.share }}</td></tr>
    {% endfor %}
    </tbody>
  </table>
  </div>
  {% endfor %}
  <p class="note">Explained variance (eta squared): the share of the differences between
    customers in the next period (log of net revenue; bought again or not) that the segment
    alone accounts for. The classic RFM grid is measured the same way on the same customers.
    Table: segment_backtest; method: docs/method.md.</p>
</section>
"""


def _eta(value: object) -> str:
    return "n/a" if value is None or pd.isna(value) else f"{float(value):.3f}"


def _sentence(segments: pd.DataFrame, grid: pd.DataFrame) -> str:
    first = segments.iloc[0]
    text = (
        f"The segments explain {_eta(first['eta2_revenue'])} of the variance in next-period "
        f"revenue and {_eta(first['eta2_bought_again'])} in who bought again"
    )
    if grid.empty:
        return text + "."
    other = grid.iloc[0]
    better = all(
        pd.notna(first[c]) and pd.notna(other[c]) and first[c] >= other[c]
        for c in ("eta2_revenue", "eta2_bought_again")
    )
    verdict = "better than" if better else "not better on both counts than"
    return (
        f"{text}; the classic RFM grid {_eta(other['eta2_revenue'])} and "
        f"{_eta(other['eta2_bought_again'])}: {verdict} the grid."
    )


def backtest_context(
    backtest: pd.DataFrame | None,
    feature_status: pd.DataFrame | None,
    currency: str = "",
    horizon_days: int = 90,
) -> dict[str, object]:
    """What the template needs: dropped features, and one block per backtest date (latest
    first) with the model's segments and the sentence comparing them with the RFM grid."""
    dropped = []
    if feature_status is not None and len(feature_status):
        unused = feature_status[~feature_status["is_used"].astype(bool)]
        unused = unused.sort_values("requested_position", kind="stable")
        dropped = [
            {"feature": str(row.feature_name), "reason": str(row.reason)}
            for row in unused.itertuples(index=False)
        ]
    dates = []
    if backtest is not None and len(backtest):
        frame = backtest.copy()
        frame["as_of_date"] = pd.to_datetime(frame["as_of_date"]).dt.date.astype(str)
        for as_of_date in sorted(frame["as_of_date"].unique(), reverse=True):
            at_date = frame[frame["as_of_date"] == as_of_date]
            segments = at_date[at_date["method_name"] == "segments"]
            if segments.empty:
                continue
            segments = segments.sort_values("customers", ascending=False, kind="stable")
            grid = at_date[at_date["method_name"] == "rfm_grid"]
            rows = [
                {
                    "name": str(row.segment_name),
                    "customers": f"{int(row.customers):,}",
                    "buy_rate": format_number(float(row.buy_rate), "share"),
                    "mean": format_number(float(row.mean_net_revenue), "money", currency),
                    "median": format_number(float(row.median_net_revenue), "money", currency),
                    "share": format_number(row.future_revenue_share, "share"),
                }
                for row in segments.itertuples(index=False)
            ]
            dates.append(
                {
                    "as_of_date": as_of_date,
                    "horizon_days": int(segments["horizon_days"].iloc[0]),
                    "complete": bool(segments["is_horizon_complete"].all()),
                    "sentence": _sentence(segments, grid),
                    "rows": rows,
                }
            )
    return {"dropped": dropped, "dates": dates, "horizon_days": horizon_days}


def render_backtest(
    backtest: pd.DataFrame | None,
    feature_status: pd.DataFrame | None,
    currency: str = "",
) -> str:
    """The section's HTML (escaped; the caller marks it safe)."""
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return environment.from_string(TEMPLATE).render(
        **backtest_context(backtest, feature_status, currency),
        revenue=FUTURE_NET_REVENUE,
        revenue_note=definition_sentence(FUTURE_NET_REVENUE, currency),
    )
