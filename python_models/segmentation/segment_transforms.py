"""One row per clustering feature: the transform SQL replays to score customers."""

from segments.dbt_bridge import segmentation_config
from segments.model.pipeline import build_transforms


def model(dbt, session):
    dbt.config(materialized="table")
    config = segmentation_config(
        dbt.config.meta_get("segmentation_vars"), dbt.ref("int_analysis_window")
    )
    return build_transforms(dbt.ref("int_segment_training_sample"), config)
