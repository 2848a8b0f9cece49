"""One row per k tried: inertia, silhouette, Davies-Bouldin, Calinski-Harabasz, the chosen k."""

from segments.dbt_bridge import segmentation_config, to_pandas
from segments.model.build import build_k_selection


def model(dbt, session):
    dbt.config(materialized="table")
    config = segmentation_config(
        dbt.config.meta_get("segmentation_vars"), to_pandas(dbt.ref("int_analysis_window"))
    )
    return build_k_selection(
        to_pandas(dbt.ref("int_segment_training_sample")),
        to_pandas(dbt.ref("segment_transforms")),
        config,
    )
