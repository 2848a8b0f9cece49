"""A fixed sample of training customers on the first two principal components, for plots."""

from segments.dbt_bridge import current_centroids, segmentation_config
from segments.model.pipeline import build_pca


def model(dbt, session):
    dbt.config(materialized="table")
    config = segmentation_config(
        dbt.config.meta_get("segmentation_vars"), dbt.ref("int_analysis_window")
    )
    return build_pca(
        dbt.ref("int_segment_training_sample"),
        dbt.ref("segment_transforms"),
        current_centroids(dbt.ref("segment_model_current")),
        config,
    )
