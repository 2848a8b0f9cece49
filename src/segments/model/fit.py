"""Fitting the segments (K-Means or diagonal Gaussian mixture) and the reference scorer.

Segments come back in a canonical order (largest first, then by centroid coordinates), so
the order never depends on scikit-learn's arbitrary label numbering. ``assign_segments`` is
the numpy twin of the SQL scoring: nearest centroid for K-Means, highest diagonal-Gaussian
log density for the mixture.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_limits

from segments.model.errors import SegmentationInputError

logger = logging.getLogger(__name__)

ALGORITHMS = ("kmeans", "gmm")


def single_threaded() -> threadpool_limits:
    """Context that runs scikit-learn's OpenMP loops on one thread.

    K-Means adds per-thread partial sums in whatever order the threads finish, so with
    several threads the last bits of a centroid (and, rarely, the iteration count) vary from
    run to run. One thread makes reruns bit-identical; the data here are small enough.
    """
    return threadpool_limits(limits=1, user_api="openmp")


@dataclass(frozen=True, eq=False)
class FitResult:
    """A fitted segmentation in canonical segment order (row i of every array is segment i).

    ``labels`` index segments 0..k-1; ``variances`` are ones for K-Means and the diagonal
    covariances for the mixture; ``weights`` are cluster shares (K-Means) or mixture
    weights; ``probabilities`` (n x k) exist for the mixture only.
    """

    labels: np.ndarray
    centroids: np.ndarray
    variances: np.ndarray
    weights: np.ndarray
    probabilities: np.ndarray | None
    algorithm: str

    @property
    def k(self) -> int:
        """Number of segments."""
        return int(self.centroids.shape[0])


def check_fit_inputs(X: np.ndarray, k: int, algorithm: str = "kmeans") -> None:
    """Raise a readable error when k segments cannot be fitted on X."""
    if algorithm not in ALGORITHMS:
        raise SegmentationInputError(
            f"Unknown algorithm '{algorithm}'; var 'segment_algorithm' must be one of {ALGORITHMS}."
        )
    n = len(X)
    if not 2 <= k <= n - 1:
        raise SegmentationInputError(
            f"Cannot fit k={k} segments on {n} customers: k must be between 2 and "
            f"n_customers - 1. Change the var 'segment_k' (or 'segment_k_max') or add customers."
        )
    if not np.isfinite(X).all():
        raise SegmentationInputError("The feature matrix has NaN or infinite values.")
    distinct = len(np.unique(np.round(X, 12), axis=0))
    if distinct < k:
        raise SegmentationInputError(
            f"Only {distinct} distinct feature profiles among {n} customers; cannot form k={k} "
            "segments. Lower 'segment_k' or add features that separate customers."
        )


def _canonical_order(centroids: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Segment order: larger first, ties broken by rounded coordinates (first feature first)."""
    rounded = np.round(centroids, 6)
    keys = [rounded[:, j] for j in range(rounded.shape[1] - 1, -1, -1)]
    return np.lexsort([*keys, -np.round(sizes, 9)])


def _run_kmeans(X, k, random_state, n_init, init_centroids) -> KMeans:
    init = "k-means++" if init_centroids is None else init_centroids
    model = KMeans(
        n_clusters=k,
        init=init,
        n_init=n_init if init_centroids is None else 1,
        random_state=random_state,
    )
    with single_threaded(), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(X)
    for warning in caught:
        logger.warning("K-Means: %s", warning.message)
    return model


def _run_gmm(X, k, random_state, n_init, init_centroids) -> GaussianMixture:
    model = GaussianMixture(
        n_components=k,
        covariance_type="diag",
        n_init=n_init if init_centroids is None else 1,
        means_init=init_centroids,
        random_state=random_state,
        max_iter=300,
    )
    with single_threaded(), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(X)
    for warning in caught:
        logger.warning("Gaussian mixture: %s", warning.message)
    return model


