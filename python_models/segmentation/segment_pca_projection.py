"""A fixed sample of training customers on the first two principal components, for plots."""

from segments.dbt_bridge import current_centroids, segmentation_config, to_pandas
from segments.model.build import build_pca


def model(dbt, session):
    dbt.config(materialized="table")
    config = segmentation_config(
        dbt.config.meta_get("segmentation_vars"), to_pandas(dbt.ref("int_analysis_window"))
    )
    transforms = to_pandas(dbt.ref("segment_transforms"))
    return build_pca(
        to_pandas(dbt.ref("int_segment_training_sample")),
        transforms,
        current_centroids(to_pandas(dbt.ref("segment_model_history")), transforms),
        config,
    )
