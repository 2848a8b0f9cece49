"""One row per clustering feature: the transform SQL replays to score customers."""

from segments.dbt_bridge import segmentation_config, to_pandas
from segments.model.build import build_transforms


def model(dbt, session):
    dbt.config(materialized="table")
    config = segmentation_config(
        dbt.config.meta_get("segmentation_vars"), to_pandas(dbt.ref("int_analysis_window"))
    )
    return build_transforms(to_pandas(dbt.ref("int_segment_training_sample")), config)
