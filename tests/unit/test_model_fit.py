"""Fitting segments: recovery of planted groups, canonical order, warm start, GMM, scoring."""

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from segments.model.errors import SegmentationInputError
from segments.model.fit import (
    assign_segments,
    fit_segments,
    gaussian_log_density,
    membership_probabilities,
)

from .synthetic import planted_blobs

SHARES = [0.12, 0.25, 0.30, 0.18, 0.15]
SPREADS = [0.6, 1.0, 1.4, 0.8, 1.2]


@pytest.fixture(scope="module")
def blobs():
    return planted_blobs(800, SHARES, SPREADS, separation=8.0, random_state=11)


def test_kmeans_recovers_planted_groups(blobs):
    X, truth = blobs
    fit = fit_segments(X, 5)
    assert adjusted_rand_score(truth, fit.labels) >= 0.9
    assert fit.centroids.shape == (5, 7)
    np.testing.assert_array_equal(fit.variances, np.ones((5, 7)))
    assert fit.probabilities is None
    assert fit.weights.sum() == pytest.approx(1.0)


def test_segments_come_in_canonical_order_whatever_the_row_order(blobs):
    X, _ = blobs
    fit = fit_segments(X, 5)
    assert np.all(np.diff(fit.weights) <= 0)  # largest segment first
    order = np.random.default_rng(0).permutation(len(X))
    shuffled = fit_segments(X[order], 5, random_state=3)
    np.testing.assert_allclose(shuffled.centroids, fit.centroids, atol=1e-8)
    np.testing.assert_array_equal(shuffled.labels, fit.labels[order])


def test_labels_are_what_the_sql_scorer_gives(blobs):
    X, _ = blobs
    fit = fit_segments(X, 5)
    np.testing.assert_array_equal(assign_segments(X, fit.centroids), fit.labels)


def test_warm_start_from_previous_centroids(blobs):
    X, _ = blobs
    first = fit_segments(X, 5)
    noisy_init = first.centroids + 0.3
    warm = fit_segments(X, 5, init_centroids=noisy_init)
    np.testing.assert_array_equal(warm.labels, first.labels)
    # A previous model with another k is ignored rather than failing.
    other_k = fit_segments(X, 4, init_centroids=first.centroids)
    assert other_k.k == 4


def test_gmm_gives_probabilities_and_diagonal_variances(blobs):
    X, truth = blobs
    fit = fit_segments(X, 5, algorithm="gmm", n_init=2)
    assert fit.algorithm == "gmm"
    assert fit.probabilities.shape == (len(X), 5)
    np.testing.assert_allclose(fit.probabilities.sum(axis=1), 1.0, atol=1e-9)
    assert fit.variances.shape == (5, 7)
    assert (fit.variances > 0).all()
    assert not np.allclose(fit.variances, 1.0)
    assert fit.weights.sum() == pytest.approx(1.0)
    assert adjusted_rand_score(truth, fit.labels) >= 0.9
    # The SQL-side formula (diagonal Gaussian) reproduces scikit-learn's memberships.
    sql_probabilities = membership_probabilities(X, fit.centroids, fit.variances, fit.weights)
    np.testing.assert_allclose(sql_probabilities, fit.probabilities, atol=1e-6)
    sql_labels = assign_segments(X, fit.centroids, fit.variances, fit.weights, "gmm")
    np.testing.assert_array_equal(sql_labels, fit.labels)


def test_gaussian_log_density_matches_the_written_formula():
    X = np.array([[0.0, 1.0], [2.0, -1.0]])
    means = np.array([[0.0, 0.0], [1.0, 1.0]])
    variances = np.array([[1.0, 4.0], [0.5, 2.0]])
    weights = np.array([0.3, 0.7])
    x, m, v, w = X[1], means[1], variances[1], weights[1]
    expected = np.log(w) - 0.5 * np.sum(np.log(2 * np.pi * v) + (x - m) ** 2 / v)
    assert gaussian_log_density(X, means, variances, weights)[1, 1] == pytest.approx(expected)


def test_fit_errors_are_readable():
    X = np.random.default_rng(0).normal(size=(5, 3))
    with pytest.raises(SegmentationInputError, match=r"k=5 segments on 5 customers"):
        fit_segments(X, 5)
    duplicated = np.repeat(X[:2], 10, axis=0)
    with pytest.raises(SegmentationInputError, match=r"Only 2 distinct feature profiles"):
        fit_segments(duplicated, 3)
    with pytest.raises(SegmentationInputError, match="segment_algorithm"):
        fit_segments(X, 2, algorithm="dbscan")
    with pytest.raises(SegmentationInputError, match="NaN or infinite"):
        fit_segments(np.where(X > 1, np.nan, X), 2)
