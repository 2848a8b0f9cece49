"""One row per k tried: inertia, silhouette, Davies-Bouldin, Calinski-Harabasz, the chosen k."""

from segments.dbt_bridge import segmentation_config
from segments.model.pipeline import build_k_selection


def model(dbt, session):
    dbt.config(materialized="table")
    config = segmentation_config(
        dbt.config.meta_get("segmentation_vars"), dbt.ref("int_analysis_window")
    )
    return build_k_selection(
        dbt.ref("int_segment_training_sample"), dbt.ref("segment_transforms"), config
    )
