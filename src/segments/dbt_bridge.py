"""The dbt plumbing of the Python models: refs as pandas, the config from meta, the history.

Kept out of the model files so they stay a few lines (read refs, call the library, return
a frame) and out of ``segments.model`` so the maths only ever sees pandas frames.

The models that read the current model (definitions, validation, PCA projection and
loadings) repeat the same four ``dbt.ref`` calls on purpose: dbt finds a Python model's
dependencies by reading ``dbt.ref("...")`` calls in the model file itself, so a helper that
made the calls here would hide them from the DAG.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pandas as pd

from segments.model.build import build_centroids
from segments.model.config import SegmentationConfig
from segments.model.errors import SegmentationInputError
from segments.model.schemas import CENTROID_COLUMNS, HISTORY_COLUMNS, TRANSFORM_COLUMNS
from segments.model.versioning import single_version


def to_pandas(relation: Any) -> pd.DataFrame | None:
    """A pandas frame from what ``dbt.ref`` / ``session.sql`` give: a DuckDB relation
    (``.df()``) or a Spark DataFrame (``.toPandas()``); a pandas frame or None as it is."""
    if relation is None or isinstance(relation, pd.DataFrame):
        return relation
    if callable(getattr(relation, "toPandas", None)):
        return _spark_to_pandas(relation)
    if callable(getattr(relation, "df", None)):
        return relation.df()
    raise TypeError(f"Cannot read a {type(relation).__name__} as a pandas DataFrame.")


def _spark_to_pandas(frame: Any) -> pd.DataFrame:
    """A Spark DataFrame as DuckDB's ``.df()`` gives it: DECIMAL columns (money and ratios
    on Spark) as float64 rather than Python Decimal objects; cast in Spark, before collecting."""
    columns = [
        f"cast(`{name}` as double) as `{name}`" if dtype.startswith("decimal") else f"`{name}`"
        for name, dtype in frame.dtypes
    ]
    return frame.selectExpr(*columns).toPandas()


def decode_meta_vars(meta_vars: Mapping[str, Any] | None) -> dict[str, Any]:
    """The segmentation vars as ``var()`` returned them, from the JSON text the models' meta
    holds (python_models/segmentation/_segmentation__models.yml renders each with tojson)."""
    decoded = {}
    for name, text in (meta_vars or {}).items():
        try:
            decoded[name] = json.loads(text)
        except (TypeError, json.JSONDecodeError) as exc:
            raise SegmentationInputError(
                f"The meta value of var '{name}' is not JSON ({text!r}); render it in "
                f"_segmentation__models.yml as \"{{{{ tojson(var('{name}')) }}}}\"."
            ) from exc
    return decoded


def segmentation_config(
    meta_vars: Mapping[str, Any] | None, analysis_window: pd.DataFrame | None = None
) -> SegmentationConfig:
    """The run's SegmentationConfig: the vars rendered into the model's meta (dbt passes a
    Python model only what its config holds, hence the meta), plus the resolved as_of_date
    of the analysis window, so model versions follow the data's date."""
    values = decode_meta_vars(meta_vars)
    if analysis_window is not None and len(analysis_window):
        values["as_of_date"] = str(analysis_window["as_of_date"].iloc[0])
    return SegmentationConfig.from_vars(values)


def existing_rows(dbt: Any, session: Any) -> pd.DataFrame | None:
    """What an incremental model holds before this run (None on its first build)."""
    if not dbt.is_incremental:
        return None
    return to_pandas(session.sql(f"select * from {dbt.this}"))


def current_centroids(history: pd.DataFrame, transforms: pd.DataFrame) -> pd.DataFrame:
    """The centroids table of this run's model: the rows of ``segment_model_history`` whose
    model_version is the one of ``segment_transforms``. Empty when either is empty."""
    if history.empty or transforms.empty:
        return history.loc[[], list(CENTROID_COLUMNS)]
    version = single_version(transforms, "segment_transforms")
    current = history.loc[history["model_version"] == version, list(CENTROID_COLUMNS)]
    if current.empty:
        raise SegmentationInputError(
            f"segment_model_history has no rows of model_version {version} "
            "(the version of segment_transforms); build segment_model_history first."
        )
    return current.sort_values(["segment_id", "feature_name"]).reset_index(drop=True)


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
    training: pd.DataFrame,
    transforms: pd.DataFrame,
    k_selection: pd.DataFrame,
    config: SegmentationConfig,
    previous: pd.DataFrame | None,
) -> pd.DataFrame:
    """Fit this run's centroids (ids matched to ``previous``) and denormalize them with the
    transforms into segment_model_history rows: one per segment and feature."""
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
