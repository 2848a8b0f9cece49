"""The report's "did the segments hold up?" section, from hand-made mart rows."""

import pandas as pd

from segments.report.backtest import backtest_context, render_backtest


def backtest_rows() -> pd.DataFrame:
    common = {"horizon_days": 90, "is_horizon_complete": True, "as_of_date": "2025-03-01"}
    rows = [
        ("segments", "Premium Loyalists", 10, 0.9, 120.0, 100.0, 0.8, 0.30, 0.20),
        ("segments", "Infrequent Buyers", 40, 0.1, 5.0, 0.0, 0.2, 0.30, 0.20),
        ("rfm_grid", "Champions", 20, 0.6, 60.0, 40.0, 0.9, 0.18, 0.15),
        ("rfm_grid", "Lost", 30, 0.1, 4.0, 0.0, 0.1, 0.18, 0.15),
    ]
    columns = [
        "method_name",
        "segment_name",
        "customers",
        "buy_rate",
        "mean_net_revenue",
        "median_net_revenue",
        "future_revenue_share",
        "eta2_revenue",
        "eta2_bought_again",
    ]
    return pd.DataFrame([dict(zip(columns, row, strict=True), **common) for row in rows])


def feature_status() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "feature_name": ["recency_days", "visits_per_month", "discount_share"],
            "reason": [None, "all values null", "all values null"],
            "requested_position": [0, 2, 1],
            "is_used": [True, False, False],
        }
    )


def test_segments_are_compared_with_the_grid_and_listed_largest_first():
    context = backtest_context(backtest_rows(), feature_status(), currency="£")
    [date] = context["dates"]
    assert date["as_of_date"] == "2025-03-01"
    assert [row["name"] for row in date["rows"]] == ["Infrequent Buyers", "Premium Loyalists"]
    assert date["rows"][1]["buy_rate"] == "90%"
    assert date["rows"][1]["mean"] == "£120"
    assert date["sentence"] == (
        "The segments explain 0.300 of the variance in next-period revenue and 0.200 in who "
        "bought again; the classic RFM grid 0.180 and 0.150: better than the grid."
    )


def test_dropped_features_are_listed_in_request_order_with_their_reason():
    context = backtest_context(None, feature_status())
    assert context["dropped"] == [
        {"feature": "discount_share", "reason": "all values null"},
        {"feature": "visits_per_month", "reason": "all values null"},
    ]
    html = render_backtest(None, feature_status())
    assert "<b>visits_per_month</b>: all values null" in html
    assert "No backtest yet" in html


def test_a_worse_model_is_said_to_be_worse():
    rows = backtest_rows()
    rows.loc[rows["method_name"] == "segments", "eta2_bought_again"] = 0.10
    [date] = backtest_context(rows, None)["dates"]
    assert date["sentence"].endswith("not better on both counts than the grid.")
