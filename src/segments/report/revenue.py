"""The revenue definitions of the report and the workbook, defined once (and the two return
rates that follow from them).

Every money figure shown is one of these. Each page of the report states the one it uses
under its heading (an element with ``data-revenue-definition``), and a figure of another
definition on that page carries the definition's ``qualifier`` in its own label (its element
has ``data-revenue``); the workbook names the definition in each money column's header and
lists them all on its About sheet. The tests read both back.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Revenue:
    """One way of counting money: its name, what it means, and the words that label a figure
    of this definition shown among figures of another."""

    key: str
    name: str
    meaning: str
    qualifier: str


NET_REVENUE = Revenue(
    "net_revenue",
    "net revenue",
    "purchases minus returns minus discounts, over each customer's history up to the as-of date",
    "net revenue",
)
SPEND = Revenue(
    "spend",
    "spend before returns",
    "purchases minus discounts; returned goods are not deducted",
    "before returns",
)
PURCHASES = Revenue(
    "purchases",
    "purchases before discounts and returns",
    "the list value of the purchased lines",
    "before discounts and returns",
)
FUTURE_NET_REVENUE = Revenue(
    "future_net_revenue",
    "future net revenue",
    "net revenue (purchases minus returns minus discounts) in the days after a backtest date "
    "(its horizon), of the customers as segmented on that date",
    "in the next",
)
DEFINITIONS: dict[str, Revenue] = {
    revenue.key: revenue for revenue in (NET_REVENUE, SPEND, PURCHASES, FUTURE_NET_REVENUE)
}

#: The definition of each money feature of the registry (kind "money"); a money feature
#: missing here fails tests/unit/test_report_revenue.py, so none goes unlabelled.
FEATURE_REVENUE: dict[str, str] = {
    "net_revenue": NET_REVENUE.key,
    "average_order_value": SPEND.key,
}


#: segment_profiles has two return rates that differ when a few customers return much: the
#: segment's pooled rate and the average of its customers' own rates (what the cards and the
#: heatmap show). Column -> (workbook header, meaning).
RETURN_RATES: dict[str, tuple[str, str]] = {
    "return_rate": (
        "Return rate, segment total",
        "the segment's returned value divided by its purchased value, all its customers "
        "pooled, so a customer who returned much weighs by the value returned",
    ),
    "return_rate_mean": (
        "Return rate (average customer)",
        "the average of each customer's own return rate (returned \u00f7 purchased value, "
        "at most 100%): the figure on the report's segment cards and profile heatmap",
    ),
    "return_rate_median": (
        "Return rate (median customer)",
        "the median of each customer's own return rate",
    ),
}


def feature_revenue(feature: str) -> Revenue | None:
    """The revenue definition of a money feature, None for any other feature."""
    key = FEATURE_REVENUE.get(feature)
    return DEFINITIONS[key] if key else None


def definition_sentence(revenue: Revenue, currency: str = "") -> str:
    """The line under a page heading: "Money on this page is net revenue: purchases minus
    ... (in £)."."""
    unit = f" (in {currency})" if currency else ""
    return f"Money on this page is {revenue.name}: {revenue.meaning}{unit}."
