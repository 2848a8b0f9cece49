"""One colour per segment, keyed by segment_id, in every chart, table and card."""

from __future__ import annotations

import re

import pytest

from segments.report.data import DuckDBWarehouse, load_report_data
from segments.report.html import chart_figures, segment_cards
from segments.report.palette import (
    INACTIVE_COLOUR,
    SEGMENT_COLOURS,
    colour_map,
    segment_colour,
)
from segments.report.pivots import pivot_tables

from .test_report_data import write_warehouse

SWATCH = re.compile(r"<span style='color:(#[0-9A-Fa-f]{6})'>■</span> (.+)")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    path = write_warehouse(tmp_path_factory.mktemp("palette") / "tiny.duckdb", True)
    with DuckDBWarehouse(path) as warehouse:
        return load_report_data(warehouse)


def test_colours_are_keyed_by_segment_id():
    assert segment_colour(0) == INACTIVE_COLOUR
    assert [segment_colour(i) for i in range(1, 11)] == list(SEGMENT_COLOURS)
    assert segment_colour(11) == segment_colour(1)
    assert len(set(SEGMENT_COLOURS)) == len(SEGMENT_COLOURS)
    assert INACTIVE_COLOUR not in SEGMENT_COLOURS
    assert colour_map([2, 0]) == {2: segment_colour(2), 0: INACTIVE_COLOUR}


def _parse(label: str) -> tuple[str, str]:
    """(name, colour) from an axis label like "<span style='color:#...'>■</span> Name"."""
    match = SWATCH.fullmatch(str(label))
    assert match, label
    return match.group(2).replace("<br>", " ").replace("- ", "-"), match.group(1)


def test_every_chart_uses_the_segment_palette(data):
    expected = {data.name_of(i): segment_colour(i) for i in data.segment_ids}
    figures = chart_figures(data)
    assert set(figures) == {"sizes", "shares", "heatmap", "pca", "elbow", "quality"}

    sizes = figures["sizes"].data[0]
    assert len(sizes.y) == 3
    for label, colour in zip(sizes.y, sizes.marker.color, strict=True):
        name, swatch = _parse(label)
        assert colour == swatch == expected[name]

    bars = [trace for trace in figures["shares"].data if trace.showlegend is False]
    assert len(bars) == 6
    for trace in bars:
        name, swatch = _parse(trace.y[0])
        assert trace.marker.color == swatch == expected[name] == expected[trace.name.split(":")[0]]

    assert {trace.name for trace in figures["pca"].data} == {
        "Premium Loyalists",
        "Infrequent Buyers",
    }
    for trace in figures["pca"].data:
        assert trace.marker.color == expected[trace.name]

    columns = [_parse(label) for label in figures["heatmap"].data[0].x]
    assert [name for name, _ in columns] == ["Premium Loyalists", "Infrequent Buyers"]
    for name, swatch in columns:
        assert swatch == expected[name]


def test_tables_and_cards_use_the_segment_palette(data):
    expected = {data.name_of(i): segment_colour(i) for i in data.segment_ids}
    cards = segment_cards(data)
    assert [card["segment_id"] for card in cards] == [1, 2, 0]
    for card in cards:
        assert card["colour"] == segment_colour(card["segment_id"])
    (country,) = pivot_tables(data)
    coloured = {head["label"]: head["colour"] for head in country["header"] if head["colour"]}
    assert coloured == expected
