"""Checks that the segments are real structure, each bounded in cost by a fixed sample size.

* ``ward_agreement``: adjusted Rand index between the segments and an independent Ward
  hierarchical clustering of the same customers (different method, same answer?).
* ``bootstrap_stability``: Hennig's (2007) cluster-wise stability, the mean over bootstrap
  refits of the best Jaccard overlap each segment finds.
* ``pca_projection``: a 2-D picture of the segments for the report, and ``pca_loadings``:
  what its two axes measure.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from sklearn.cluster import AgglomerativeClustering
from sklearn.decomposition import PCA
from sklearn.metrics import adjusted_rand_score

from segments.model.errors import SegmentationInputError
from segments.model.fit import fit_segments

logger = logging.getLogger(__name__)

#: Hennig (2007) reading of the mean bootstrap Jaccard, best first: (lower bound, class).
STABILITY_CLASSES: list[tuple[float, str]] = [
    (0.75, "stable"),
    (0.6, "measuring a pattern"),
    (0.5, "pattern, but unstable"),
]
DISSOLVED = "dissolved"
#: A segment whose best Jaccard in one bootstrap run is at most this has dissolved there.
DISSOLVED_JACCARD = 0.5


def stability_class(mean_jaccard: float) -> str | None:
    """Hennig's class for a mean Jaccard: stable >= 0.75 > measuring a pattern >= 0.6 >
    pattern, but unstable > 0.5 >= dissolved. None when it was not measured (NaN)."""
    if mean_jaccard is None or np.isnan(mean_jaccard):
        return None
    if mean_jaccard <= DISSOLVED_JACCARD:
        return DISSOLVED
    for lower, name in STABILITY_CLASSES:
        if mean_jaccard >= lower:
            return name
    return STABILITY_CLASSES[-1][1]


def sample_indices(n: int, sample_size: int, random_state: int = 42) -> np.ndarray:
    """Sorted row positions of a fixed random sample (all rows when n <= sample_size)."""
    if n <= sample_size:
        return np.arange(n)
    rng = np.random.default_rng(random_state)
    return np.sort(rng.choice(n, size=sample_size, replace=False))


def ward_agreement(
    X: np.ndarray,
    labels: np.ndarray,
    k: int,
    sample_size: int = 5000,
    random_state: int = 42,
) -> float:
    """Adjusted Rand index between the segment labels and Ward clustering on a sample.

    1 means Ward finds exactly the same partition, ~0 means no more agreement than chance.
    Ward is quadratic in memory, hence the fixed sample.
    """
    index = sample_indices(len(X), sample_size, random_state)
    if len(index) <= k:
        return float("nan")
    ward = AgglomerativeClustering(n_clusters=k, linkage="ward").fit_predict(X[index])
    return float(adjusted_rand_score(np.asarray(labels)[index], ward))


def _best_jaccard(original: np.ndarray, refit: np.ndarray, k: int) -> np.ndarray:
    """For each original cluster, the highest Jaccard with any refit cluster (NaN if absent)."""
    table = np.zeros((k, int(refit.max()) + 1))
    np.add.at(table, (original, refit), 1)
    union = table.sum(axis=1, keepdims=True) + table.sum(axis=0, keepdims=True) - table
    with np.errstate(invalid="ignore", divide="ignore"):
        jaccard = np.where(union > 0, table / union, 0.0)
    best = jaccard.max(axis=1)
    best[table.sum(axis=1) == 0] = np.nan
    return best


def bootstrap_stability(
    X: np.ndarray,
    labels: np.ndarray,
    k: int,
    n_boot: int = 20,
    sample_size: int = 5000,
    random_state: int = 42,
    algorithm: str = "kmeans",
    n_init: int = 10,
) -> pd.DataFrame:
    """Per-segment bootstrap stability (Hennig 2007), on a fixed sample of customers.

    Each run resamples the sample with replacement, refits the same algorithm, and for every
    original segment takes the best Jaccard with any new cluster over the distinct resampled
    customers. Returns ``segment_index`` (the label value), ``mean_jaccard``,
    ``dissolved_share`` (share of runs with Jaccard <= 0.5) and ``stability_class``.
    """
    labels = np.asarray(labels, dtype="int64")
    index = sample_indices(len(X), sample_size, random_state)
    base_X, base_labels = X[index], labels[index]
    rng = np.random.default_rng(random_state)
    runs = []
    for _ in range(n_boot):
        draw = rng.integers(0, len(index), size=len(index))
        seed = int(rng.integers(0, 2**31 - 1))
        try:
            refit = fit_segments(base_X[draw], k, algorithm, random_state=seed, n_init=n_init)
        except SegmentationInputError as exc:
            logger.warning("Bootstrap run skipped: %s", exc)
            continue
        distinct, first = np.unique(draw, return_index=True)
        runs.append(_best_jaccard(base_labels[distinct], refit.labels[first], k))
    if runs:
        scores = np.vstack(runs)
        with np.errstate(invalid="ignore"):
            counted = np.sum(~np.isnan(scores), axis=0)
            mean = np.where(counted > 0, np.nansum(scores, axis=0) / np.maximum(counted, 1), np.nan)
            dissolved = np.where(
                counted > 0,
                np.sum(scores <= DISSOLVED_JACCARD, axis=0) / np.maximum(counted, 1),
                np.nan,
            )
    else:
        mean = dissolved = np.full(k, np.nan)
    return pd.DataFrame(
        {
            "segment_index": np.arange(k, dtype="int64"),
            "mean_jaccard": mean.astype("float64"),
            "dissolved_share": dissolved.astype("float64"),
            "stability_class": pd.Series([stability_class(v) for v in mean], dtype="string"),
        }
    )


def fit_pca(X: np.ndarray, n_components: int = 2) -> PCA:
    """The principal components of the standardized training matrix: one fit (exact SVD,
    deterministic signs) shared by the explained variance, the projection and the loadings,
    so the map's axes and their descriptions are the same components."""
    return PCA(n_components=n_components, svd_solver="full").fit(np.asarray(X, dtype="float64"))


def explained_variance_ratio(X: np.ndarray, n_components: int = 2) -> np.ndarray:
    """Share of the total variance carried by each of the first principal components."""
    return fit_pca(X, n_components).explained_variance_ratio_.astype("float64")


def pca_loadings(X: np.ndarray, n_components: int = 2) -> np.ndarray:
    """The weight of each feature in each of the first principal components (components x
    features; each row has unit length): what an axis of the customer map measures."""
    return fit_pca(X, n_components).components_.astype("float64")


def pca_projection(
    X: np.ndarray,
    labels: np.ndarray,
    sample_size: int = 5000,
    random_state: int = 42,
) -> tuple[pd.DataFrame, np.ndarray]:
    """First two principal components of a fixed sample of customers, with their segment.

    PCA is fitted on all rows (cheap: linear in n), only the plotted points are sampled.
    Returns (``row_index``, ``pc1``, ``pc2``, ``segment_index``) and the explained variance
    ratio of the two components.
    """
    X = np.asarray(X, dtype="float64")
    pca = fit_pca(X)
    index = sample_indices(len(X), sample_size, random_state)
    points = pca.transform(X[index])
    frame = pd.DataFrame(
        {
            "row_index": index.astype("int64"),
            "pc1": points[:, 0],
            "pc2": points[:, 1],
            "segment_index": np.asarray(labels, dtype="int64")[index],
        }
    )
    return frame, pca.explained_variance_ratio_.astype("float64")
