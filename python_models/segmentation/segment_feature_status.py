"""One row per requested clustering feature (var segment_features): used, or dropped and why
(absent, all null, constant). The build log, the report and the naming read the same facts."""

from segments.dbt_bridge import segmentation_config, to_pandas
from segments.model.prepare import feature_status


def model(dbt, session):
    dbt.config(materialized="table")
    config = segmentation_config(
        dbt.config.meta_get("segmentation_vars"), to_pandas(dbt.ref("int_analysis_window"))
    )
    return feature_status(to_pandas(dbt.ref("int_segment_training_sample")), config.features)
