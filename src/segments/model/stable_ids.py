"""Stable segment ids across retrains: the same group of customers keeps the same id.

New segments are matched to the previous model's segments by Hungarian assignment on the
Euclidean distance between centroids (on the features both models share), after the
previous centroids have been restated in the new model's standardized space.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from segments.model.errors import SegmentationInputError

logger = logging.getLogger(__name__)

CENTROID_KEY_COLUMNS = ["segment_id", "feature_name", "centroid_value"]


def _check_one_model(centroids_long: pd.DataFrame) -> None:
    """Centroids must have the key columns and come from a single model version."""
    missing = [c for c in CENTROID_KEY_COLUMNS if c not in centroids_long.columns]
    if missing:
        raise SegmentationInputError(f"Centroids lack column(s) {missing}.")
    if "model_version" in centroids_long.columns:
        versions = centroids_long["model_version"].dropna().unique()
        if len(versions) > 1:
            raise SegmentationInputError(
                f"Previous centroids hold {len(versions)} model versions; pass only the "
                "latest model's rows."
            )


def centroids_wide(centroids_long: pd.DataFrame) -> pd.DataFrame:
    """Long centroids (segment_id, feature_name, centroid_value) -> segment_id x feature."""
    _check_one_model(centroids_long)
    wide = centroids_long.pivot_table(
        index="segment_id", columns="feature_name", values="centroid_value", aggfunc="first"
    )
    wide.index = wide.index.astype("int64")
    wide.columns = [str(c) for c in wide.columns]
    return wide.sort_index()


def _params_by_feature(params: pd.DataFrame, centroids_long: pd.DataFrame | None) -> pd.DataFrame:
    """Transform params indexed by feature, restricted to the centroids' model version."""
    if (
        centroids_long is not None
        and "model_version" in params.columns
        and "model_version" in centroids_long.columns
    ):
        versions = set(centroids_long["model_version"].dropna().unique())
        if versions:
            params = params[params["model_version"].isin(versions)]
    return params.drop_duplicates("feature_name").set_index("feature_name")


def restate_centroids(
    centroids_long: pd.DataFrame, old_params: pd.DataFrame, new_params: pd.DataFrame
) -> pd.DataFrame:
    """Express centroids from an old model's standardized space in a new model's space.

    Undo the old transform (z * scale + center, then expm1 when logged) to get raw units,
    then apply the new one (clip, log1p, standardize). Features missing from either model are
    dropped. Returns long ``segment_id``, ``feature_name``, ``centroid_value``.
    """
    _check_one_model(centroids_long)
    old = _params_by_feature(old_params, centroids_long)
    new = _params_by_feature(new_params, None)
    rows = centroids_long[centroids_long["feature_name"].isin(old.index.intersection(new.index))]
    before = old.loc[rows["feature_name"]]
    after = new.loc[rows["feature_name"]]
    raw = rows["centroid_value"].to_numpy("float64") * before["scale"].to_numpy("float64") + before[
        "center"
    ].to_numpy("float64")
    raw = np.where(before["log_transform"].to_numpy(bool), np.expm1(raw), raw)
    clip = after["clip_lower"].to_numpy("float64")
    raw = np.where(np.isnan(clip), raw, np.maximum(raw, np.nan_to_num(clip)))
    value = np.where(after["log_transform"].to_numpy(bool), np.log1p(raw), raw)
    value = (value - after["center"].to_numpy("float64")) / after["scale"].to_numpy("float64")
    restated = pd.DataFrame(
        {
            "segment_id": rows["segment_id"].to_numpy("int64"),
            "feature_name": rows["feature_name"].astype(str).to_numpy(),
            "centroid_value": value,
        }
    )
    return restated.sort_values(["segment_id", "feature_name"], kind="mergesort").reset_index(
        drop=True
    )


def match_segments(
    new_centroids: pd.DataFrame | np.ndarray,
    previous: pd.DataFrame | None,
    feature_names: Sequence[str] | None = None,
) -> np.ndarray:
    """Segment id for each new segment (rows of ``new_centroids``, canonical order).

    ``new_centroids`` is segment x feature (a DataFrame with feature columns, or an array with
    ``feature_names``); ``previous`` is the previous model's long centroids in the same space
    (see ``restate_centroids``). Matched segments inherit the previous id; unmatched new
    segments get max(previous id) + 1, + 2, ... in canonical order; unmatched previous ids
    disappear. Without a previous model the ids are 1..k.
    """
    if isinstance(new_centroids, pd.DataFrame):
        feature_names = [str(c) for c in new_centroids.columns]
        values = new_centroids.to_numpy("float64")
    else:
        values = np.asarray(new_centroids, dtype="float64")
    k = values.shape[0]
    if previous is None or len(previous) == 0:
        return np.arange(1, k + 1, dtype="int64")
    if feature_names is None:
        raise SegmentationInputError("match_segments needs feature_names for an array input.")
    old = centroids_wide(previous).dropna(axis=1)
    next_id = int(old.index.max()) + 1
    shared = [name for name in feature_names if name in old.columns]
    if not shared:
        logger.warning("No feature shared with the previous model: all segments get new ids")
        return np.arange(next_id, next_id + k, dtype="int64")
    new_values = values[:, [list(feature_names).index(name) for name in shared]]
    old_values = old[shared].to_numpy("float64")
    cost = np.sqrt(((new_values[:, None, :] - old_values[None, :, :]) ** 2).sum(axis=2))
    rows, cols = linear_sum_assignment(cost)
    ids = np.zeros(k, dtype="int64")
    ids[rows] = old.index.to_numpy("int64")[cols]
    unmatched = np.setdiff1d(np.arange(k), rows)  # sorted: canonical order
    ids[unmatched] = np.arange(next_id, next_id + len(unmatched))
    logger.info(
        "Matched %d of %d segments to the previous model on %d shared features",
        len(rows),
        k,
        len(shared),
    )
    return ids
