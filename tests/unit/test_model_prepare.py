"""Feature selection and the SQL-replayable transform."""

import logging

import numpy as np
import pandas as pd
import pytest

from segments.model.errors import SegmentationInputError
from segments.model.prepare import (
    DEFAULT_FEATURES,
    PARAM_COLUMNS,
    apply_transform,
    feature_status,
    fit_transform,
    round_significant,
    select_features,
)


@pytest.fixture
def customers() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 200
    frame = pd.DataFrame(
        {
            "customer_id": [f"c{i:04d}" for i in range(n)],
            "recency_days": rng.integers(0, 400, n).astype(float),
            "order_count": rng.integers(1, 40, n).astype(float),
            "net_revenue": rng.lognormal(5, 1.2, n) - 30,  # some customers are negative
            "return_rate": rng.uniform(0, 0.6, n),
            "top_category_share": rng.uniform(0.2, 1.0, n),
            "discount_share": rng.uniform(0, 1, n),
            "visits_per_month": rng.gamma(2.0, 1.5, n),
            "avg_days_between_orders": rng.uniform(5, 120, n),
        }
    )
    frame.loc[frame.index[:15], "avg_days_between_orders"] = np.nan  # one-order customers
    frame.loc[frame.index[20:25], "discount_share"] = np.nan
    return frame


def sql_way(df: pd.DataFrame, params: pd.DataFrame) -> np.ndarray:
    """z = (ln(1 + greatest(coalesce(x, fill), clip)) - center) / scale, written out by hand."""
    columns = []
    for row in params.sort_values("feature_position").itertuples():
        x = df[row.feature_name].to_numpy(dtype=float)
        x = np.where(np.isnan(x), row.fill_value, x)  # coalesce(x, fill_value)
        if not np.isnan(row.clip_lower):
            x = np.maximum(x, row.clip_lower)  # greatest(x, clip_lower)
        if row.log_transform:
            x = np.log(1 + x)  # ln(1 + x)
        columns.append((x - row.center) / row.scale)
    return np.column_stack(columns)


def test_select_features_drops_absent_null_and_constant_with_reasons(customers, caplog):
    customers = customers.assign(visits_per_month=np.nan, tenure_days=30.0)
    requested = [*DEFAULT_FEATURES, "tenure_days", "q4_share"]
    with caplog.at_level(logging.INFO, logger="segments.model.prepare"):
        kept, dropped = select_features(customers, requested)
    assert kept == [
        "recency_days",
        "order_count",
        "net_revenue",
        "top_category_share",
        "discount_share",
    ]
    assert dropped["visits_per_month"] == "all values null"
    assert dropped["tenure_days"].startswith("constant")
    assert dropped["q4_share"] == "absent from the input"
    assert "Dropping feature q4_share: absent from the input" in caplog.text


def test_select_features_needs_two_features(customers):
    frame = customers[["customer_id", "order_count"]].assign(net_revenue=np.nan)
    with pytest.raises(SegmentationInputError, match=r"Only 1 usable feature.*segment_features"):
        select_features(frame, ["order_count", "net_revenue", "recency_days"])


def test_params_have_the_documented_columns_and_meaning(customers):
    features = [*DEFAULT_FEATURES, "return_rate", "avg_days_between_orders"]
    _, params = fit_transform(customers, features)
    assert list(params.columns) == PARAM_COLUMNS
    assert params["feature_position"].tolist() == list(range(len(features)))
    by_name = params.set_index("feature_name")
    assert by_name.loc["net_revenue", "log_transform"]
    assert by_name.loc["net_revenue", "clip_lower"] == 0.0
    assert not by_name.loc["return_rate", "log_transform"]
    assert np.isnan(by_name.loc["return_rate", "clip_lower"])
    assert (params["scale"] > 0).all()
    expected_fill = customers["avg_days_between_orders"].median()  # raw units, nulls skipped
    assert by_name.loc["avg_days_between_orders", "fill_value"] == pytest.approx(expected_fill)


def test_transform_replays_the_sql_way(customers):
    features = [*DEFAULT_FEATURES, "return_rate", "avg_days_between_orders"]
    X, params = fit_transform(customers, features)
    np.testing.assert_allclose(X, sql_way(customers, params), rtol=0, atol=1e-12)
    np.testing.assert_allclose(X.mean(axis=0), 0, atol=1e-8)
    np.testing.assert_allclose(X.std(axis=0), 1, atol=1e-8)
    # New customers scored with stored params: the same formula, training medians for nulls.
    new = customers.sample(30, random_state=1).assign(net_revenue=np.nan)
    np.testing.assert_allclose(apply_transform(new, params), sql_way(new, params), atol=1e-12)


def test_negative_revenue_is_clipped_at_zero_before_log(customers):
    X, params = fit_transform(customers, DEFAULT_FEATURES)
    row = params.set_index("feature_name").loc["net_revenue"]
    negative = customers["net_revenue"].to_numpy() < 0
    assert negative.any()
    position = int(row["feature_position"])
    expected = (np.log1p(0.0) - row["center"]) / row["scale"]
    np.testing.assert_allclose(X[negative, position], expected)


def test_minmax_scaling_maps_training_data_to_unit_interval(customers):
    X, params = fit_transform(customers, DEFAULT_FEATURES, scaling="minmax")
    assert X.min() == pytest.approx(0, abs=1e-9)
    assert X.max() == pytest.approx(1, abs=1e-9)
    np.testing.assert_allclose(X, sql_way(customers, params), atol=1e-12)


def test_params_are_rounded_to_ten_significant_digits(customers):
    _, params = fit_transform(customers, DEFAULT_FEATURES)
    for column in ["fill_value", "center", "scale"]:
        np.testing.assert_array_equal(params[column], round_significant(params[column]))


def test_infinite_input_names_the_column_and_customer(customers):
    customers.loc[3, "net_revenue"] = np.inf
    with pytest.raises(SegmentationInputError, match=r"'net_revenue'.*customer_id c0003"):
        fit_transform(customers, DEFAULT_FEATURES)


def test_non_numeric_feature_is_reported(customers):
    customers["order_count"] = "many"
    with pytest.raises(SegmentationInputError, match="'order_count' is not numeric"):
        fit_transform(customers, DEFAULT_FEATURES)


def test_apply_transform_reports_missing_columns(customers):
    _, params = fit_transform(customers, DEFAULT_FEATURES)
    with pytest.raises(SegmentationInputError, match=r"\['discount_share'\]"):
        apply_transform(customers.drop(columns="discount_share"), params)


def test_unknown_scaling_names_the_var(customers):
    with pytest.raises(SegmentationInputError, match="segment_scaling"):
        fit_transform(customers, DEFAULT_FEATURES, scaling="robust")


def test_feature_status_says_which_features_are_used_and_why_not(customers):
    customers = customers.assign(visits_per_month=np.nan, tenure_days=30.0)
    requested = ["recency_days", "visits_per_month", "tenure_days", "q4_share", "order_count"]
    status = feature_status(customers, requested)
    assert status["feature_name"].tolist() == requested
    assert status["is_used"].tolist() == [True, False, False, False, True]
    assert status["reason"].tolist()[1:4] == [
        "all values null",
        "constant (every customer has 30)",
        "absent from the input",
    ]
    assert status["reason"].isna().tolist() == [True, False, False, False, True]
    empty = feature_status(customers.iloc[:0], requested)
    assert (~empty["is_used"]).all() and (empty["reason"] == "no active customers").all()
