"""Shaping warehouse tables for the report: segments, profiles, z-scores, KPIs, pivots."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segments.report import shaping

from .test_report_data import customer_features, segment_definitions, segment_scores


@pytest.fixture
def customers() -> pd.DataFrame:
    return shaping.assign_segments(customer_features(), segment_scores(), segment_definitions())


def test_inactive_customers_are_segment_zero(customers):
    by_id = customers.set_index("customer_id")
    assert by_id.loc[["C08", "C09"], "segment_id"].tolist() == [0, 0]
    # Named by seeds/segment_reserved.csv, the one definition of segment 0.
    assert by_id.loc["C08", "segment_name"] == "Inactive customers"
    assert by_id.loc["C05", "segment_name"] == "Infrequent Buyers"
    assert customers.columns[:3].tolist() == ["customer_id", "segment_id", "segment_name"]


def test_an_active_customer_without_a_score_is_not_dropped():
    scores = segment_scores().iloc[1:]
    customers = shaping.assign_segments(customer_features(), scores, segment_definitions())
    assert len(customers) == 9
    assert customers.set_index("customer_id").loc["C01", "segment_id"] == 0


def test_unnamed_segments_get_a_generic_name():
    customers = shaping.assign_segments(customer_features(), segment_scores(), None)
    assert set(customers["segment_name"]) == {"Segment 1", "Segment 2", "Inactive customers"}


def test_profiles_sizes_shares_and_means(customers):
    profiles = shaping.derive_profiles(
        customers, segment_definitions(), ["order_count", "net_revenue"]
    ).set_index("segment_id")
    assert profiles["customer_count"].to_dict() == {0: 2, 1: 4, 2: 3}
    assert profiles["customer_share"].sum() == pytest.approx(1.0)
    assert profiles.loc[1, "net_revenue"] == pytest.approx(4800.0)
    assert profiles.loc[1, "revenue_share"] == pytest.approx(4800 / 5030)
    assert profiles.loc[1, "order_count_mean"] == pytest.approx(24.0)
    assert profiles.loc[0, "segment_name"] == "Inactive customers"
    assert profiles.loc[0, "description"] == "Customers left out of clustering"
    assert profiles.loc[0, "recommended_campaign"].startswith("Reactivation or suppression")
    assert profiles.loc[2, "stability_class"] == "dissolved"


def test_segment_zero_texts_come_from_the_reserved_table_when_given():
    """The report reads segment_reserved from the warehouse: a table there wins over the file."""
    reserved = pd.DataFrame(
        {
            "segment_id": [0],
            "segment_name": ["Dormant"],
            "description": ["Nothing bought lately"],
            "recommended_campaign": ["Leave alone"],
        }
    )
    customers = shaping.assign_segments(
        customer_features(), segment_scores(), segment_definitions(), reserved
    )
    assert customers.set_index("customer_id").loc["C08", "segment_name"] == "Dormant"
    profiles = shaping.derive_profiles(
        customers, segment_definitions(), ["order_count"], reserved
    ).set_index("segment_id")
    assert profiles.loc[0, ["segment_name", "description", "recommended_campaign"]].tolist() == [
        "Dormant",
        "Nothing bought lately",
        "Leave alone",
    ]


def test_zscores_are_segment_means_against_all_active_customers(customers):
    z = shaping.feature_zscores(customers, ["return_rate", "order_count"])
    active = customers[customers["segment_id"] > 0]
    rates = active["return_rate"].astype(float)
    expected = (rates[active["segment_id"] == 1].mean() - rates.mean()) / rates.std(ddof=0)
    assert z.index.tolist() == [1, 2]
    assert z.loc[1, "return_rate"] == pytest.approx(expected)
    # Weighted by segment size, the z-scores of the segment means balance out at zero.
    sizes = np.array([4, 3])
    assert float(sizes @ z["return_rate"].to_numpy()) == pytest.approx(0.0, abs=1e-9)


def test_counts_and_money_are_compared_on_the_log_scale(customers):
    """As the model sees them: one huge customer does not make every segment look average."""
    whale = customers.copy()
    whale.loc[whale["customer_id"] == "C03", "order_count"] = 5_000
    z = shaping.feature_zscores(whale, ["order_count"])
    logged = np.log1p(whale[whale["segment_id"] > 0]["order_count"].astype(float))
    segment = whale[whale["segment_id"] > 0]["segment_id"]
    expected = (logged[segment == 2].mean() - logged.mean()) / logged.std(ddof=0)
    assert z.loc[2, "order_count"] == pytest.approx(expected)
    # On the raw scale the whale's 5,000 orders would make the rare buyers look near average
    # (z about -0.4); on the log scale they stay clearly below it.
    assert z.loc[2, "order_count"] < -0.75


def test_negative_revenue_is_clipped_before_the_log(customers):
    refunds = customers.copy()
    refunds.loc[refunds["customer_id"] == "C05", "net_revenue"] = -50.0
    z = shaping.feature_zscores(refunds, ["net_revenue"])
    assert np.isfinite(z.to_numpy()).all()


def test_zscores_drop_features_without_spread(customers):
    z = shaping.feature_zscores(customers.assign(constant=1.0), ["constant", "order_count"])
    assert z.columns.tolist() == ["order_count"]


def test_segment_means_have_an_overall_row(customers):
    means = shaping.segment_means(customers, ["order_count"])
    assert means.index.tolist() == [1, 2, "all"]
    assert means.loc["all", "order_count"] == pytest.approx(103 / 7)


def test_profile_features_put_model_features_first(customers):
    features = shaping.profile_features(customers, ["net_revenue", "order_count", "absent"])
    assert features[:2] == ["net_revenue", "order_count"]
    assert "absent" not in features
    assert "country" not in features


def test_headline_kpis(customers):
    profiles = shaping.derive_profiles(customers, segment_definitions(), [])
    kpis = shaping.headline(customers, profiles, "v1")
    assert kpis["customers"] == 9
    assert kpis["active_customers"] == 7
    assert kpis["segments"] == 2
    assert kpis["net_revenue"] == pytest.approx(5030.0)
    assert str(kpis["as_of_date"]) == "2025-12-31"


def test_overlay_keeps_the_preferred_columns():
    preferred = pd.DataFrame({"segment_id": [1, 2], "customer_count": [10, 20]})
    fallback = pd.DataFrame(
        {"segment_id": [2, 1], "customer_count": [0, 0], "order_count_mean": [3.0, 4.0]}
    )
    merged = shaping.overlay(preferred, fallback, "segment_id")
    assert merged["customer_count"].tolist() == [10, 20]
    assert merged["order_count_mean"].tolist() == [4.0, 3.0]


def test_wide_pivot_orders_segments_and_adds_up_the_tail():
    summary = pd.DataFrame(
        {
            "segment_name": ["A", "B", "A", "B", "A"],
            "country": ["France", "France", "Spain", "Italy", "Malta"],
            "customer_count": [5, 1, 3, 2, 1],
        }
    )
    table = shaping.wide_pivot(summary, "country", "customer_count", ["B", "A"], top=2)
    assert table.columns.tolist() == ["B", "A", "Total"]
    assert table.index.tolist() == ["France", "Spain", "Other"]
    assert table.loc["Other"].tolist() == [2, 1, 3]
    assert table["Total"].sum() == 12


def test_wide_pivot_keeps_months_in_date_order():
    summary = pd.DataFrame(
        {
            "segment_name": ["A", "A"],
            "month_start_date": pd.to_datetime(["2025-02-01", "2025-01-01"]),
            "net_revenue": [1.0, 100.0],
        }
    )
    table = shaping.wide_pivot(summary, "month_start_date", "net_revenue", ["A"])
    assert [d.month for d in table.index] == [1, 2]


def test_top_loadings_by_size_two_and_a_third_from_0_3():
    loadings = pd.DataFrame(
        {
            "feature_name": ["recency_days", "order_count", "net_revenue", "return_rate"],
            "feature_position": [0, 1, 2, 3],
            "pc1_loading": [-0.5, 0.5, 0.7, 0.1],
            "pc2_loading": [0.9, -0.29, 0.29, 0.1],
        }
    )
    # Largest first; the tie at 0.5 goes to the feature first in the model.
    assert shaping.top_loadings(loadings, 1) == [
        ("net_revenue", 0.7),
        ("recency_days", -0.5),
        ("order_count", 0.5),
    ]
    # A third weight under 0.3 is left out (the axis is the first two).
    assert shaping.top_loadings(loadings, 2) == [("recency_days", 0.9), ("order_count", -0.29)]
    assert shaping.top_loadings(None, 1) == []
    assert shaping.top_loadings(loadings.iloc[0:0], 1) == []
