"""Traits in plain words, from the z-scores of segment means, and stability in words."""

from __future__ import annotations

import pandas as pd
import pytest

from segments.report.traits import (
    component_title,
    describe_trait,
    feature_axis_label,
    format_number,
    loadings_in_words,
    segment_traits,
    stability_in_words,
)


def test_high_count_quotes_the_ratio_to_the_average():
    text = describe_trait("order_count", 1.8, 24.0, 8.0)
    assert text == "buys often (24 orders to date, 3\u00d7 the average of 8.0)"


def test_low_value_is_compared_with_the_average():
    text = describe_trait("order_count", -0.9, 2.0, 17.0)
    assert text == "buys rarely (2.0 orders to date, vs 17 on average)"


def test_shares_read_as_percentages():
    text = describe_trait("discount_share", 1.5, 0.33, 0.1)
    assert text == "buys on promotion (33% of list value discounted, vs 10% on average)"


def test_recency_reads_as_days_ago():
    text = describe_trait("recency_days", 1.2, 250.0, 104.0)
    assert text.startswith("has not bought for a while (last order 250 days ago, 2.4\u00d7")
    assert describe_trait("recency_days", -0.8, 11.0, 104.0).startswith("bought recently")


def test_money_uses_the_currency():
    text = describe_trait("net_revenue", 2.0, 4262.0, 971.0, currency="\u20ac")
    assert "\u20ac4,262 net revenue" in text
    assert "the average of \u20ac971" in text
    # Babel: a code with a symbol gets the symbol; the sign goes before it.
    assert format_number(12.5, "money", "GBP") == "\u00a312"
    assert format_number(2.5, "money", "$") == "$2.50"
    assert format_number(-1041.4, "money", "\u00a3") == "-\u00a31,041"
    assert format_number(-1041.4, "money", "GBP") == "-\u00a31,041"
    assert format_number(1200.0, "money", "CHF") == "1,200 CHF"
    assert format_number(-3.0, "money") == "-3.00"


def test_percentages_and_counts_by_babel():
    assert format_number(0.674, "share") == "67%"
    assert format_number(0.004, "share") == "0.4%"
    assert format_number(12345.0, "count") == "12,345"
    # visits per month is a rate, not a percentage
    assert format_number(2.35, "rate") == "2.4"


def test_unknown_feature_falls_back_to_standard_deviations():
    assert describe_trait("loyalty_points", 1.234, 5.0, 2.0) == (
        "high loyalty points (+1.2 standard deviations)"
    )


def test_traits_strongest_first_above_the_threshold_and_capped():
    z = pd.Series(
        {
            "order_count": 0.6,
            "net_revenue": 2.0,
            "return_rate": -0.4,
            "recency_days": -1.0,
            "visits_per_month": 0.7,
            "tenure_days": 0.55,
        }
    )
    means = pd.Series(
        {
            "order_count": 20.0,
            "net_revenue": 900.0,
            "return_rate": 0.01,
            "recency_days": 5.0,
            "visits_per_month": 6.0,
            "tenure_days": 700.0,
        }
    )
    overall = means / 2
    traits = segment_traits(z, means, overall, max_traits=4)
    assert [t.split(" (")[0] for t in traits] == [
        "spends a lot",
        "bought recently",
        "visits the website often",
        "buys often",
    ]


def test_an_average_segment_has_no_traits():
    z = pd.Series({"order_count": 0.1, "net_revenue": -0.2})
    assert segment_traits(z, z, z) == []


@pytest.mark.parametrize(
    ("stability_class", "start"),
    [
        ("stable", "Stable"),
        ("measuring a pattern", "Fairly stable"),
        ("pattern, but unstable", "Unstable"),
        ("dissolved", "Not reliable"),
        (None, "Stability was not measured"),
        (float("nan"), "Stability was not measured"),
    ],
)
def test_stability_in_words(stability_class, start):
    assert stability_in_words(stability_class).startswith(start)


def test_stability_quotes_the_overlap():
    assert stability_in_words("stable", 0.987).endswith("(Overlap when refit: 0.99 of 1.)")


def test_axis_labels_carry_units():
    assert feature_axis_label("net_revenue") == "Net revenue (currency units)"
    assert feature_axis_label("net_revenue", "EUR") == "Net revenue (EUR)"
    assert feature_axis_label("recency_days") == "Days since last order (days)"
    assert feature_axis_label("some_new_column") == "Some new column"


def test_format_number():
    assert format_number(0.004, "share") == "0.4%"
    assert format_number(0.25, "share") == "25%"
    assert format_number(1234567.8, "money") == "1,234,568"
    assert format_number(7.456, "money") == "7.46"
    assert format_number(float("nan"), "count") == "n/a"
    assert format_number(3.21, "rate") == "3.2"


def test_loadings_in_words_use_the_registry_labels_and_signs():
    words = loadings_in_words(
        [("net_revenue", 0.614), ("order_count", 0.58), ("recency_days", -0.4)]
    )
    assert words == "net revenue +0.61, orders +0.58, days since last order \u22120.40"
    # Labels that start with an acronym keep their capital; -0.001 rounds to +0.00.
    assert loadings_in_words([("q4_share", -0.001)]) == "Q4 share +0.00"


def test_component_title_says_the_share_and_what_the_axis_measures():
    loadings = pd.DataFrame(
        {
            "feature_name": ["recency_days", "order_count"],
            "feature_position": [0, 1],
            "pc1_loading": [-0.6, 0.8],
            "pc2_loading": [0.8, 0.6],
        }
    )
    validation = {"pca_explained_variance_pc1": 0.41, "pca_explained_variance_pc2": 0.2}
    assert component_title(validation, loadings, 1) == (
        "Principal component 1 (41% of spread): orders +0.80, days since last order \u22120.60"
    )
    assert component_title({}, None, 2) == "Principal component 2"
