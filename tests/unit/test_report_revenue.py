"""One revenue definition per page, the others labelled; the two return rates told apart.

Read back from the rendered HTML (each page's stated definition, the labels of figures of
another definition) and from the workbook (the headers of money and return-rate columns)."""

from __future__ import annotations

from html.parser import HTMLParser

import pandas as pd
import pytest
from openpyxl import load_workbook

from segments import registry
from segments.report.export import write_workbook
from segments.report.html import chart_figures, render_report
from segments.report.revenue import (
    DEFINITIONS,
    FEATURE_REVENUE,
    NET_REVENUE,
    SPEND,
    definition_sentence,
)

CURRENCY = "\u20ac"
VOID = {"meta", "br", "img", "input", "link", "hr", "col", "source", "wbr"}


class Elements(HTMLParser):
    """Every element of a page with its attributes, its text (descendants included) and the
    id and data-revenue of the section it is in."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[dict] = []
        self.elements: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        section = next((e for e in reversed(self.open) if e["tag"] == "section"), None)
        if tag == "section":
            section = {"attrs": attributes}
        element = {
            "tag": tag,
            "attrs": attributes,
            "text": [],
            "section": (section or {}).get("attrs", {}),
        }
        if tag in VOID:
            self.elements.append(element)
            return
        self.open.append(element)

    def handle_endtag(self, tag):
        while self.open:
            element = self.open.pop()
            element["text"] = " ".join(" ".join(element["text"]).split())
            self.elements.append(element)
            if element["tag"] == tag:
                break

    def handle_data(self, data):
        if self.open and self.open[-1]["tag"] in ("script", "style"):
            return
        for element in self.open:
            element["text"].append(data)


def elements(html: str) -> list[dict]:
    parser = Elements()
    parser.feed(html)
    return parser.elements


def category_summary() -> pd.DataFrame:
    """Shaped like segment_category_summary: spend before returns per segment and category."""
    return pd.DataFrame(
        {
            "segment_category_id": ["1|Books", "1|Home", "2|Toys"],
            "segment_id": [1, 1, 2],
            "segment_name": ["Premium Loyalists", "Premium Loyalists", "Infrequent Buyers"],
            "category": ["Books", "Home", "Toys"],
            "purchased_amount": [2500.0, 2400.0, 190.0],
            "customer_count": [3, 2, 3],
            "segment_spend_share": [2500 / 4900, 2400 / 4900, 1.0],
            "category_rank": [1, 2, 1],
        }
    )


def month_summary() -> pd.DataFrame:
    months = pd.to_datetime(["2025-11-01", "2025-12-01"])
    return pd.DataFrame(
        {
            "segment_month_id": ["1|2025-11-01", "1|2025-12-01", "2|2025-12-01"],
            "segment_id": [1, 1, 2],
            "segment_name": ["Premium Loyalists", "Premium Loyalists", "Infrequent Buyers"],
            "month_start_date": [months[0], months[1], months[1]],
            "net_revenue": [300.0, 250.0, -20.0],
            "month_revenue_share": [1.0, 250 / 230, -20 / 230],
            "order_count": [6, 5, 1],
            "active_customer_count": [3, 3, 1],
        }
    )


@pytest.fixture(scope="module")
def data(report_data):
    """The tiny report with all three summaries, and the segment profiles mart's money and
    return-rate columns (segment 2: average customer 67%, segment total 90%)."""
    profiles = report_data.profiles.copy()
    profiles["purchased_amount"] = [60.0, 5000.0, 1800.0]
    profiles["returned_amount"] = [0.0, 200.0, 1620.0]
    profiles["return_rate"] = [0.0, 0.04, 0.90]
    profiles["return_rate_mean"] = [0.0, 0.03, 0.67]
    summaries = {
        **report_data.summaries,
        "category": category_summary(),
        "month": month_summary(),
    }
    return type(report_data)(
        **{
            **report_data.__dict__,
            "profiles": profiles,
            "profile_table": profiles,
            "summaries": summaries,
        }
    )


@pytest.fixture(scope="module")
def page(data) -> list[dict]:
    return elements(render_report(data, CURRENCY))


def test_every_money_feature_of_the_registry_has_a_definition():
    table = registry.feature_registry()
    money = set(table.loc[table["kind"] == "money", "feature_name"])
    assert money == set(FEATURE_REVENUE)
    assert set(FEATURE_REVENUE.values()) <= set(DEFINITIONS)


def test_every_page_with_money_states_its_one_definition(page):
    sections = [e for e in page if e["tag"] == "section"]
    defined = {e["attrs"]["id"]: e["attrs"].get("data-revenue") for e in sections}
    assert defined == {
        "overview": "net_revenue",
        "segments": "net_revenue",
        "profiles": "net_revenue",
        "summaries": "net_revenue",
        "movement": "net_revenue",
        "backtest": "future_net_revenue",
        "diagnostics": None,  # no money on it
    }
    statements = [e for e in page if "data-revenue-definition" in e["attrs"]]
    by_section = {}
    for statement in statements:
        section = statement["section"]["id"]
        assert section not in by_section, f"two definitions on {section}"
        by_section[section] = statement
        key = statement["attrs"]["data-revenue-definition"]
        assert key == statement["section"]["data-revenue"], section
        assert statement["text"] == definition_sentence(DEFINITIONS[key], CURRENCY)
    assert set(by_section) == {s for s, key in defined.items() if key}
    assert by_section["overview"]["text"] == (
        "Money on this page is net revenue: purchases minus returns minus discounts, over each "
        "customer's history up to the as-of date (in \u20ac)."
    )


def test_figures_of_another_definition_carry_its_label(page):
    others = [
        e
        for e in page
        if "data-revenue" in e["attrs"]
        and e["tag"] != "section"
        and e["attrs"]["data-revenue"] != e["section"].get("data-revenue")
    ]
    # The card traits on average order value, the cards' top categories (none in the tiny
    # data) and the category table: all spend before returns, labelled so.
    assert {e["attrs"]["data-revenue"] for e in others} == {SPEND.key}
    for element in others:
        assert SPEND.qualifier in element["text"], element["text"]
    traits = [e["text"] for e in others if e["tag"] == "li"]
    assert traits == [
        "places big orders (\u20ac50 per order before returns, vs \u20ac40 on average)",
        "places small orders (\u20ac26 per order before returns, vs \u20ac40 on average)",
    ]
    (table,) = [e for e in others if e["tag"] == "div"]
    assert table["text"].startswith("Spend before returns by product category")
    # Net revenue figures on a net revenue page need no label of their own, and have one.
    net = [e for e in page if e["attrs"].get("data-revenue") == NET_REVENUE.key]
    assert next(e["text"] for e in net if e["tag"] == "li").startswith(
        "spends a lot (\u20ac1,200 net revenue"
    )


def test_a_table_total_says_what_it_adds_up(page):
    totals = [
        e["text"]
        for e in page
        if e["tag"] == "tr" and e["attrs"].get("class") == "total" and "Total" in e["text"]
    ]
    assert any(text.startswith("Total of the 2 months shown") for text in totals), totals


def test_the_cards_tell_the_two_return_rates_apart(page):
    cards = {e["attrs"]["data-segment-id"]: e for e in page if e["tag"] == "article"}
    rates = {
        (e["section"]["id"], e["attrs"]["data-return-rate"]): e["text"]
        for e in page
        if "data-return-rate" in e["attrs"]
    }
    assert rates == {
        ("segments", "average customer"): "67%",
        ("segments", "segment total"): "90%",
    }
    assert "The average customer returned 67% of their purchases" in cards["2"]["text"]
    assert "the segment returned 90% of its purchase value" in cards["2"]["text"]
    # Segment 1's rates differ by one point: one number would do, so none is added.
    assert "Returns:" not in cards["1"]["text"]


def test_workbook_headers_name_each_money_definition_and_return_rate(data, tmp_path):
    book = load_workbook(write_workbook(data, tmp_path / "x.xlsx", CURRENCY))

    def row_of(sheet: str, segment: str) -> dict:
        rows = list(book[sheet].iter_rows(values_only=True))
        return next(dict(zip(rows[0], row, strict=True)) for row in rows[1:] if segment in row)

    infrequent = row_of("Segment profiles", "Infrequent Buyers")
    assert infrequent["Return rate, segment total"] == pytest.approx(0.90)
    assert infrequent["Return rate (average customer)"] == pytest.approx(0.67)
    assert infrequent["Purchases before discounts and returns"] == pytest.approx(1800.0)
    assert infrequent["Net revenue"] == pytest.approx(180.0)
    assert row_of("By category", "Books")["Spend before returns"] == pytest.approx(2500.0)
    assert row_of("By month", "Infrequent Buyers")["Net revenue in the month"] == -20.0
    customers = [cell.value for cell in book["Customers"][1]]
    assert "Average order value before returns" in customers and "Net revenue" in customers
    about = dict(book["About"].iter_rows(values_only=True))
    assert about["Net revenue means"] == NET_REVENUE.meaning
    assert about["Spend before returns means"] == SPEND.meaning
    assert about["Return rate, segment total means"].startswith("the segment's returned value")
    assert about["Return rate (average customer) means"].startswith("the average of each")


def test_heatmap_money_rows_are_labelled_with_their_definition(data):
    figure = chart_figures(data, CURRENCY)["heatmap"]
    labels = dict(zip(data.zscores.columns, figure.data[0].y, strict=True))
    money = {feature: label for feature, label in labels.items() if feature in FEATURE_REVENUE}
    assert set(money) == {"net_revenue", "average_order_value"}
    for feature, label in money.items():
        assert DEFINITIONS[FEATURE_REVENUE[feature]].qualifier in label.lower(), label
    assert money["average_order_value"] == "Average order value before returns (\u20ac)"
