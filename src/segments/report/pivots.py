"""The report's pivot tables: each summary mart (customers by country, spend by category,
net revenue by month) as a wide table with one column per segment, and the revenue
definition of its cells (segments.report.revenue)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from segments.report import shaping
from segments.report.data import ReportData
from segments.report.export import partial_month
from segments.report.palette import segment_colour
from segments.report.revenue import NET_REVENUE, SPEND
from segments.report.traits import format_number

EMPTY_CELL = "\u2013"
#: Rows of the country table before the rest is added up as "Other".
TOP_COUNTRIES = 12
#: Months shown in the monthly table (the workbook has them all).
RECENT_MONTHS = 12


@dataclass(frozen=True)
class PivotSpec:
    """How one summary mart is shown: rows, the value in the cells and its kind, and for
    money the revenue definition (segments.report.revenue) of the cells."""

    key: str
    title: str
    dimension: str
    value: str
    kind: str
    note: str
    top: int | None = None
    recent: int | None = None
    revenue: str | None = None


PIVOTS = (
    PivotSpec(
        "country",
        "Customers by country",
        "country",
        "customer_count",
        "count",
        f"Customers per country and segment; countries after the top {TOP_COUNTRIES} are "
        "added up as Other.",
        top=TOP_COUNTRIES,
    ),
    PivotSpec(
        "category",
        f"{SPEND.name.capitalize()} by product category",
        "category",
        "purchased_amount",
        "money",
        f"{SPEND.name.capitalize()} ({SPEND.meaning}) per product category and segment: "
        "not net revenue, so its totals are larger.",
        revenue=SPEND.key,
    ),
    PivotSpec(
        "month",
        "Net revenue by month",
        "month_start_date",
        "net_revenue",
        "money",
        f"Net revenue of the orders placed in each calendar month, by segment (customers in "
        f"their current segment), last {RECENT_MONTHS} months; the total is of these months "
        "only, and the workbook has every month.",
        recent=RECENT_MONTHS,
        revenue=NET_REVENUE.key,
    ),
)


def pivot_tables(data: ReportData, currency: str = "") -> list[dict[str, object]]:
    """The long summaries as wide tables (one column per segment), ready for the template."""
    # Active segments first, then the inactive customers: the order of the cards and bars.
    order = [str(name) for name in data.active_profiles["segment_name"]]
    order += [str(name) for name in data.profiles["segment_name"] if name not in order]
    colours = {
        str(name): segment_colour(i)
        for i, name in zip(data.profiles["segment_id"], data.profiles["segment_name"], strict=True)
    }
    tables = []
    for spec in PIVOTS:
        summary = data.summaries.get(spec.key)
        if summary is None or summary.empty:
            continue
        if spec.dimension not in summary.columns or spec.value not in summary.columns:
            continue
        # Names from the profiles, so every table uses the same names as the charts.
        summary = summary.assign(segment_name=summary["segment_id"].map(data.name_of))
        if spec.recent:
            months = pd.to_datetime(summary[spec.dimension])
            summary = summary.assign(**{spec.dimension: months})
            summary = summary[months.isin(sorted(months.unique())[-spec.recent :])]
        table = shaping.wide_pivot(summary, spec.dimension, spec.value, order, top=spec.top)
        header = [{"label": spec.title.split(" by ")[-1].capitalize(), "colour": None}]
        header += [{"label": name, "colour": colours.get(name)} for name in table.columns]
        rows = []
        partial = partial_month(data.kpis.get("as_of_date"))
        for label, values in table.iterrows():
            shown = label.strftime("%b %Y") if isinstance(label, pd.Timestamp) else str(label)
            if isinstance(label, pd.Timestamp) and label == partial:
                shown += " (partial month)"
            cells = [shown] + [_cell(v, spec.kind, currency) for v in values]
            rows.append({"total": False, "cells": cells})
        total = "Total"
        if spec.recent and len(table) == spec.recent:
            total = f"Total of the last {spec.recent} months"
        elif spec.recent:
            total = f"Total of the {len(table)} months shown"
        totals = [total] + [_cell(v, spec.kind, currency) for v in table.sum()]
        rows.append({"total": True, "cells": totals})
        tables.append(
            {
                "key": spec.key,
                "title": spec.title,
                "note": spec.note,
                "header": header,
                "rows": rows,
                "revenue": spec.revenue,
            }
        )
    return tables


def _cell(value: float, kind: str, currency: str) -> str:
    if kind == "count":
        return f"{round(value):,}"
    return format_number(float(value), "money", currency) if value else EMPTY_CELL
