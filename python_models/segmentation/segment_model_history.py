"""Every model ever fitted: one row per model version, segment and feature, with the
centroid and the feature's transform. Incremental: a new as_of_date appends a model whose
segment ids are matched to the previous model's; a rerun replaces its own version.
full_refresh=False: `dbt build --full-refresh` keeps the history (it is the memory that keeps
segment ids stable); to start over on purpose, drop the table."""

from segments.dbt_bridge import (
    existing_rows,
    model_history_rows,
    previous_model,
    segmentation_config,
    to_pandas,
)


def model(dbt, session):
    # incremental_strategy and partition_by: _segmentation__models.yml (per adapter).
    dbt.config(materialized="incremental", unique_key="model_version", full_refresh=False)
    config = segmentation_config(
        dbt.config.meta_get("segmentation_vars"), to_pandas(dbt.ref("int_analysis_window"))
    )
    return model_history_rows(
        to_pandas(dbt.ref("int_segment_training_sample")),
        to_pandas(dbt.ref("segment_transforms")),
        to_pandas(dbt.ref("segment_k_selection")),
        config,
        previous_model(existing_rows(dbt, session), config.as_of_date),
    )
