"""One row per segment of the current model: persona name, description, campaign, size and
bootstrap stability."""

from segments.dbt_bridge import current_centroids, segmentation_config
from segments.model.pipeline import build_segments


def model(dbt, session):
    dbt.config(materialized="table")
    config = segmentation_config(
        dbt.config.meta_get("segmentation_vars"), dbt.ref("int_analysis_window")
    )
    return build_segments(
        dbt.ref("int_segment_training_sample"),
        dbt.ref("segment_transforms"),
        current_centroids(dbt.ref("segment_model_current")),
        config,
        personas=dbt.ref("segment_personas"),
    )
