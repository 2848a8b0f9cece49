{#
    One row per segment and clustering feature of the model fitted in this
    run: the segment's centroid (standardized units; GMM variance, 1 for
    K-Means; segment weight) and the feature's transform (log1p, clip,
    fill, centre, scale) that SQL scoring replays. Picked from
    segment_model_history by the version of this run's segment_transforms.
#}
with

segment_model_history as (

    select * from {{ ref('segment_model_history') }}

),

segment_transforms as (

    select * from {{ ref('segment_transforms') }}

),

current_version as (

    select distinct model_version
    from segment_transforms

),

final as (

    select
        {{ dbt.concat([
            "segment_model_history.model_version", "'|'",
            "cast(segment_model_history.segment_id as " ~ dbt.type_string()
            ~ ")", "'|'", "segment_model_history.feature_name",
        ]) }} as model_segment_feature_id,
        segment_model_history.model_version,
        segment_model_history.algorithm,
        segment_model_history.feature_name,
        segment_model_history.segment_id,
        segment_model_history.feature_position,
        segment_model_history.centroid_value,
        segment_model_history.variance,
        segment_model_history.weight,
        segment_model_history.clip_lower,
        segment_model_history.fill_value,
        segment_model_history.center,
        segment_model_history.scale,
        segment_model_history.log_transform,
        segment_model_history.as_of_date
    from segment_model_history
    inner join current_version
        on segment_model_history.model_version = current_version.model_version

)

select * from final
