"""What the dbt Python models share: their config from vars, and reading refs as frames.

Kept out of the model files so they stay a few lines: read refs, call the library, return a
frame. Nothing here does maths.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from segments.model.pipeline import SCHEMAS, SegmentationConfig, as_frame, build_centroids

CENTROID_COLUMNS = tuple(SCHEMAS["centroids"])
TRANSFORM_COLUMNS = tuple(SCHEMAS["transforms"])
#: segment_model_history: the centroids, the transform of each feature, and when/what.
HISTORY_COLUMNS = (
    *CENTROID_COLUMNS,
    *(name for name in TRANSFORM_COLUMNS if name not in CENTROID_COLUMNS),
    "algorithm",
    "as_of_date",
    "trained_at",
)


def segmentation_config(
    segmentation_vars: Mapping[str, Any] | None, analysis_window: Any = None
) -> SegmentationConfig:
    """The run's SegmentationConfig: the vars rendered into the model's meta (dbt passes a
    Python model only the config keys its own file names, hence the argument), plus the
    as_of_date of the analysis window, so model versions follow the data's date."""
    values = dict(segmentation_vars or {})
    window = as_frame(analysis_window)
    if window is not None and len(window):
        values["as_of_date"] = str(window["as_of_date"].iloc[0])
    return SegmentationConfig.from_vars(values)


def previous_model(history: pd.DataFrame | None, as_of_date: str | None) -> pd.DataFrame | None:
    """Rows of the latest model trained for an as_of_date before this one (None if none).

    The history holds one row per model version, segment and feature; a rerun for the same
    as_of_date is replaced, not matched against itself, so reruns stay byte-identical.
    """
    if history is None or history.empty or as_of_date is None:
        return None
    dates = pd.to_datetime(history["as_of_date"]).dt.date.astype(str)
    earlier = history[dates < as_of_date]
    if earlier.empty:
        return None
    latest = earlier.sort_values(["as_of_date", "trained_at", "model_version"]).iloc[-1]
    return earlier[earlier["model_version"] == latest["model_version"]]


def model_history_rows(
    training: Any,
    transforms: Any,
    k_selection: Any,
    config: SegmentationConfig,
    previous: pd.DataFrame | None,
) -> pd.DataFrame:
    """Fit this run's centroids (ids matched to `previous`) and denormalize them with the
    transforms into history rows: one per segment and feature."""
    transforms = as_frame(transforms)
    previous_centroids = previous_params = None
    if previous is not None:
        previous_centroids = previous[list(CENTROID_COLUMNS)]
        previous_params = previous[list(TRANSFORM_COLUMNS)].drop_duplicates("feature_name")
    centroids = build_centroids(
        training, transforms, k_selection, config, previous_centroids, previous_params
    )
    rows = centroids.merge(
        transforms.drop(columns="model_version"), on="feature_name", validate="many_to_one"
    )
    rows.insert(1, "as_of_date", pd.Series(config.as_of_date, index=rows.index, dtype="string"))
    rows["as_of_date"] = pd.to_datetime(rows["as_of_date"]).dt.date
    rows["algorithm"] = pd.Series(config.algorithm, index=rows.index, dtype="string")
    rows["trained_at"] = pd.Timestamp.now(tz="UTC").tz_localize(None).floor("s")
    return rows[list(HISTORY_COLUMNS)].sort_values(["segment_id", "feature_position"])


def current_centroids(model_rows: Any) -> pd.DataFrame:
    """The centroids table of the current model, from segment_model_current's rows."""
    frame = as_frame(model_rows)
    return frame[list(CENTROID_COLUMNS)].sort_values(["segment_id", "feature_name"])
