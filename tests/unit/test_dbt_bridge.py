"""The glue between dbt Python models and the library: refs as pandas, config from meta,
the current and the previous model picked from segment_model_history."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jinja2
import pandas as pd
import pytest
import yaml

from segments.dbt_bridge import (
    current_centroids,
    decode_meta_vars,
    existing_rows,
    previous_model,
    segmentation_config,
    to_pandas,
)
from segments.model.config import SegmentationConfig
from segments.model.errors import SegmentationInputError
from segments.model.schemas import CENTROID_COLUMNS

ROOT = Path(__file__).resolve().parents[2]


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
            "segment_features": '["recency_days", "order_count", "net_revenue"]',
            "segment_k": "null",
            "segment_k_max": "8",
            "segment_algorithm": '"gmm"',
        },
        window,
    )
    assert config.features == ("recency_days", "order_count", "net_revenue")
    assert config.forced_k is None and config.k_max == 8 and config.algorithm == "gmm"
    assert config.as_of_date == "2025-12-31"


def test_config_rejects_a_bad_var_by_name():
    with pytest.raises(SegmentationInputError, match="segment_algorithm"):
        segmentation_config({"segment_algorithm": '"dbscan"'})
    with pytest.raises(SegmentationInputError, match=r"var 'segment_k' is not JSON.*tojson"):
        segmentation_config({"segment_k": "None"})


def test_meta_rendered_from_the_project_vars_gives_the_project_config():
    """Render the yml's meta as dbt does (var() of dbt_project.yml, tojson), decode it."""
    project_vars = yaml.safe_load((ROOT / "dbt_project.yml").read_text())["vars"]
    models = ROOT / "python_models" / "segmentation" / "_segmentation__models.yml"
    meta = yaml.safe_load(models.read_text())["x-segmentation-config"]["meta"]
    environment = jinja2.Environment()
    rendered = {
        name: environment.from_string(template).render(
            var=project_vars.__getitem__, tojson=json.dumps
        )
        for name, template in meta["segmentation_vars"].items()
    }
    assert rendered["segment_features"].startswith('["recency_days", ')
    assert rendered["segment_k"] == "null" and rendered["segment_warm_start"] == "true"
    decoded = decode_meta_vars(rendered)
    assert decoded["segment_match_threshold"] == 0.25
    assert segmentation_config(rendered) == SegmentationConfig.from_vars(project_vars)


class FakeRelation:
    """What dbt.ref gives on DuckDB (.df()). Spark DataFrames: tests/spark/test_spark_bridge.py
    (real pyspark, run by the Spark leg)."""

    def __init__(self, frame: pd.DataFrame, method: str) -> None:
        setattr(self, method, lambda: frame)


def test_to_pandas_reads_duckdb_and_spark_relations():
    frame = pd.DataFrame({"a": [1, 2]})
    assert to_pandas(FakeRelation(frame, "df")) is frame
    assert to_pandas(frame) is frame and to_pandas(None) is None
    duckdb = pytest.importorskip("duckdb")
    pd.testing.assert_frame_equal(to_pandas(duckdb.connect().from_df(frame)), frame)
    with pytest.raises(TypeError, match="Cannot read a list"):
        to_pandas([1, 2])


def test_existing_rows_only_when_incremental():
    class Dbt:
        this = '"main"."segment_model_history"'

        def __init__(self, is_incremental: bool) -> None:
            self.is_incremental = is_incremental

    class Session:
        def sql(self, query: str):
            return FakeRelation(pd.DataFrame({"query": [query]}), "df")

    assert existing_rows(Dbt(False), Session()) is None
    rows = existing_rows(Dbt(True), Session())
    assert rows["query"].item() == 'select * from "main"."segment_model_history"'


def centroid_rows(version: str, segments: int, as_of: str) -> list[dict]:
    return [
        {
            "model_version": version,
            "segment_id": segment,
            "feature_name": feature,
            "centroid_value": float(segment),
            "variance": 1.0,
            "weight": 1.0 / segments,
            "as_of_date": dt.date.fromisoformat(as_of),
        }
        for segment in range(segments, 0, -1)
        for feature in ("order_count", "net_revenue")
    ]


def test_current_centroids_are_the_rows_of_this_runs_version():
    history = pd.DataFrame(
        centroid_rows("old", 4, "2025-10-01") + centroid_rows("new", 3, "2025-11-01")
    )
    transforms = pd.DataFrame({"model_version": ["new", "new"], "feature_name": ["a", "b"]})
    current = current_centroids(history, transforms)
    assert list(current.columns) == list(CENTROID_COLUMNS)
    assert set(current["model_version"]) == {"new"}
    assert current["segment_id"].tolist() == [1, 1, 2, 2, 3, 3]
    assert current["feature_name"].tolist()[:2] == ["net_revenue", "order_count"]


def test_current_centroids_empty_or_missing_version():
    history = pd.DataFrame(centroid_rows("old", 2, "2025-10-01"))
    no_transforms = pd.DataFrame({"model_version": pd.Series(dtype=str)})
    assert current_centroids(history, no_transforms).empty
    assert current_centroids(history.iloc[0:0], no_transforms).empty
    other = pd.DataFrame({"model_version": ["v9"]})
    with pytest.raises(SegmentationInputError, match="no rows of model_version v9"):
        current_centroids(history, other)
