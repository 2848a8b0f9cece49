"""The report's charts as plotly figures: one function per chart, colours from the palette.

Every figure is sized for an A4 page (``WIDTH`` px wide fits the printable width at 96 dpi)
and carries a title, axis titles with units and a legend where colours mean something.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from segments.report.data import ReportData
from segments.report.palette import segment_colour
from segments.report.traits import (
    FEATURES,
    MINUS,
    component_title,
    feature_axis_label,
    format_number,
)

#: 180 mm at 96 dpi: the printable width of A4 with 15 mm margins.
WIDTH = 680
FONT = "Helvetica Neue, Helvetica, Arial, sans-serif"
CHOSEN_COLOUR = "#D62728"
LINE_COLOUR = "#4D4D4D"
#: Beyond this many standard deviations the heatmap colour saturates.
Z_LIMIT = 2.0


def _layout(fig: go.Figure, title: str, height: int, **kwargs: object) -> go.Figure:
    """Title, size, fonts and margins shared by every chart; ``kwargs`` override them."""
    layout: dict[str, object] = {
        "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 16}},
        "width": WIDTH,
        "height": height,
        "template": "plotly_white",
        "font": {"family": FONT, "size": 12, "color": "#222"},
        "margin": {"l": 70, "r": 20, "t": 60, "b": 60},
    }
    layout.update(kwargs)
    fig.update_layout(**layout)
    return fig


def _swatch(segment_id: int, name: str) -> str:
    """A segment name preceded by a square in its colour (plotly text supports spans)."""
    return f"<span style='color:{segment_colour(segment_id)}'>■</span> {name}"


def elbow_chart(k_selection: pd.DataFrame) -> go.Figure:
    """Inertia by k with the chosen k (and the elbow, when different) marked."""
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=k_selection["k"],
            y=k_selection["inertia"],
            mode="lines+markers",
            name="Inertia",
            line={"color": LINE_COLOUR},
            marker={"size": 7},
            hovertemplate="k = %{x}<br>inertia %{y:,.0f}<extra></extra>",
        )
    )
    elbow = k_selection[k_selection["is_elbow"].fillna(False).astype(bool)]
    chosen = k_selection[k_selection["is_chosen"].fillna(False).astype(bool)]
    if len(elbow):
        fig.add_trace(
            go.Scatter(
                x=elbow["k"],
                y=elbow["inertia"],
                mode="markers",
                name="Elbow of the curve",
                marker={
                    "symbol": "diamond-open",
                    "size": 18,
                    "color": LINE_COLOUR,
                    "line": {"width": 2},
                },
                hovertemplate="elbow at k = %{x}<extra></extra>",
            )
        )
    if len(chosen):
        fig.add_trace(
            go.Scatter(
                x=chosen["k"],
                y=chosen["inertia"],
                mode="markers+text",
                name="Chosen number of segments",
                marker={"symbol": "star", "size": 16, "color": CHOSEN_COLOUR},
                text=[f"chosen: k = {int(k)}" for k in chosen["k"]],
                textposition="top right",
                textfont={"color": CHOSEN_COLOUR},
                hovertemplate="chosen k = %{x}<extra></extra>",
            )
        )
    _layout(
        fig,
        "Elbow curve: how much tighter the segments get with each extra segment",
        380,
        legend={"orientation": "h", "y": -0.22, "x": 0},
    )
    fig.update_xaxes(title="Number of segments (k)", dtick=1)
    fig.update_yaxes(title="Inertia (sum of squared distances)", rangemode="tozero")
    return fig


def quality_chart(k_selection: pd.DataFrame) -> go.Figure:
    """Silhouette (higher is better) and Davies-Bouldin (lower is better) by k, side by side."""
    fig = make_subplots(
        rows=1,
        cols=2,
        horizontal_spacing=0.14,
        subplot_titles=("Silhouette (higher is better)", "Davies-Bouldin (lower is better)"),
    )
    chosen = k_selection[k_selection["is_chosen"].fillna(False).astype(bool)]
    for col, metric, label in (
        (1, "silhouette", "Silhouette"),
        (2, "davies_bouldin", "Davies-Bouldin"),
    ):
        fig.add_trace(
            go.Scatter(
                x=k_selection["k"],
                y=k_selection[metric],
                mode="lines+markers",
                name=label,
                line={"color": LINE_COLOUR},
                showlegend=False,
                hovertemplate=f"k = %{{x}}<br>{label} %{{y:.3f}}<extra></extra>",
            ),
            row=1,
            col=col,
        )
        fig.add_trace(
            go.Scatter(
                x=chosen["k"],
                y=chosen[metric],
                mode="markers",
                name="Chosen number of segments",
                marker={"symbol": "star", "size": 15, "color": CHOSEN_COLOUR},
                showlegend=col == 1,
                hovertemplate="chosen k = %{x}<extra></extra>",
            ),
            row=1,
            col=col,
        )
        fig.update_xaxes(title="Number of segments (k)", dtick=1, row=1, col=col)
    fig.update_yaxes(title="Silhouette score (\u22121 to 1)", row=1, col=1)
    fig.update_yaxes(title="Davies-Bouldin index (0 = best)", rangemode="tozero", row=1, col=2)
    return _layout(
        fig,
        "Segment quality by number of segments",
        380,
        legend={"orientation": "h", "y": -0.25, "x": 0},
    )


def pca_chart(data: ReportData) -> go.Figure:
    """Customers on the first two principal components, coloured by segment."""
    pca = data.pca
    assert pca is not None
    fig = go.Figure()
    for segment_id in sorted(pca["segment_id"].dropna().astype(int).unique()):
        points = pca[pca["segment_id"] == segment_id]
        name = data.name_of(segment_id)
        fig.add_trace(
            go.Scatter(
                x=points["pc1"],
                y=points["pc2"],
                mode="markers",
                name=name,
                marker={"color": segment_colour(segment_id), "size": 5, "opacity": 0.55},
                hovertemplate=f"{name}<br>%{{customdata}}<extra></extra>",
                customdata=points["customer_id"],
            )
        )
    _layout(
        fig,
        "Customer map: each dot is a customer; close dots behave alike",
        560,
        legend={"orientation": "h", "y": -0.2, "x": 0, "itemsizing": "constant"},
        margin={"l": 90, "r": 20, "t": 60, "b": 80},
    )
    for number, update in ((1, fig.update_xaxes), (2, fig.update_yaxes)):
        # The share on one line, what the axis measures on the next.
        title = component_title(data.validation, data.pca_loadings, number)
        update(title=title.replace(": ", ":<br>", 1), zeroline=False)
    return fig


def _segment_order(data: ReportData) -> pd.DataFrame:
    """Profiles in the order every bar chart uses: segment 1 at the top, inactive last."""
    profiles = data.profiles
    active = profiles[profiles["segment_id"] != 0].sort_values("segment_id", kind="stable")
    inactive = profiles[profiles["segment_id"] == 0]
    # Horizontal bars are drawn bottom-up: reverse so the first segment is at the top.
    return pd.concat([active, inactive]).iloc[::-1]


def _segment_labels(profiles: pd.DataFrame) -> list[str]:
    return [
        _swatch(i, name)
        for i, name in zip(profiles["segment_id"], profiles["segment_name"], strict=True)
    ]


def sizes_chart(data: ReportData) -> go.Figure:
    """Customers per segment, inactive included."""
    profiles = _segment_order(data)
    text = [
        f"{int(n):,} ({share:.0%})"
        for n, share in zip(profiles["customer_count"], profiles["customer_share"], strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            x=profiles["customer_count"],
            y=_segment_labels(profiles),
            orientation="h",
            marker={"color": [segment_colour(i) for i in profiles["segment_id"]]},
            text=text,
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}<br>%{x:,} customers<extra></extra>",
            showlegend=False,
        )
    )
    _layout(
        fig,
        "Segment sizes",
        110 + 42 * len(profiles),
        margin={"l": 170, "r": 90, "t": 50, "b": 50},
    )
    fig.update_xaxes(title="Customers (count)", rangemode="tozero")
    return fig


HATCH = {"shape": "/", "fgcolor": "#555555", "size": 6, "solidity": 0.25}


def shares_chart(data: ReportData) -> go.Figure:
    """Each segment's share of customers next to its share of net revenue."""
    profiles = _segment_order(data)
    labels = _segment_labels(profiles)
    colours = [segment_colour(i) for i in profiles["segment_id"]]
    fig = go.Figure()
    # One trace per segment and measure (a patterned bar takes a single colour only); the
    # offset groups pair them, revenue drawn first so customers sit on top of each pair.
    for label, colour, row in zip(labels, colours, profiles.itertuples(index=False), strict=True):
        for group, value, noun, marker in (
            ("revenue", row.revenue_share, "revenue", {"color": colour}),
            (
                "customers",
                row.customer_share,
                "customers",
                {"color": colour, "opacity": 0.45, "pattern": HATCH},
            ),
        ):
            fig.add_trace(
                go.Bar(
                    y=[label],
                    x=[value],
                    orientation="h",
                    offsetgroup=group,
                    name=f"{row.segment_name}: share of {noun}",
                    marker=marker,
                    text=[f"{value:.0%} of {noun}"],
                    textposition="outside",
                    cliponaxis=False,
                    showlegend=False,
                    hovertemplate=f"%{{y}}<br>%{{x:.1%}} of {noun}<extra></extra>",
                )
            )
    # Legend entries in neutral grey: the bars themselves are in segment colours.
    for name, marker in (
        ("Share of customers (hatched)", {"color": "#BBBBBB", "pattern": HATCH}),
        ("Share of net revenue (solid)", {"color": "#777777"}),
    ):
        fig.add_trace(go.Bar(y=[labels[0]], x=[None], orientation="h", name=name, marker=marker))
    _layout(
        fig,
        "Share of customers vs share of revenue",
        130 + 62 * len(profiles),
        barmode="group",
        bargap=0.25,
        margin={"l": 170, "r": 110, "t": 80, "b": 60},
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0.0},
    )
    fig.update_xaxes(title="Share of the total (%)", tickformat=".0%", rangemode="tozero")
    return fig


