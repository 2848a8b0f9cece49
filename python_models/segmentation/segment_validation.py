"""One row per quality metric of the current model (silhouette, Davies-Bouldin, agreement with
Ward clustering, PCA explained variance, segment sizes)."""

from segments.dbt_bridge import current_centroids, segmentation_config, to_pandas
from segments.model.build import build_validation


def model(dbt, session):
    dbt.config(materialized="table")
    config = segmentation_config(
        dbt.config.meta_get("segmentation_vars"), to_pandas(dbt.ref("int_analysis_window"))
    )
    transforms = to_pandas(dbt.ref("segment_transforms"))
    return build_validation(
        to_pandas(dbt.ref("int_segment_training_sample")),
        transforms,
        current_centroids(to_pandas(dbt.ref("segment_model_history")), transforms),
        config,
    )
