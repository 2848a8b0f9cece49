"""One row per quality metric of the current model (silhouette, Davies-Bouldin, agreement with
Ward clustering, PCA explained variance, segment sizes)."""

from segments.dbt_bridge import current_centroids, segmentation_config
from segments.model.pipeline import build_validation


def model(dbt, session):
    dbt.config(materialized="table")
    config = segmentation_config(
        dbt.config.meta_get("segmentation_vars"), dbt.ref("int_analysis_window")
    )
    return build_validation(
        dbt.ref("int_segment_training_sample"),
        dbt.ref("segment_transforms"),
        current_centroids(dbt.ref("segment_model_current")),
        config,
    )
