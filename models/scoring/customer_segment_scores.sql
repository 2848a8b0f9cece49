{#
    One row per active customer: the segment of the current model, scored
    in SQL so it scales with the warehouse, not with Python. Each feature is
    transformed with the stored parameters (log1p of counts and money,
    clip, fill, centre, scale), then every customer is compared with every
    segment: K-Means assigns the nearest centroid; a Gaussian mixture the
    segment of highest posterior (diagonal covariance), with membership
    probabilities. distance_to_centroid and margin_to_second_segment are in
    standardized units, rounded so reruns are byte-identical.
#}
with

customer_features as (

    select * from {{ ref('int_customer_features') }}

),

segment_model as (

    select * from {{ ref('segment_model_current') }}

),

features_long as (

    {%- for feature in validated_var('segment_features') %}
    select
        customer_id,
        '{{ feature }}' as feature_name,
        cast({{ feature }} as {{ type_double() }}) as feature_value
    from customer_features
    where is_active
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

transforms as (

    select distinct
        model_version,
        algorithm,
        feature_name,
        clip_lower,
        fill_value,
        center,
        scale,
        log_transform
    from segment_model

),

standardized as (

    select
        features_long.customer_id,
        transforms.feature_name,
        (
            case
                when transforms.log_transform
                    then ln(1 + greatest(
                        coalesce(
                            features_long.feature_value, transforms.fill_value
                        ),
                        coalesce(transforms.clip_lower, -1e300)
                    ))
                else coalesce(
                    features_long.feature_value, transforms.fill_value
                )
            end - transforms.center
        ) / transforms.scale as feature_z
    from features_long
    inner join transforms
        on features_long.feature_name = transforms.feature_name

),

segment_fit as (

    select
        standardized.customer_id,
        segment_model.segment_id,
        segment_model.model_version,
        segment_model.algorithm,
        sum(power(standardized.feature_z - segment_model.centroid_value, 2))
            as squared_distance,
        ln(max(segment_model.weight)) - 0.5 * sum(
            ln(2 * pi() * segment_model.variance)
            + power(standardized.feature_z - segment_model.centroid_value, 2)
            / segment_model.variance
        ) as log_density
    from standardized
    inner join segment_model
        on standardized.feature_name = segment_model.feature_name
    group by 1, 2, 3, 4

),

ranked as (

    select
        customer_id,
        segment_id,
        model_version,
        algorithm,
        squared_distance,
        log_density,
        row_number() over (
            partition by customer_id
            order by
                case
                    when algorithm = 'gmm' then -log_density
                    else squared_distance
                end,
                segment_id
        ) as fit_rank,
        exp(
            log_density - max(log_density) over (partition by customer_id)
        ) as relative_density
    from segment_fit

),

posterior as (

    select
        *,
        relative_density
        / sum(relative_density) over (partition by customer_id)
            as membership_probability
    from ranked

),

final as (

    select
        best.customer_id,
        best.model_version,
        cast(best.segment_id as integer) as segment_id,
        cast(second_best.segment_id as integer) as second_segment_id,
        round(sqrt(best.squared_distance), 6) as distance_to_centroid,
        round(
            sqrt(second_best.squared_distance) - sqrt(best.squared_distance), 6
        ) as margin_to_second_segment,
        case
            when best.algorithm = 'gmm'
                then round(best.membership_probability, 6)
        end as membership_probability
    from posterior as best
    left join posterior as second_best
        on
            best.customer_id = second_best.customer_id
            and second_best.fit_rank = 2
    where best.fit_rank = 1

)

select * from final
