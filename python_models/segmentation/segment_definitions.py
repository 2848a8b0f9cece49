"""One row per segment of the current model: persona name, description, campaign, size and
bootstrap stability."""

from segments.dbt_bridge import current_centroids, segmentation_config, to_pandas
from segments.model.build import build_segments


def model(dbt, session):
    dbt.config(materialized="table")
    config = segmentation_config(
        dbt.config.meta_get("segmentation_vars"), to_pandas(dbt.ref("int_analysis_window"))
    )
    transforms = to_pandas(dbt.ref("segment_transforms"))
    return build_segments(
        to_pandas(dbt.ref("int_segment_training_sample")),
        transforms,
        current_centroids(to_pandas(dbt.ref("segment_model_history")), transforms),
        config,
        personas=to_pandas(dbt.ref("segment_personas")),
        feature_registry=to_pandas(dbt.ref("segment_features")),
    )
