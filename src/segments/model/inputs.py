"""What every ``build_*`` starts from: checked inputs, and a fitted model read back from its
tables.

``builds`` is the preamble all of them share (pandas frames only, the default config, empty
input -> empty table, customers checked and sorted by id); ``load_model`` reads the model
back from ``transforms`` + ``centroids`` and assigns the training customers.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from segments.model.config import SegmentationConfig
from segments.model.errors import SegmentationInputError
from segments.model.fit import assign_segments
from segments.model.prepare import CUSTOMER_ID, apply_transform
from segments.model.schemas import empty_table
from segments.model.stable_ids import centroids_wide
from segments.model.versioning import single_version


def sorted_customers(features: pd.DataFrame, config: SegmentationConfig) -> pd.DataFrame:
    """Validate customer ids and sort by them (fits must not depend on the row order)."""
    if CUSTOMER_ID not in features.columns:
        raise SegmentationInputError(
            f"The feature table has no '{CUSTOMER_ID}' column (columns: {list(features.columns)})."
        )
    ids = features[CUSTOMER_ID]
    if ids.isna().any():
        raise SegmentationInputError(
            f"{int(ids.isna().sum())} customer(s) have a null customer_id."
        )
    frame = features.copy()
    frame[CUSTOMER_ID] = ids.astype(str)
    duplicated = frame[CUSTOMER_ID].duplicated(keep=False)
    if duplicated.any():
        examples = sorted(frame.loc[duplicated, CUSTOMER_ID].unique().tolist())[:3]
        raise SegmentationInputError(
            f"customer_id is not unique ({int(duplicated.sum())} rows share an id, e.g. "
            f"{examples}); the feature table must have one row per customer."
        )
    n, (smallest_k, var) = len(frame), config.smallest_k()
    if n < smallest_k + 1:
        raise SegmentationInputError(
            f"Only {n} eligible customers, but fitting k >= {smallest_k} segments needs at "
            f"least {smallest_k + 1}. Lower the var '{var}' or widen the customer selection."
        )
    return frame.sort_values(CUSTOMER_ID, kind="mergesort").reset_index(drop=True)


def builds(table: str) -> Callable[[Callable[..., pd.DataFrame]], Callable[..., pd.DataFrame]]:
    """Decorator for the ``build_*`` function of ``table``: the preamble they all share.

    Every argument but ``config`` must be a pandas DataFrame or None (convert what
    ``dbt.ref`` gives with ``segments.dbt_bridge.to_pandas``). ``config`` defaults to
    ``SegmentationConfig()``. When a required frame (a parameter without a default) is None
    or has no rows, as in ``dbt build --empty``, the result is the empty typed table.
    Otherwise ``features`` reaches the function checked and sorted by ``sorted_customers``.
    """

    def decorate(build: Callable[..., pd.DataFrame]) -> Callable[..., pd.DataFrame]:
        signature = inspect.signature(build)
        required = [
            name
            for name, parameter in signature.parameters.items()
            if parameter.default is inspect.Parameter.empty
        ]

        @functools.wraps(build)
        def wrapper(*args, **kwargs) -> pd.DataFrame:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            values = bound.arguments
            for name, value in values.items():
                if name != "config" and not (value is None or isinstance(value, pd.DataFrame)):
                    raise TypeError(
                        f"{build.__name__}: '{name}' must be a pandas DataFrame, got "
                        f"{type(value).__name__} (convert dbt.ref() results with "
                        "segments.dbt_bridge.to_pandas)."
                    )
            if values["config"] is None:
                values["config"] = SegmentationConfig()
            if any(values[name] is None or len(values[name]) == 0 for name in required):
                return empty_table(table)
            values["features"] = sorted_customers(values["features"], values["config"])
            return build(**values)

        return wrapper

    return decorate


@dataclass(frozen=True, eq=False)
class FittedModel:
    """A fitted model read back from its tables, with the training matrix."""

    version: str
    frame: pd.DataFrame  # the training customers, sorted by id
    X: np.ndarray
    features: list[str]
    segment_ids: np.ndarray
    centroids: np.ndarray
    variances: np.ndarray
    weights: np.ndarray
    labels: np.ndarray  # positions into segment_ids


def load_model(
    features: pd.DataFrame,
    transforms: pd.DataFrame,
    centroids: pd.DataFrame,
    config: SegmentationConfig,
) -> FittedModel:
    """The model of ``transforms`` + ``centroids`` (one version), with every customer of
    ``features`` (already sorted) standardized and assigned, as the SQL scorer does."""
    version = single_version(transforms, "The transforms table")
    if single_version(centroids, "The centroids table") != version:
        raise SegmentationInputError(
            "The centroids and transforms tables come from different model versions; "
            "rebuild them together."
        )
    X = apply_transform(features, transforms)
    names = transforms.sort_values("feature_position")["feature_name"].astype(str).tolist()
    wide = centroids_wide(centroids)
    segment_ids = wide.index.to_numpy("int64")
    by_segment = centroids.drop_duplicates("segment_id").set_index("segment_id")
    variances = centroids.pivot_table(
        index="segment_id", columns="feature_name", values="variance", aggfunc="first"
    )
    matrix = wide[names].to_numpy("float64")
    variance = variances.loc[segment_ids, names].to_numpy("float64")
    weights = by_segment.loc[segment_ids, "weight"].to_numpy("float64")
    labels = assign_segments(X, matrix, variance, weights, config.algorithm)
    return FittedModel(version, features, X, names, segment_ids, matrix, variance, weights, labels)