def fit_segments(
    X: np.ndarray,
    k: int,
    algorithm: str = "kmeans",
    random_state: int = 42,
    n_init: int = 10,
    init_centroids: np.ndarray | None = None,
) -> FitResult:
    """Fit k segments on the standardized matrix X and return them in canonical order.

    K-Means uses k-means++ with ``n_init`` restarts; ``init_centroids`` (the previous model's
    centroids restated in this space) warm-starts a single run when its shape is (k, p).
    ``gmm`` fits a diagonal-covariance Gaussian mixture so SQL can score memberships.
    """
    X = np.asarray(X, dtype="float64")
    check_fit_inputs(X, k, algorithm)
    if init_centroids is not None:
        init_centroids = np.asarray(init_centroids, dtype="float64")
        if init_centroids.shape != (k, X.shape[1]) or not np.isfinite(init_centroids).all():
            logger.info(
                "Warm start ignored: previous centroids have shape %s, need (%d, %d)",
                init_centroids.shape,
                k,
                X.shape[1],
            )
            init_centroids = None
    try:
        if algorithm == "kmeans":
            model = _run_kmeans(X, k, random_state, n_init, init_centroids)
            labels = model.labels_.astype("int64")
            centroids = model.cluster_centers_
            sizes = np.bincount(labels, minlength=k).astype("float64")
            weights = sizes / len(X)
            variances = np.ones_like(centroids)
            probabilities = None
        else:
            model = _run_gmm(X, k, random_state, n_init, init_centroids)
            probabilities = model.predict_proba(X)
            labels = np.argmax(probabilities, axis=1).astype("int64")
            centroids = model.means_
            variances = model.covariances_
            weights = model.weights_
            sizes = weights
    except (ValueError, np.linalg.LinAlgError) as exc:
        raise SegmentationInputError(
            f"Fitting {k} segments with {algorithm} failed: {exc}"
        ) from exc
    order = _canonical_order(centroids, sizes)
    relabel = np.empty(k, dtype="int64")
    relabel[order] = np.arange(k)
    return FitResult(
        labels=relabel[labels],
        centroids=np.ascontiguousarray(centroids[order]),
        variances=np.ascontiguousarray(variances[order]),
        weights=np.asarray(weights)[order],
        probabilities=None if probabilities is None else probabilities[:, order],
        algorithm=algorithm,
    )


def gaussian_log_density(
    X: np.ndarray, centroids: np.ndarray, variances: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    """log(weight_k) + log N(x | mean_k, diag(var_k)) for every row and segment (n x k).

    SQL form per segment: ln(weight) - 0.5 * sum_j( ln(2 pi var_j) + (z_j - mean_j)^2 / var_j ).
    """
    X = np.asarray(X, dtype="float64")
    columns = [
        np.log(weight) - 0.5 * np.sum(np.log(2 * np.pi * var) + (X - mean) ** 2 / var, axis=1)
        for mean, var, weight in zip(centroids, variances, weights, strict=True)
    ]
    return np.column_stack(columns)


def membership_probabilities(
    X: np.ndarray, centroids: np.ndarray, variances: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    """Posterior segment probabilities of the diagonal mixture (rows sum to 1)."""
    log_density = gaussian_log_density(X, centroids, variances, weights)
    log_density -= log_density.max(axis=1, keepdims=True)
    density = np.exp(log_density)
    return density / density.sum(axis=1, keepdims=True)


def assign_segments(
    X: np.ndarray,
    centroids: np.ndarray,
    variances: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    algorithm: str = "kmeans",
) -> np.ndarray:
    """Score customers against stored segments, as the SQL does (ties go to the lower index).

    K-Means: nearest centroid by squared Euclidean distance. GMM: highest log density.
    """
    X = np.asarray(X, dtype="float64")
    centroids = np.asarray(centroids, dtype="float64")
    if algorithm == "gmm":
        if variances is None or weights is None:
            raise SegmentationInputError("GMM scoring needs variances and weights.")
        scores = gaussian_log_density(X, centroids, np.asarray(variances), np.asarray(weights))
        return np.argmax(scores, axis=1).astype("int64")
    # One segment at a time keeps memory at n x p whatever k is.
    distances = np.column_stack([np.sum((X - mean) ** 2, axis=1) for mean in centroids])
    return np.argmin(distances, axis=1).astype("int64")
