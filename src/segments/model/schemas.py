"""Column names, dtypes and sort keys of every table the segmentation writes.

One schema per library table. The dbt Python models write them under these names:

    transforms            -> segment_transforms
    k_selection           -> segment_k_selection
    centroids             -> segment_model_history (joined with transforms, see HISTORY_COLUMNS)
    segments              -> segment_definitions
    validation            -> segment_validation
    pca                   -> segment_pca_projection
    pca_loadings          -> segment_pca_loadings
    training_assignments  -> no model: SQL scores every customer (customer_segment_scores);
                             the tests compare it with this table

``finish_table`` is the last step of every ``build_*``: same columns, dtypes, rounding and
row order on every run, so reruns on the same inputs write byte-identical tables.
"""

from __future__ import annotations

import pandas as pd

from segments.model.prepare import round_significant

STRING = "string"
SCHEMAS: dict[str, dict[str, str]] = {
    "k_selection": {
        "model_version": STRING,
        "k": "int64",
        "inertia": "float64",
        "silhouette": "float64",
        "davies_bouldin": "float64",
        "calinski_harabasz": "float64",
        "smallest_segment_share": "float64",
        "mean_rank": "float64",
        "is_elbow": "bool",
        "is_chosen": "bool",
        "fitted_smallest_segment_share": "float64",
        "selection_reason": STRING,
    },
    "transforms": {
        "model_version": STRING,
        "feature_name": STRING,
        "feature_position": "int64",
        "clip_lower": "float64",
        "fill_value": "float64",
        "center": "float64",
        "scale": "float64",
        "log_transform": "bool",
    },
    "centroids": {
        "model_version": STRING,
        "segment_id": "int64",
        "feature_name": STRING,
        "centroid_value": "float64",
        "variance": "float64",
        "weight": "float64",
    },
    "segments": {
        "model_version": STRING,
        "segment_id": "int64",
        "persona_id": STRING,
        "segment_name": STRING,
        "description": STRING,
        "recommended_campaign": STRING,
        "stability_class": STRING,
        "training_customers": "int64",
        "match_score": "float64",
        "stability_jaccard": "float64",
    },
    "validation": {
        "model_version": STRING,
        "metric_name": STRING,
        "metric_value": "float64",
    },
    "pca": {
        "model_version": STRING,
        "customer_id": STRING,
        "segment_id": "int64",
        "pc1": "float64",
        "pc2": "float64",
    },
    "pca_loadings": {
        "model_version": STRING,
        "feature_name": STRING,
        "feature_position": "int64",
        "pc1_loading": "float64",
        "pc2_loading": "float64",
    },
    "training_assignments": {
        "model_version": STRING,
        "customer_id": STRING,
        "segment_id": "int64",
    },
}
SORT_KEYS: dict[str, list[str]] = {
    "k_selection": ["k"],
    "transforms": ["feature_position"],
    "centroids": ["segment_id", "feature_name"],
    "segments": ["segment_id"],
    "validation": ["metric_name"],
    "pca": ["customer_id"],
    "pca_loadings": ["feature_position"],
    "training_assignments": ["customer_id"],
}

CENTROID_COLUMNS = tuple(SCHEMAS["centroids"])
TRANSFORM_COLUMNS = tuple(SCHEMAS["transforms"])
#: segment_model_history: one row per model version, segment and feature: the centroid, the
#: feature's transform, and which algorithm, as_of_date and time trained it.
HISTORY_COLUMNS = (
    *CENTROID_COLUMNS,
    *(name for name in TRANSFORM_COLUMNS if name not in CENTROID_COLUMNS),
    "algorithm",
    "as_of_date",
    "trained_at",
)


def empty_table(name: str) -> pd.DataFrame:
    """A zero-row table with the right columns and dtypes."""
    return pd.DataFrame({column: pd.Series(dtype=dtype) for column, dtype in SCHEMAS[name].items()})


def finish_table(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Select, cast, round floats to 10 significant digits, sort by key, reset the index."""
    schema = SCHEMAS[name]
    frame = frame[list(schema)].copy()
    for column, dtype in schema.items():
        if dtype == "float64":
            frame[column] = round_significant(frame[column].astype("float64").to_numpy())
        elif dtype == STRING:
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    frame = frame.astype(schema)
    return frame.sort_values(SORT_KEYS[name], kind="mergesort").reset_index(drop=True)
