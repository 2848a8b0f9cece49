"""The maths of the segmentation: one function per table, pandas frames in, one table out.

    build_transforms      features                         -> transforms
    build_k_selection     features, transforms             -> k_selection
    build_centroids       features, transforms, k_selection (+ the previous model) -> centroids
    build_segments        features, transforms, centroids (+ personas)             -> segments
    build_validation      features, transforms, centroids  -> validation
    build_pca             features, transforms, centroids  -> pca
    build_pca_loadings    features, transforms, centroids  -> pca_loadings
    build_training_assignments  features, transforms, centroids -> training_assignments

``segments.model.schemas`` says which dbt model stores each table; ``segments.model.run``
runs them all in one call. Each function starts with the shared preamble of
``segments.model.inputs.builds`` and ends with ``finish_table``; none reads or writes
anything but its arguments.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

from segments.model.config import SegmentationConfig
from segments.model.errors import SegmentationInputError
from segments.model.fit import FitResult, fit_segments, membership_probabilities
from segments.model.inputs import FittedModel, builds, load_model
from segments.model.naming import name_segments
from segments.model.prepare import CUSTOMER_ID, apply_transform, fit_transform, select_features
from segments.model.schemas import STRING, finish_table
from segments.model.selection import (
    choose_k_with_reason,
    mark_choice,
    settle_k,
    sweep_k,
    validate_k,
)
from segments.model.stable_ids import centroids_wide, match_segments, restate_centroids
from segments.model.validation import (
    bootstrap_stability,
    explained_variance_ratio,
    pca_loadings,
    pca_projection,
    sample_indices,
    ward_agreement,
)
from segments.model.versioning import model_version_of, single_version

logger = logging.getLogger(__name__)


def transforms_and_dropped(
    features: pd.DataFrame, config: SegmentationConfig
) -> tuple[pd.DataFrame, dict[str, str]]:
    """The transforms table of sorted ``features``, and the requested features dropped
    (name -> why)."""
    kept, dropped = select_features(features, config.features)
    _, params = fit_transform(features, kept, config.scaling)
    params.insert(0, "model_version", model_version_of(features, config))
    return finish_table(params, "transforms"), dropped


@builds("transforms")
def build_transforms(
    features: pd.DataFrame, config: SegmentationConfig | None = None
) -> pd.DataFrame:
    """Table ``transforms``: one row per kept feature with the parameters SQL needs to
    compute z (see ``segments.model.prepare``), and the ``model_version`` of this run."""
    return transforms_and_dropped(features, config)[0]


@builds("k_selection")
def build_k_selection(
    features: pd.DataFrame, transforms: pd.DataFrame, config: SegmentationConfig | None = None
) -> pd.DataFrame:
    """Table ``k_selection``: metrics of every k tried, the elbow and the chosen k, checked
    on the final fit (``selection.settle_k``): the smallest segment share of every k fitted
    on the whole training sample, and the reason for the choice."""
    X = apply_transform(features, transforms)
    if config.forced_k is not None:
        validate_k(config.forced_k, len(features), "segment_k")
    k_values = set(range(config.k_min, config.k_max + 1))
    if config.forced_k is not None:
        k_values.add(config.forced_k)
    # The sweep only ranks the k: a bounded sub-sample and fewer restarts keep it to seconds
    # at any size; the chosen k is then fitted on the whole training sample (build_centroids).
    metrics = sweep_k(
        X,
        sorted(k_values),
        random_state=config.random_state,
        n_init=config.sweep_n_init,
        silhouette_sample_size=config.silhouette_sample_size,
        sample_size=config.sweep_sample_size,
    )
    chosen, reason = choose_k_with_reason(
        metrics, config.forced_k, config.min_chosen_k, config.min_segment_share
    )
    # The sweep's quick fits can miss a handful of extreme customers that the final fit
    # isolates: check the chosen k on the final fit (cold start, as build_centroids fits it
    # without a previous model) and step down while a segment is too small.
    chosen, fitted_shares, reason = settle_k(
        metrics,
        chosen,
        reason,
        lambda k: smallest_share(cold_fit(X, k, config)),
        forced=config.forced_k is not None,
        min_k=config.min_chosen_k,
        min_share=config.min_segment_share,
    )
    table = mark_choice(
        metrics,
        chosen,
        config.min_chosen_k,
        config.min_segment_share,
        fitted_shares=fitted_shares,
        reason=reason,
    )
    table.insert(0, "model_version", single_version(transforms, "The transforms table"))
    return finish_table(table, "k_selection")


def cold_fit(X: np.ndarray, k: int, config: SegmentationConfig) -> FitResult:
    """The final fit of k segments without a previous model: every training customer,
    ``segment_n_init`` restarts, the fixed seed."""
    return fit_segments(X, k, config.algorithm, config.random_state, config.n_init)


def smallest_share(fit: FitResult) -> float:
    """Share of the training customers in the fit's smallest segment."""
    return float(np.bincount(fit.labels, minlength=fit.k).min() / len(fit.labels))


