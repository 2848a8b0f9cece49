"""Feature selection and the transform (impute, clip, log, scale) that SQL can replay exactly.

The transform is stored as one row per feature so that the warehouse scores customers with

    z = (ln(1 + greatest(coalesce(x, fill_value), clip_lower)) - center) / scale

(without ``ln(1 + ...)`` when ``log_transform`` is false, without ``greatest`` when
``clip_lower`` is null). ``fit_transform`` returns the matrix computed with that very formula
from the stored (rounded) parameters, so training and SQL scoring see the same numbers.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from segments import registry
from segments.model.errors import SegmentationInputError

logger = logging.getLogger(__name__)

CUSTOMER_ID = "customer_id"

#: The default clustering features and the log-scale ones, from the feature registry
#: (seeds/segment_features.csv: is_default, log_transform); see segments.registry.
DEFAULT_FEATURES: list[str] = registry.default_features()

#: Counts, durations and money: right-skewed, so they are modelled on the log1p scale.
LOG_FEATURES: frozenset[str] = registry.log_features()

#: Log features are clipped at 0 before log1p. Only money can legitimately be negative
#: (returns exceeding purchases); for counts the clip is a guard that keeps ln(1 + x) defined.
LOG_CLIP_LOWER = 0.0

SCALINGS = ("standard", "minmax")

PARAM_COLUMNS = [
    "feature_name",
    "feature_position",
    "log_transform",
    "clip_lower",
    "fill_value",
    "center",
    "scale",
]

#: Stored parameters are rounded to this many significant digits (byte-identical reruns).
SIGNIFICANT_DIGITS = 10


def round_significant(values: np.ndarray | pd.Series, digits: int = SIGNIFICANT_DIGITS):
    """Round floats to ``digits`` significant digits, exactly as their decimal text would be.

    Keeps NaN and infinities. Used on every float that leaves the library, so that two runs
    on two machines write the same bytes even if the last bits of a sum differ.
    """
    if isinstance(values, pd.Series):
        return pd.Series(
            round_significant(values.to_numpy(dtype="float64"), digits),
            index=values.index,
            name=values.name,
        )
    array = np.asarray(values, dtype="float64")
    flat = [float(f"{value:.{digits}g}") for value in array.ravel().tolist()]
    return np.array(flat, dtype="float64").reshape(array.shape)


def _as_float(series: pd.Series, name: str) -> pd.Series:
    """Coerce a feature column to float64 (nullable ints, decimals, bools) or say which failed."""
    try:
        return pd.to_numeric(series, errors="raise").astype("float64")
    except (TypeError, ValueError) as exc:
        raise SegmentationInputError(
            f"Feature column '{name}' is not numeric (dtype {series.dtype}); "
            "segmentation features must be numbers in real units."
        ) from exc


def select_features(df: pd.DataFrame, requested: Sequence[str]) -> tuple[list[str], dict[str, str]]:
    """Keep the requested features that can inform a clustering; say why the others were dropped.

    A feature is dropped when it is absent from the input, entirely null, or constant (one
    distinct value: it cannot separate anyone). Fewer than two usable features is an error.
    """
    kept: list[str] = []
    dropped: dict[str, str] = {}
    for name in dict.fromkeys(requested):  # de-duplicate, keep order
        if name == CUSTOMER_ID:
            continue
        if name not in df.columns:
            reason = "absent from the input"
        else:
            values = _as_float(df[name], name)
            _check_finite(values.fillna(0.0).to_numpy().reshape(-1, 1), df, [name], "in the input")
            finite = values.dropna()
            if finite.empty:
                reason = "all values null"
            elif finite.nunique() < 2:
                reason = f"constant (every customer has {finite.iloc[0]:g})"
            else:
                kept.append(name)
                continue
        dropped[name] = reason
        logger.info("Dropping feature %s: %s", name, reason)
    if len(kept) < 2:
        details = "; ".join(f"{name}: {reason}" for name, reason in dropped.items()) or "none"
        raise SegmentationInputError(
            f"Only {len(kept)} usable feature(s) ({', '.join(kept) or 'none'}) out of "
            f"{len(dict.fromkeys(requested))} requested; at least 2 are needed. "
            f"Dropped: {details}. Check the var 'segment_features' and the feature model."
        )
    return kept, dropped


def _check_finite(
    matrix: np.ndarray, df: pd.DataFrame, features: Sequence[str], stage: str
) -> None:
    """Raise naming the first column (and some customers) with NaN or infinite values."""
    bad = ~np.isfinite(matrix)
    if not bad.any():
        return
    column = int(np.argmax(bad.any(axis=0)))
    rows = np.flatnonzero(bad[:, column])
    if CUSTOMER_ID in df.columns:
        examples = ", ".join(str(v) for v in df[CUSTOMER_ID].iloc[rows[:3]].tolist())
        where = f" (e.g. customer_id {examples})"
    else:
        where = ""
    raise SegmentationInputError(
        f"Feature '{features[column]}' has {len(rows)} NaN or infinite value(s) {stage}{where}; "
        "fix the feature values upstream (infinite ratios usually mean a division by zero)."
    )


def _fit_one(raw: np.ndarray, name: str, position: int, scaling: str) -> dict:
    """Learn the imputation, clip, log flag and scaling for one feature column."""
    fill_value = float(np.nanmedian(raw)) if np.isfinite(raw).any() else np.nan
    if not np.isfinite(fill_value):
        raise SegmentationInputError(f"Feature '{name}' is entirely null; it cannot be used.")
    log_transform = name in LOG_FEATURES
    clip_lower = LOG_CLIP_LOWER if log_transform else np.nan
    params = {
        "feature_name": name,
        "feature_position": position,
        "log_transform": log_transform,
        "clip_lower": clip_lower,
        "fill_value": round_significant(np.array([fill_value]))[0],
        "center": 0.0,
        "scale": 1.0,
    }
    transformed = _apply_one(raw, params)
    if scaling == "standard":
        center, scale = float(np.mean(transformed)), float(np.std(transformed))
    else:
        center = float(np.min(transformed))
        scale = float(np.max(transformed)) - center
    if not (np.isfinite(scale) and scale > 0):
        logger.warning("Feature %s is constant after transform; scale set to 1", name)
        scale = 1.0
    params["center"] = round_significant(np.array([center]))[0]
    params["scale"] = round_significant(np.array([scale]))[0]
    return params


def _apply_one(raw: np.ndarray, params: dict | pd.Series) -> np.ndarray:
    """The SQL formula for one column: coalesce, clip, optional ln(1 + x), then scale."""
    values = np.where(np.isnan(raw), float(params["fill_value"]), raw)
    clip_lower = float(params["clip_lower"])
    if not np.isnan(clip_lower):
        values = np.maximum(values, clip_lower)
    if bool(params["log_transform"]):
        values = np.log1p(values)
    return (values - float(params["center"])) / float(params["scale"])


def fit_transform(
    df: pd.DataFrame, features: Sequence[str], scaling: str = "standard"
) -> tuple[np.ndarray, pd.DataFrame]:
    """Learn the per-feature transform on the training customers and return (X, params).

    Nulls are imputed with the training median (raw units), log features are clipped at 0
    and log1p-transformed, then everything is standardized (``standard``: mean/std) or
    rescaled to [0, 1] (``minmax``). X is recomputed from the rounded stored params.
    """
    if scaling not in SCALINGS:
        raise SegmentationInputError(
            f"Unknown scaling '{scaling}'; var 'segment_scaling' must be one of {SCALINGS}."
        )
    if len(df) == 0:
        raise SegmentationInputError("Cannot fit a transform on 0 customers.")
    missing = [name for name in features if name not in df.columns]
    if missing:
        raise SegmentationInputError(f"Feature column(s) missing from the input: {missing}.")
    raw = np.column_stack([_as_float(df[name], name).to_numpy() for name in features])
    # Infinities are caught before the median so the message names the real problem.
    _check_finite(np.where(np.isnan(raw), 0.0, raw), df, features, "in the input")
    rows = [
        _fit_one(raw[:, position], name, position, scaling)
        for position, name in enumerate(features)
    ]
    params = pd.DataFrame(rows, columns=PARAM_COLUMNS).astype(
        {
            "feature_name": "string",
            "feature_position": "int64",
            "log_transform": "bool",
            "clip_lower": "float64",
            "fill_value": "float64",
            "center": "float64",
            "scale": "float64",
        }
    )
    return apply_transform(df, params), params


def apply_transform(df: pd.DataFrame, params: pd.DataFrame) -> np.ndarray:
    """Apply stored transform params to customers; columns follow ``feature_position``.

    This is the reference implementation of the SQL scoring formula (see module docstring).
    """
    missing_params = [c for c in PARAM_COLUMNS if c not in params.columns]
    if missing_params:
        raise SegmentationInputError(f"Transform params lack column(s) {missing_params}.")
    ordered = params.sort_values("feature_position", kind="mergesort")
    features = ordered["feature_name"].astype(str).tolist()
    missing = [name for name in features if name not in df.columns]
    if missing:
        raise SegmentationInputError(
            f"Feature column(s) {missing} are in the stored transform but not in the input."
        )
    if (ordered["scale"].astype("float64") <= 0).any():
        raise SegmentationInputError("Transform params have a non-positive scale.")
    columns = [
        _apply_one(_as_float(df[row.feature_name], row.feature_name).to_numpy(), row._asdict())
        for row in ordered.itertuples(index=False)
    ]
    matrix = np.column_stack(columns) if columns else np.empty((len(df), 0))
    _check_finite(matrix, df, features, "after the transform")
    return matrix


FEATURE_STATUS_COLUMNS = {
    "feature_name": "string",
    "reason": "string",
    "requested_position": "int64",
    "is_used": "bool",
}


def feature_status(df: pd.DataFrame, requested: Sequence[str]) -> pd.DataFrame:
    """One row per requested feature: used for clustering, or dropped and why.

    The same decision as ``select_features`` (absent, all null, constant); reasons are
    null for used features. Empty input (as in ``dbt build --empty``) gives every requested
    feature as unused, reason "no active customers".
    """
    names = [name for name in dict.fromkeys(requested) if name != CUSTOMER_ID]
    if len(df) == 0:
        kept, dropped = [], dict.fromkeys(names, "no active customers")
    else:
        try:
            kept, dropped = select_features(df, names)
        except SegmentationInputError:
            kept, dropped = _classify(df, names)
    frame = pd.DataFrame(
        {
            "feature_name": names,
            "reason": [dropped.get(name) for name in names],
            "requested_position": range(len(names)),
            "is_used": [name in kept for name in names],
        }
    )
    return frame.astype(FEATURE_STATUS_COLUMNS)


def _classify(df: pd.DataFrame, names: Sequence[str]) -> tuple[list[str], dict[str, str]]:
    """select_features' decision without its 'fewer than two' error (the status table must
    still say why, when the fit itself fails on it)."""
    kept, dropped = [], {}
    for name in names:
        if name not in df.columns:
            dropped[name] = "absent from the input"
            continue
        finite = pd.to_numeric(df[name], errors="coerce").dropna()
        if finite.empty:
            dropped[name] = "all values null"
        elif finite.nunique() < 2:
            dropped[name] = f"constant (every customer has {finite.iloc[0]:g})"
        else:
            kept.append(name)
    return kept, dropped
