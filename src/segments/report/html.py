"""The self-contained HTML report: plotly.js inlined once, every chart a div, print CSS."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pandas as pd
import plotly.io as pio
from plotly.offline import get_plotlyjs

from segments.report import charts, shaping
from segments.report.backtest import SECTION as BACKTEST_SECTION
from segments.report.backtest import render_backtest
from segments.report.data import ReportData
from segments.report.export import movement_table
from segments.report.palette import segment_colour
from segments.report.pivots import pivot_tables
from segments.report.revenue import NET_REVENUE, SPEND, definition_sentence, feature_revenue
from segments.report.template import CSS, TEMPLATE
from segments.report.traits import (
    FEATURES,
    MINUS,
    PROFILE_FEATURES,
    format_number,
    loadings_in_words,
    segment_traits,
    stability_in_words,
    strongest_features,
)

TITLE = "Customer segments"
PLOT_CONFIG = {"displayModeBar": False, "responsive": False}
#: A card shows both return rates (average customer, segment total) when they differ by this
#: much: a few customers who return much make them disagree (segments.report.revenue).
RETURN_GAP_SHOWN = 0.05


def chart_figures(data: ReportData, currency: str = "") -> dict[str, object]:
    """name -> plotly figure, for the charts the data supports, in page order."""
    figures: dict[str, object] = {
        "sizes": charts.sizes_chart(data),
        "shares": charts.shares_chart(data),
    }
    if not data.zscores.empty:
        figures["heatmap"] = charts.heatmap_chart(data, currency)
    if data.pca is not None and not data.pca.empty:
        figures["pca"] = charts.pca_chart(data)
    if data.k_selection is not None and not data.k_selection.empty:
        figures["elbow"] = charts.elbow_chart(data.k_selection)
        figures["quality"] = charts.quality_chart(data.k_selection)
    return figures


def render_report(data: ReportData, currency: str = "") -> str:
    """The report as one HTML string that works offline."""
    figures = chart_figures(data, currency)
    chart_html = {
        name: f'<div class="chart" data-chart="{name}">'
        + pio.to_html(
            figure,
            full_html=False,
            include_plotlyjs=False,
            div_id=f"chart-{name}",
            config=PLOT_CONFIG,
        )
        + "</div>"
        for name, figure in figures.items()
    }
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = environment.from_string(TEMPLATE)
    sections = [
        {"id": "overview", "title": "Overview"},
        {"id": "segments", "title": "Segments"},
        {"id": "profiles", "title": "Profiles"},
    ]
    pivots = pivot_tables(data, currency)
    if pivots:
        sections.append({"id": "summaries", "title": "Summaries"})
    sections.append({"id": "movement", "title": "Movement"})
    sections.append(BACKTEST_SECTION)
    if "elbow" in chart_html:
        sections.append({"id": "diagnostics", "title": "Diagnostics"})
    kpis = data.kpis
    movement = movement_rows(data, currency)
    return template.render(
        title=TITLE,
        css=CSS,
        plotly_js=get_plotlyjs(),
        source=data.source,
        source_label=data.source_label,
        currency=currency,
        kpis={**kpis, "as_of_date": kpis.get("as_of_date") or "n/a"},
        kpi_tiles=kpi_tiles(kpis, currency),
        summary_sentence=summary_sentence(data),
        sections=sections,
        charts=_ChartSlots(chart_html),
        cards=segment_cards(data, currency),
        pivots=pivots,
        diagnostics=diagnostics_in_words(data.validation),
        pca_note=pca_note(data.validation),
        pca_axes=pca_axes(data),
        minus=MINUS,
        revenue=NET_REVENUE,
        revenue_note=definition_sentence(NET_REVENUE, currency),
        spend=SPEND,
        build=data.build,
        movement=movement,
        movement_date=movement[0]["date"] if movement else "",
        backtest_html=render_backtest(data.backtest, data.feature_status, currency),
    )


def movement_rows(data: ReportData, currency: str = "") -> list[dict[str, str]]:
    """The movement table's rows: segment-to-segment flows since the previous build."""
    flows = movement_table(data)
    return [
        {
            "from_name": row.from_segment_name,
            "from_colour": segment_colour(int(row.from_segment_id)),
            "to_name": row.to_segment_name,
            "to_colour": segment_colour(int(row.to_segment_id)),
            "customers": f"{int(row.moved_customer_count):,}",  # whole customers, never 3.0
            "revenue": format_number(float(row.moved_net_revenue), "money", currency),
            "date": f"{pd.Timestamp(row.changed_at):%d %b %Y}",
        }
        for row in flows.itertuples(index=False)
    ]


