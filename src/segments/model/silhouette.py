"""The silhouette of every k of a sweep from one pass of pairwise distances.

The k sweep (``selection.sweep_k``) scores 9 labellings of the same customers; the pairwise
distances are the quadratic part of a silhouette and do not depend on the labels, so they
are computed once, in blocks, and each labelling's per-cluster distance sums come from one
matrix product with its one-hot matrix.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics.pairwise import euclidean_distances
from sklearn.utils import check_random_state


def silhouettes_by_k(
    X: np.ndarray,
    labels_by_k: dict[int, np.ndarray],
    sample_size: int | None = None,
    random_state: int = 42,
    chunk_rows: int = 1_000,
) -> dict[int, float]:
    """The silhouette of several labellings of the same rows, as
    ``sklearn.metrics.silhouette_score(X, labels, sample_size=..., random_state=...)`` gives
    each of them (the same sample: ``check_random_state(random_state).permutation(n)``), with
    the pairwise distances computed once for all of them instead of once per k: the distances
    are the quadratic part, the per-cluster sums are a product with each labelling's one-hot
    matrix. Memory: one block of ``chunk_rows`` x sample distances. NaN where the silhouette
    is undefined (fewer than 2 clusters in the sample, or as many clusters as rows)."""
    X = np.asarray(X, dtype="float64")
    n_rows = len(X)
    if sample_size is not None and n_rows > sample_size:
        rows = check_random_state(random_state).permutation(n_rows)[:sample_size]
    else:
        rows = np.arange(n_rows)
    sample = X[rows]
    n_sample = len(sample)
    codes = {
        k: np.unique(np.asarray(labels)[rows], return_inverse=True)[1]
        for k, labels in labels_by_k.items()
    }
    # Every labelling's one-hot matrix side by side: one matrix product per block of rows.
    widths = [int(code.max()) + 1 if n_sample else 0 for code in codes.values()]
    offsets = dict(zip(codes, np.cumsum([0, *widths[:-1]]), strict=True))
    one_hot = np.zeros((n_sample, sum(widths)))
    for k, code in codes.items():
        one_hot[np.arange(n_sample), offsets[k] + code] = 1.0
    all_sums = np.empty((n_sample, one_hot.shape[1]))
    for start in range(0, n_sample, chunk_rows):
        stop = min(start + chunk_rows, n_sample)
        distances = euclidean_distances(sample[start:stop], sample)
        distances[np.arange(stop - start), np.arange(start, stop)] = 0.0  # as scikit-learn
        all_sums[start:stop] = distances @ one_hot
    scores = {}
    for (k, code), width in zip(codes.items(), widths, strict=True):
        sums = all_sums[:, offsets[k] : offsets[k] + width]
        counts = np.bincount(code)
        if not 2 <= len(counts) <= n_sample - 1:
            scores[k] = float("nan")
            continue
        own = np.arange(n_sample), code
        intra = sums[own] / np.maximum(counts[code] - 1, 1)
        mean_to = sums / counts
        mean_to[own] = np.inf
        nearest = mean_to.min(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            values = (nearest - intra) / np.maximum(intra, nearest)
        values = np.nan_to_num(np.where(counts[code] > 1, values, 0.0))
        scores[k] = float(values.mean())
    return scores
