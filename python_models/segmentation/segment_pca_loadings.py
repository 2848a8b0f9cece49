"""One row per model feature: its weight in the two axes of the customer map
(segment_pca_projection), so the report can say what each axis measures."""

from segments.dbt_bridge import current_centroids, segmentation_config, to_pandas
from segments.model.build import build_pca_loadings


def model(dbt, session):
    dbt.config(materialized="table")
    config = segmentation_config(
        dbt.config.meta_get("segmentation_vars"), to_pandas(dbt.ref("int_analysis_window"))
    )
    transforms = to_pandas(dbt.ref("segment_transforms"))
    return build_pca_loadings(
        to_pandas(dbt.ref("int_segment_training_sample")),
        transforms,
        current_centroids(to_pandas(dbt.ref("segment_model_history")), transforms),
        config,
    )
