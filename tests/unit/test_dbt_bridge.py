"""The glue between dbt Python models and the library: config from vars, previous model."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from segments.dbt_bridge import previous_model, segmentation_config
from segments.model.errors import SegmentationInputError


def history(*models: tuple[str, str, str]) -> pd.DataFrame:
    rows = [
        {
            "model_version": version,
            "as_of_date": dt.date.fromisoformat(as_of),
            "trained_at": pd.Timestamp(trained_at),
            "segment_id": segment,
        }
        for version, as_of, trained_at in models
        for segment in (1, 2)
    ]
    return pd.DataFrame(rows)


def test_previous_model_is_the_latest_before_this_as_of_date():
    rows = history(
        ("v1", "2025-10-01", "2025-10-02 08:00"),
        ("v2", "2025-11-01", "2025-11-02 08:00"),
        ("v2b", "2025-11-01", "2025-11-03 08:00"),
        ("v3", "2025-12-01", "2025-12-02 08:00"),
    )
    chosen = previous_model(rows, "2025-12-01")
    assert set(chosen["model_version"]) == {"v2b"}
    assert len(chosen) == 2


def test_no_previous_model_for_the_first_or_an_earlier_date():
    rows = history(("v1", "2025-10-01", "2025-10-02 08:00"))
    assert previous_model(rows, "2025-10-01") is None
    assert previous_model(rows, "2025-09-01") is None
    assert previous_model(None, "2025-10-01") is None


def test_config_from_rendered_vars_and_window():
    window = pd.DataFrame({"as_of_date": [dt.date(2025, 12, 31)]})
    config = segmentation_config(
        {
            "segment_features": "recency_days, order_count, net_revenue",
            "segment_k": "None",
            "segment_k_max": 8,
            "segment_algorithm": "gmm",
        },
        window,
    )
    assert config.features == ("recency_days", "order_count", "net_revenue")
    assert config.forced_k is None and config.k_max == 8 and config.algorithm == "gmm"
    assert config.as_of_date == "2025-12-31"


def test_config_rejects_a_bad_var_by_name():
    with pytest.raises(SegmentationInputError, match="segment_algorithm"):
        segmentation_config({"segment_algorithm": "dbscan"})