def chosen_k(k_selection: pd.DataFrame) -> int:
    """The k flagged ``is_chosen`` in a k_selection table."""
    chosen = k_selection.loc[k_selection["is_chosen"].astype(bool), "k"]
    if len(chosen) != 1:
        raise SegmentationInputError(
            f"k_selection must flag exactly one chosen k, found {len(chosen)}."
        )
    return int(chosen.iloc[0])


def _restated_previous(
    previous_centroids: pd.DataFrame | None,
    previous_params: pd.DataFrame | None,
    transforms: pd.DataFrame,
) -> pd.DataFrame | None:
    """Previous centroids in the new standardized space (None when there is no previous)."""
    if previous_centroids is None or previous_centroids.empty:
        return None
    if previous_params is None or previous_params.empty:
        logger.warning(
            "Previous centroids without their transform params: matching them as they are"
        )
        return previous_centroids
    return restate_centroids(previous_centroids, previous_params, transforms)


@builds("centroids")
def build_centroids(
    features: pd.DataFrame,
    transforms: pd.DataFrame,
    k_selection: pd.DataFrame,
    config: SegmentationConfig | None = None,
    previous_centroids: pd.DataFrame | None = None,
    previous_params: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Table ``centroids``: one row per segment and feature (standardized units), with the
    GMM variance (1 for K-Means) and the segment weight. Segment ids are stable: matched to
    the previous model when one is given (its centroids and its transforms table), whose
    centroids also seed the fit when ``config.warm_start`` (var segment_warm_start)."""
    X = apply_transform(features, transforms)
    names = transforms.sort_values("feature_position")["feature_name"].astype(str).tolist()
    k = validate_k(chosen_k(k_selection), len(features), "segment_k")
    previous = _restated_previous(previous_centroids, previous_params, transforms)
    init = None
    if previous is not None and config.warm_start:
        wide = centroids_wide(previous)
        if len(wide) == k and set(names) <= set(wide.columns):
            init = wide[names].to_numpy("float64")
            logger.info("Warm start from the previous model's %d centroids", k)
    fit = fit_segments(X, k, config.algorithm, config.random_state, config.n_init, init)
    if init is not None and _warm_fit_too_small(fit, k_selection, config):
        logger.info(
            "The warm-started fit leaves a segment of %.1f%% of the customers (below %.1f%%): "
            "fitting from scratch, as segment_k_selection checked it",
            100 * smallest_share(fit),
            100 * config.min_segment_share,
        )
        fit = cold_fit(X, k, config)
    ids = match_segments(pd.DataFrame(fit.centroids, columns=names), previous)
    table = pd.DataFrame(
        {
            "segment_id": np.repeat(ids, len(names)),
            "feature_name": np.tile(names, k),
            "centroid_value": fit.centroids.ravel(),
            "variance": fit.variances.ravel(),
            "weight": np.repeat(fit.weights, len(names)),
        }
    )
    table.insert(0, "model_version", single_version(transforms, "The transforms table"))
    return finish_table(table, "centroids")


def _warm_fit_too_small(
    fit: FitResult, k_selection: pd.DataFrame, config: SegmentationConfig
) -> bool:
    """True when a warm-started fit has a segment below segment_min_segment_share while the
    cold fit that segment_k_selection checked for this k does not."""
    if config.forced_k is not None or smallest_share(fit) >= config.min_segment_share - 1e-12:
        return False
    if "fitted_smallest_segment_share" not in k_selection.columns:
        return False
    checked = k_selection.loc[
        k_selection["is_chosen"].astype(bool), "fitted_smallest_segment_share"
    ].astype("float64")
    return bool(checked.notna().all() and (checked >= config.min_segment_share - 1e-12).all())


def _profile_z(model: FittedModel) -> pd.DataFrame:
    """Centroids as z-scores against all training customers (right for any scaling)."""
    mean, std = model.X.mean(axis=0), model.X.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return pd.DataFrame(
        (model.centroids - mean) / std, index=model.segment_ids, columns=model.features
    )


@builds("segments")
def build_segments(
    features: pd.DataFrame,
    transforms: pd.DataFrame,
    centroids: pd.DataFrame,
    config: SegmentationConfig | None = None,
    personas: pd.DataFrame | None = None,
    feature_registry: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Table ``segments``: one row per segment with its name, persona (when it scores at
    least ``config.match_threshold``), campaign, size and bootstrap stability (Hennig's
    class)."""
    model = load_model(features, transforms, centroids, config)
    k = len(model.segment_ids)
    named = name_segments(
        _profile_z(model), personas, config.match_threshold, features=feature_registry
    )
    counts = np.bincount(model.labels, minlength=k)
    if config.n_boot > 0:
        stability = bootstrap_stability(
            model.X,
            model.labels,
            k,
            n_boot=config.n_boot,
            sample_size=config.validation_sample_size,
            random_state=config.random_state,
            algorithm=config.algorithm,
            n_init=config.n_init,
        )
        jaccard = stability["mean_jaccard"].to_numpy()
        classes = stability["stability_class"].tolist()
    else:
        jaccard, classes = np.full(k, np.nan), [None] * k
    facts = pd.DataFrame(
        {
            "segment_id": model.segment_ids,
            "training_customers": counts,
            "stability_jaccard": jaccard,
            "stability_class": pd.Series(classes, dtype=STRING),
        }
    )
    table = named.merge(facts, on="segment_id", how="left", validate="one_to_one")
    table.insert(0, "model_version", model.version)
    return finish_table(table, "segments")


@builds("validation")
def build_validation(
    features: pd.DataFrame,
    transforms: pd.DataFrame,
    centroids: pd.DataFrame,
    config: SegmentationConfig | None = None,
) -> pd.DataFrame:
    """Table ``validation``: one row per metric of the final model (quality of the
    partition, agreement with Ward, PCA explained variance, sizes)."""
    model = load_model(features, transforms, centroids, config)
    X, labels, k = model.X, model.labels, len(model.segment_ids)
    n_labels = len(np.unique(labels))
    sample = sample_indices(len(X), config.silhouette_sample_size, config.random_state)
    well_defined = 2 <= n_labels <= len(X) - 1 and len(np.unique(labels[sample])) >= 2
    explained = explained_variance_ratio(X)
    metrics = {
        "n_customers": len(X),
        "n_features": X.shape[1],
        "k": k,
        "inertia": float(np.sum((X - model.centroids[labels]) ** 2)),
        "silhouette": silhouette_score(X[sample], labels[sample]) if well_defined else np.nan,
        "davies_bouldin": davies_bouldin_score(X, labels) if n_labels >= 2 else np.nan,
        "calinski_harabasz": calinski_harabasz_score(X, labels) if n_labels >= 2 else np.nan,
        "ward_adjusted_rand_index": ward_agreement(
            X, labels, k, config.validation_sample_size, config.random_state
        ),
        "pca_explained_variance_pc1": explained[0],
        "pca_explained_variance_pc2": explained[1],
        "smallest_segment_share": np.bincount(labels, minlength=k).min() / len(X),
        "largest_segment_share": np.bincount(labels, minlength=k).max() / len(X),
    }
    if config.algorithm == "gmm":
        probabilities = membership_probabilities(X, model.centroids, model.variances, model.weights)
        metrics["mean_max_membership_probability"] = float(probabilities.max(axis=1).mean())
    table = pd.DataFrame(
        {"metric_name": list(metrics), "metric_value": [float(v) for v in metrics.values()]}
    )
    table.insert(0, "model_version", model.version)
    return finish_table(table, "validation")


@builds("pca")
def build_pca(
    features: pd.DataFrame,
    transforms: pd.DataFrame,
    centroids: pd.DataFrame,
    config: SegmentationConfig | None = None,
) -> pd.DataFrame:
    """Table ``pca``: a fixed sample of customers on the first two principal components."""
    model = load_model(features, transforms, centroids, config)
    points, _ = pca_projection(
        model.X, model.labels, config.validation_sample_size, config.random_state
    )
    table = pd.DataFrame(
        {
            "model_version": model.version,
            "customer_id": model.frame[CUSTOMER_ID].to_numpy()[points["row_index"]],
            "segment_id": model.segment_ids[points["segment_index"]],
            "pc1": points["pc1"],
            "pc2": points["pc2"],
        }
    )
    return finish_table(table, "pca")


@builds("pca_loadings")
def build_pca_loadings(
    features: pd.DataFrame,
    transforms: pd.DataFrame,
    centroids: pd.DataFrame,
    config: SegmentationConfig | None = None,
) -> pd.DataFrame:
    """Table ``pca_loadings``: one row per model feature, its weight in the first two
    principal components of the customer map (the same fit as ``build_pca``), so the report
    can say what each axis measures."""
    model = load_model(features, transforms, centroids, config)
    weights = pca_loadings(model.X)
    table = pd.DataFrame(
        {
            "model_version": model.version,
            "feature_name": model.features,
            "feature_position": np.arange(len(model.features), dtype="int64"),
            "pc1_loading": weights[0],
            "pc2_loading": weights[1],
        }
    )
    return finish_table(table, "pca_loadings")


@builds("training_assignments")
def build_training_assignments(
    features: pd.DataFrame,
    transforms: pd.DataFrame,
    centroids: pd.DataFrame,
    config: SegmentationConfig | None = None,
) -> pd.DataFrame:
    """Table ``training_assignments``: each training customer's segment, assigned exactly as
    the SQL scorer does (nearest stored centroid, or highest GMM density). No dbt model
    stores it: it is the library's side of the check that SQL scoring matches."""
    model = load_model(features, transforms, centroids, config)
    table = pd.DataFrame(
        {
            "model_version": model.version,
            "customer_id": model.frame[CUSTOMER_ID],
            "segment_id": model.segment_ids[model.labels],
        }
    )
    return finish_table(table, "training_assignments")
