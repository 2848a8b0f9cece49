"""Validation: Ward agreement, Hennig bootstrap stability, PCA projection and loadings."""

import numpy as np
import pytest

from segments.model.fit import fit_segments
from segments.model.validation import (
    bootstrap_stability,
    explained_variance_ratio,
    pca_loadings,
    pca_projection,
    sample_indices,
    stability_class,
    ward_agreement,
)

from .synthetic import planted_blobs


@pytest.fixture(scope="module")
def blobs():
    X, _ = planted_blobs(
        600, [0.2, 0.35, 0.25, 0.2], [0.7, 1.2, 1.0, 0.9], separation=8.0, random_state=4
    )
    return X, fit_segments(X, 4).labels


@pytest.mark.parametrize(
    ("jaccard", "expected"),
    [
        (0.9, "stable"),
        (0.75, "stable"),
        (0.7, "measuring a pattern"),
        (0.6, "measuring a pattern"),
        (0.55, "pattern, but unstable"),
        (0.5, "dissolved"),
        (0.2, "dissolved"),
        (float("nan"), None),
    ],
)
def test_hennig_classes(jaccard, expected):
    assert stability_class(jaccard) == expected


def test_ward_agrees_on_well_separated_groups(blobs):
    X, labels = blobs
    assert ward_agreement(X, labels, 4) >= 0.9


def test_ward_uses_a_fixed_sample(blobs):
    X, labels = blobs
    first = ward_agreement(X, labels, 4, sample_size=200, random_state=1)
    assert first == ward_agreement(X, labels, 4, sample_size=200, random_state=1)


def test_bootstrap_finds_planted_groups_stable(blobs):
    X, labels = blobs
    stability = bootstrap_stability(X, labels, 4, n_boot=8, sample_size=400, n_init=3)
    assert list(stability.columns) == [
        "segment_index",
        "mean_jaccard",
        "dissolved_share",
        "stability_class",
    ]
    assert stability["segment_index"].tolist() == [0, 1, 2, 3]
    assert (stability["mean_jaccard"] >= 0.95).all()
    assert (stability["stability_class"] == "stable").all()
    assert (stability["dissolved_share"] == 0).all()


def test_bootstrap_flags_structure_that_is_not_there():
    X = np.random.default_rng(0).uniform(size=(400, 5))  # no clusters at all
    labels = fit_segments(X, 8, n_init=3).labels
    stability = bootstrap_stability(X, labels, 8, n_boot=8, n_init=3)
    assert stability["mean_jaccard"].mean() < 0.7
    assert (stability["stability_class"] == "dissolved").any()


def test_bootstrap_is_deterministic(blobs):
    X, labels = blobs
    first = bootstrap_stability(X, labels, 4, n_boot=3, sample_size=200, n_init=2)
    second = bootstrap_stability(X, labels, 4, n_boot=3, sample_size=200, n_init=2)
    assert first.equals(second)


def test_pca_projection_is_bounded_by_the_sample(blobs):
    X, labels = blobs
    points, explained = pca_projection(X, labels, sample_size=250)
    assert list(points.columns) == ["row_index", "pc1", "pc2", "segment_index"]
    assert len(points) == 250
    np.testing.assert_array_equal(points["row_index"], sample_indices(600, 250, 42))
    np.testing.assert_array_equal(points["segment_index"], labels[points["row_index"]])
    assert explained.shape == (2,)
    assert 0 < explained[1] <= explained[0] and explained.sum() <= 1
    np.testing.assert_allclose(explained, explained_variance_ratio(X))


def test_pca_loadings_by_hand():
    """Two identical columns and one small independent one: the first component weighs the
    twins equally (1/sqrt 2 each) and the third not at all; the second is the third alone."""
    t = np.array([-2.0, -1.0, 0.0, 1.0, 2.0])
    small = np.array([0.1, -0.2, 0.2, -0.2, 0.1])  # mean 0, uncorrelated with t
    weights = pca_loadings(np.column_stack([t, t, small]))
    assert weights.shape == (2, 3)
    np.testing.assert_allclose(np.abs(weights[0]), [2**-0.5, 2**-0.5, 0.0], atol=1e-12)
    assert np.sign(weights[0, 0]) == np.sign(weights[0, 1])
    np.testing.assert_allclose(np.abs(weights[1]), [0.0, 0.0, 1.0], atol=1e-12)


def test_pca_loadings_are_the_axes_of_the_projection(blobs):
    """The map's coordinates are the centred customers times the loadings: same fit, same
    signs, so an axis described as "+net revenue" does grow with net revenue."""
    X, labels = blobs
    points, _ = pca_projection(X, labels, sample_size=250)
    weights = pca_loadings(X)
    centred = X[points["row_index"]] - X.mean(axis=0)
    np.testing.assert_allclose(points["pc1"], centred @ weights[0], atol=1e-9)
    np.testing.assert_allclose(points["pc2"], centred @ weights[1], atol=1e-9)
    np.testing.assert_allclose(np.linalg.norm(weights, axis=1), [1.0, 1.0])