def heatmap_chart(data: ReportData, currency: str = "") -> go.Figure:
    """Features x segments: the text is the segment's plain average, and the colour is that
    same average's distance from the average active customer in standard deviations (on the
    plain scale too, so within a row a higher number is always a warmer colour)."""
    z = data.colour_zscores if data.colour_zscores is not None else data.zscores
    z = z.reindex(columns=[f for f in data.zscores.columns if f in z.columns])
    features = list(z.columns)
    segment_ids = [int(i) for i in z.index]
    means = data.means
    text = []
    hover = []
    for feature in features:
        spec = FEATURES.get(feature)
        kind = spec.kind if spec else "count"
        row_text, row_hover = [], []
        for segment_id in segment_ids:
            value = means.loc[segment_id, feature]
            zvalue = z.loc[segment_id, feature]
            row_text.append(format_number(value, kind, currency))
            row_hover.append(
                f"{data.name_of(segment_id)}<br>{feature_axis_label(feature, currency)}: "
                f"{format_number(value, kind, currency)} "
                f"(all active: {format_number(means.loc['all', feature], kind, currency)})"
                f"<br>{zvalue:+.2f} standard deviations from the average"
            )
        text.append(row_text)
        hover.append(row_hover)
    y_labels = [
        f"<b>{feature_axis_label(f, currency)}</b>"
        if f in data.model_features
        else feature_axis_label(f, currency)
        for f in features
    ]
    x_labels = [_swatch(i, _wrap(data.name_of(i))) for i in segment_ids]
    fig = go.Figure(
        go.Heatmap(
            z=z.T.to_numpy().tolist(),
            x=x_labels,
            y=y_labels,
            zmin=-Z_LIMIT,
            zmid=0,
            zmax=Z_LIMIT,
            colorscale="RdBu_r",
            text=text,
            texttemplate="%{text}",
            textfont={"size": 11},
            customdata=hover,
            hovertemplate="%{customdata}<extra></extra>",
            xgap=2,
            ygap=2,
            colorbar={
                "orientation": "h",
                "title": {
                    "text": "Colour: the average in the cell, in standard deviations from "
                    "the average active customer",
                    "side": "top",
                },
                "tickvals": [-2, -1, 0, 1, 2],
                "ticktext": [
                    f"{MINUS}2 (far below)",
                    f"{MINUS}1",
                    "0 (average)",
                    "+1",
                    "+2 (far above)",
                ],
                "thickness": 10,
                "len": 0.9,
                "x": 0.5,
                "xanchor": "center",
                "y": -0.04,
                "yanchor": "top",
            },
        )
    )
    _layout(
        fig,
        "Segment profiles: what is typical of each segment",
        240 + 34 * len(features),
        margin={"l": 215, "r": 10, "t": 110, "b": 80},
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(side="top", tickangle=0)
    return fig


def _wrap(name: str, longest: int = 10) -> str:
    """A segment name over several lines, for narrow columns: one word a line, and words
    longer than ``longest`` characters also broken after a hyphen."""
    words = [word.replace("-", "-<br>") if len(word) > longest else word for word in name.split()]
    return "<br>".join(words)
