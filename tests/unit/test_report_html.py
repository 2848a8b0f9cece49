"""The HTML report: one self-contained file, every chart, the segments, print-ready."""

from __future__ import annotations

import re

import pytest

from segments.report.html import (
    chart_figures,
    diagnostics_in_words,
    kpi_tiles,
    pca_note,
    profile_averages,
    render_report,
    segment_cards,
    summary_sentence,
)


@pytest.fixture(scope="module")
def html(report_data) -> str:
    return render_report(report_data)


def test_self_contained(html):
    # plotly.js is inlined: no script, stylesheet or image is fetched from anywhere (the
    # browser test in tests/integration also blocks and records any request).
    assert not re.search(r"<script[^>]+src=", html)
    markup = re.sub(r"<script\b[^>]*>.*?</script>", "", html, flags=re.DOTALL)
    assert "<link" not in markup
    assert not re.search(r"(src|href)=[\"']?(https?:)?//", markup)
    assert "plotly.js v" in html[: html.index("</head>")]
    assert html.count("<script") >= 7  # plotly.js plus one per chart


def test_every_chart_is_present(html):
    charts = re.findall(r'<div class="chart" data-chart="(\w+)">', html)
    assert charts == ["sizes", "shares", "heatmap", "pca", "elbow", "quality"]
    for name in charts:
        assert f'id="chart-{name}"' in html


def test_segments_and_traits_are_on_the_page(html):
    for name in ("Premium Loyalists", "Infrequent Buyers", "Inactive customers"):
        assert name in html
    assert "buys often" in html
    assert "Recommended campaign" in html
    assert "Not reliable" in html  # the dissolved segment's stability in words


def test_print_stylesheet(html):
    assert "@page { size: A4" in html
    assert "break-before: page" in html
    assert "break-inside: avoid" in html


def test_text_is_escaped(report_data):
    profiles = report_data.profiles.copy()
    profiles.loc[profiles["segment_id"] == 1, "description"] = "<script>alert(1)</script>"
    data_with_markup = type(report_data)(**{**report_data.__dict__, "profiles": profiles})
    html = render_report(data_with_markup)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_sections_without_their_tables_are_left_out(report_data):
    bare = type(report_data)(
        **{**report_data.__dict__, "k_selection": None, "pca": None, "summaries": {}}
    )
    html = render_report(bare)
    charts = re.findall(r'<div class="chart" data-chart="(\w+)">', html)
    assert charts == ["sizes", "shares", "heatmap"]
    assert 'id="diagnostics"' not in html
    assert 'id="summaries"' not in html


def test_kpi_tiles(report_data):
    tiles = {tile["label"]: tile["value"] for tile in kpi_tiles(report_data.kpis, "\u20ac")}
    assert tiles["customers"] == "9"
    assert tiles["active customers (segmented)"] == "7 (78%)"
    assert tiles["segments"] == "2"
    assert tiles["net revenue, all customers"] == "\u20ac5,030"
    assert tiles["as-of date"] == "2025-12-31"
    assert tiles["model version"] == "abc123def456"


def test_summary_sentence(report_data):
    assert summary_sentence(report_data) == (
        "2 segments. The largest is Premium Loyalists (44% of customers); Premium Loyalists "
        "bring in the most: 95% of net revenue from 44% of customers."
    )


def test_diagnostics_in_words():
    items = diagnostics_in_words(
        {
            "silhouette": 0.2,
            "ward_adjusted_rand_index": 0.6,
            "smallest_segment_share": 0.05,
            "largest_segment_share": 0.5,
        }
    )
    text = {item["label"]: item["text"] for item in items}
    assert text["Separation"].startswith("Silhouette 0.20: little real structure")
    assert "same broad shape" in text["Method check"]
    assert text["Sizes"] == "Segments hold between 5% and 50% of the active customers."
    assert diagnostics_in_words({}) == []


def test_pca_note_warns_when_the_map_hides_much():
    assert pca_note(
        {"pca_explained_variance_pc1": 0.3, "pca_explained_variance_pc2": 0.2}
    ).endswith("may still differ in what it leaves out.")
    assert pca_note({}) == ""


def test_without_customer_features_the_page_says_where_to_get_them(report_data):
    bare = type(report_data)(
        **{**report_data.__dict__, "zscores": report_data.zscores.iloc[0:0, 0:0]}
    )
    html = render_report(bare)
    assert 'data-chart="heatmap"' not in html
    assert "need the customer-level features" in html
    assert "close to the average customer" not in html
    assert "On average:" in html  # the profiles' averages stand in for the traits


def test_profile_averages_in_words():
    profile = {"order_count_mean": 2.0, "net_revenue_mean": 65.7, "return_rate_mean": None}
    assert profile_averages(profile, "\u00a3") == "2.0 orders to date; \u00a366 net revenue"
    assert profile_averages({}) is None


def test_frequent_returners_are_counted_on_their_segment_card(report_data):
    customers = report_data.customers.copy()
    # Segment 1 holds C01-C04 (Premium Loyalists, test_report_data): flag one of them.
    assert sorted(customers.loc[customers["segment_id"] == 1, "customer_id"]) == [
        "C01",
        "C02",
        "C03",
        "C04",
    ]
    customers["is_frequent_returner"] = customers["customer_id"] == "C03"
    flagged = type(report_data)(**{**report_data.__dict__, "customers": customers})
    cards = {card["segment_id"]: card for card in segment_cards(flagged)}
    assert cards[1]["returners"] == (
        "1 frequent returner (25% of the segment), flagged is_frequent_returner in "
        "customer_segments: handle them with your returns rules rather than this segment's "
        "campaign."
    )
    assert all(card["returners"] is None for key, card in cards.items() if key != 1)
    assert '<span class="label">Returns:</span> 1 frequent returner (25%' in render_report(flagged)
    # Without the flag (an older warehouse) the cards say nothing about returners.
    assert all(card["returners"] is None for card in segment_cards(report_data))


def test_the_customer_map_axes_say_what_they_measure(report_data, html):
    """From segment_pca_loadings: each axis title and the note name the largest weights."""
    figure = chart_figures(report_data)["pca"]
    assert figure.layout.xaxis.title.text == (
        "Principal component 1 (70% of spread):<br>net revenue +0.62, orders +0.58, days "
        "since last order \u22120.52"
    )
    assert figure.layout.yaxis.title.text == (
        "Principal component 2 (20% of spread):<br>days since last order +0.80, orders +0.55"
    )
    axes = dict(re.findall(r'<span data-pca-axis="(\d)">([^<]*)</span>', html))
    assert axes == {
        "1": "net revenue +0.62, orders +0.58, days since last order \u22120.52",
        "2": "days since last order +0.80, orders +0.55",
    }


def test_without_loadings_the_axes_keep_their_plain_titles(report_data):
    bare = type(report_data)(**{**report_data.__dict__, "pca_loadings": None})
    figure = chart_figures(bare)["pca"]
    assert figure.layout.xaxis.title.text == "Principal component 1 (70% of spread)"
    assert "data-pca-axis" not in render_report(bare)