class _ChartSlots(dict):
    """Chart HTML by name; a chart the data does not support renders as nothing."""

    def __getattr__(self, name: str) -> str:
        return self.get(name, "")


def write_report(data: ReportData, path: Path, currency: str = "") -> Path:
    """Render and write the report; returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(data, currency), encoding="utf-8")
    return path


def kpi_tiles(kpis: dict[str, object], currency: str = "") -> list[dict[str, str]]:
    """The six headline numbers with their labels."""
    customers = int(kpis["customers"])
    active = int(kpis["active_customers"])
    share = f" ({active / customers:.0%})" if customers else ""
    return [
        {"value": f"{customers:,}", "label": "customers"},
        {"value": f"{active:,}{share}", "label": "active customers (segmented)"},
        {"value": str(kpis["segments"]), "label": "segments"},
        {
            "value": format_number(float(kpis["net_revenue"]), "money", currency),
            "label": "net revenue, all customers",
        },
        {"value": str(kpis.get("as_of_date") or "n/a"), "label": "as-of date"},
        {"value": str(kpis.get("model_version") or "n/a"), "label": "model version"},
    ]


def summary_sentence(data: ReportData) -> str:
    """One sentence naming the biggest segment and the one with the largest revenue share."""
    active = data.active_profiles
    if active.empty:
        return "No active customers: nothing was segmented."
    largest = active.loc[active["customer_count"].idxmax()]
    richest = active.loc[active["revenue_share"].idxmax()]
    text = (
        f"{len(active)} segments. The largest is {largest['segment_name']} "
        f"({largest['customer_share']:.0%} of customers); "
        f"{richest['segment_name']} bring in the most: {richest['revenue_share']:.0%} of net "
        f"revenue from {richest['customer_share']:.0%} of customers."
    )
    return text


def segment_cards(data: ReportData, currency: str = "") -> list[dict[str, object]]:
    """One card per segment, active segments in id order then the inactive customers."""
    cards = []
    overall = data.means.loc["all"] if "all" in data.means.index else pd.Series(dtype=float)
    rows = list(data.active_profiles.itertuples(index=False))
    rows += list(
        data.profiles[data.profiles["segment_id"] == shaping.INACTIVE_SEGMENT_ID].itertuples(
            index=False
        )
    )
    for row in rows:
        segment_id = int(row.segment_id)
        inactive = segment_id == shaping.INACTIVE_SEGMENT_ID
        traits: list[dict[str, str | None]] = []
        has_zscores = not data.zscores.empty and segment_id in data.zscores.index
        if has_zscores and not inactive:
            texts = segment_traits(
                data.zscores.loc[segment_id], data.means.loc[segment_id], overall, currency
            )
            features = [feature for feature, _ in strongest_features(data.zscores.loc[segment_id])]
            traits = [
                {"text": text, "revenue": _revenue_key(feature)}
                for text, feature in zip(texts, features, strict=True)
            ]
            if not traits:
                traits = [
                    {"text": "close to the average customer on every measure", "revenue": None}
                ]
        size = (
            f"{int(row.customer_count):,} customers ({row.customer_share:.0%} of all) · "
            f"{format_number(float(row.net_revenue), 'money', currency)} net revenue "
            f"({row.revenue_share:.0%} of the total)"
        )
        cards.append(
            {
                "segment_id": segment_id,
                "name": row.segment_name,
                "colour": segment_colour(segment_id),
                "inactive": inactive,
                "size": size,
                "description": _text(getattr(row, "description", None)),
                "traits": traits,
                # Without customer-level features (Parquet marts): the profile's averages.
                "averages": None if has_zscores else profile_averages(row._asdict(), currency),
                "top_categories": _text(getattr(row, "top_categories", None)),
                "returns": return_rates(row._asdict()),
                "campaign": _text(getattr(row, "recommended_campaign", None)),
                "returners": frequent_returners_in_words(data.customers, segment_id),
                "stability": None
                if inactive
                else stability_in_words(
                    getattr(row, "stability_class", None), getattr(row, "stability_jaccard", None)
                ),
            }
        )
    return cards


def frequent_returners_in_words(customers: pd.DataFrame, segment_id: int) -> str | None:
    """How many of the segment's customers are flagged frequent returners (customer_segments'
    is_frequent_returner), in words; None when none are, or the flag is not there."""
    if "is_frequent_returner" not in customers.columns:
        return None
    members = customers[customers["segment_id"] == segment_id]
    count = int(members["is_frequent_returner"].fillna(False).astype(bool).sum())
    if count == 0:
        return None
    who = "frequent returner" if count == 1 else "frequent returners"
    return (
        f"{count:,} {who} ({count / len(members):.0%} of the segment), flagged "
        "is_frequent_returner in customer_segments: handle them with your returns rules "
        "rather than this segment's campaign."
    )


def return_rates(profile: dict[str, object]) -> dict[str, str] | None:
    """The segment's two return rates, when they differ by RETURN_GAP_SHOWN or more: the
    average customer's (return_rate_mean, what the traits and the heatmap show) and the
    segment total (return_rate of segment_profiles: returned / purchased value, pooled)."""
    pooled, mean = profile.get("return_rate"), profile.get("return_rate_mean")
    if pooled is None or mean is None or pd.isna(pooled) or pd.isna(mean):
        return None
    if abs(float(pooled) - float(mean)) < RETURN_GAP_SHOWN:
        return None
    return {
        "average_customer": format_number(float(mean), "share"),
        "segment_total": format_number(float(pooled), "share"),
    }


def _revenue_key(feature: str) -> str | None:
    revenue = feature_revenue(feature)
    return revenue.key if revenue else None


def profile_averages(profile: dict[str, object], currency: str = "") -> str | None:
    """The segment's averages from its profile (<feature>_mean columns) in words, e.g.
    "last order 190 days ago; 2.0 orders to date"; None when the profile has none."""
    parts = []
    for feature in PROFILE_FEATURES:
        value = profile.get(f"{feature}_mean")
        spec = FEATURES.get(feature)
        if spec is None or value is None or pd.isna(value):
            continue
        parts.append(spec.template.format(value=format_number(float(value), spec.kind, currency)))
    return "; ".join(parts) or None


def _text(value: object) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return str(value)


def diagnostics_in_words(validation: dict[str, float]) -> list[dict[str, str]]:
    """The validation metrics as sentences (thresholds from docs/method.md)."""
    items = []
    silhouette = validation.get("silhouette")
    if silhouette is not None and not pd.isna(silhouette):
        verdict = (
            "strong structure: the segments are clearly distinct"
            if silhouette > 0.5
            else "reasonable structure, but segments overlap at their borders"
            if silhouette >= 0.25
            else "little real structure: the segments are a convenient split, not natural groups"
        )
        items.append({"label": "Separation", "text": f"Silhouette {silhouette:.2f}: {verdict}."})
    ari = validation.get("ward_adjusted_rand_index")
    if ari is not None and not pd.isna(ari):
        verdict = (
            "another clustering method finds the same segments"
            if ari > 0.8
            else "another method finds the same broad shape, with different borders"
            if ari >= 0.5
            else "another method finds different segments: treat them with caution"
        )
        items.append({"label": "Method check", "text": f"Agreement {ari:.2f} of 1: {verdict}."})
    smallest = validation.get("smallest_segment_share")
    largest = validation.get("largest_segment_share")
    if smallest is not None and largest is not None:
        items.append(
            {
                "label": "Sizes",
                "text": f"Segments hold between {smallest:.0%} and {largest:.0%} of the "
                "active customers.",
            }
        )
    return items


def pca_axes(data: ReportData) -> list[dict[str, object]]:
    """What each axis of the customer map measures, in words (its largest weights); empty
    without segment_pca_loadings."""
    axes = []
    for number in (1, 2):
        weights = shaping.top_loadings(data.pca_loadings, number)
        if weights:
            axes.append({"number": number, "words": loadings_in_words(weights)})
    return axes if len(axes) == 2 else []


def pca_note(validation: dict[str, float]) -> str:
    """How much of the differences between customers the 2-D map shows."""
    pc1 = validation.get("pca_explained_variance_pc1")
    pc2 = validation.get("pca_explained_variance_pc2")
    if pc1 is None or pc2 is None or pd.isna(pc1) or pd.isna(pc2):
        return ""
    shown = pc1 + pc2
    note = f"The map shows {shown:.0%} of the differences between customers"
    if shown < 0.6:
        return note + ": segments that overlap here may still differ in what it leaves out."
    return note + "."
