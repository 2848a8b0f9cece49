"""Stable segment ids across retrains, and restating centroids between transform spaces."""

import numpy as np
import pandas as pd
import pytest

from segments.model.errors import SegmentationInputError
from segments.model.fit import fit_segments
from segments.model.prepare import apply_transform, fit_transform
from segments.model.stable_ids import match_segments, restate_centroids

FEATURES = ["f0", "f1", "f2", "f3"]
CENTERS = np.array(
    [
        [0.0, 0.0, 0.0, 0.0],
        [8.0, 0.0, 0.0, 0.0],
        [0.0, 8.0, 0.0, 0.0],
        [0.0, 0.0, 8.0, 0.0],
        [0.0, 0.0, 0.0, 8.0],
    ]
)


def groups(sizes, seed, groups_used=(0, 1, 2, 3, 4)):
    rng = np.random.default_rng(seed)
    X = np.vstack(
        [rng.normal(CENTERS[g], 1.0, size=(n, 4)) for g, n in zip(groups_used, sizes, strict=True)]
    )
    truth = np.repeat(np.array(groups_used), sizes)
    order = rng.permutation(len(X))
    return X[order], truth[order]


def long_centroids(centroids: np.ndarray, ids: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "segment_id": np.repeat(ids, centroids.shape[1]),
            "feature_name": np.tile(FEATURES, len(ids)),
            "centroid_value": centroids.ravel(),
        }
    )


def id_of_group(labels, ids, truth) -> dict[int, int]:
    """True group -> the segment id most of its members got."""
    frame = pd.DataFrame({"group": truth, "segment_id": ids[labels]})
    return frame.groupby("group")["segment_id"].agg(lambda s: s.mode().iloc[0]).to_dict()


def test_without_previous_model_ids_are_one_to_k():
    centroids = pd.DataFrame(CENTERS, columns=FEATURES)
    np.testing.assert_array_equal(match_segments(centroids, None), [1, 2, 3, 4, 5])
    np.testing.assert_array_equal(match_segments(CENTERS, pd.DataFrame()), [1, 2, 3, 4, 5])


def test_refit_on_perturbed_permuted_data_keeps_ids_per_group():
    X_old, truth_old = groups([100, 200, 150, 120, 80], seed=1)
    old = fit_segments(X_old, 5)
    old_ids = np.array([1, 2, 3, 4, 5])
    previous = long_centroids(old.centroids, old_ids)
    # New period: other customers, other sizes (so the canonical order changes), rows permuted.
    X_new, truth_new = groups([60, 90, 260, 200, 140], seed=2)
    new = fit_segments(X_new, 5)
    new_ids = match_segments(pd.DataFrame(new.centroids, columns=FEATURES), previous)
    assert sorted(new_ids) == [1, 2, 3, 4, 5]
    assert not np.array_equal(new_ids, old_ids)  # the canonical order did change
    assert id_of_group(new.labels, new_ids, truth_new) == id_of_group(
        old.labels, old_ids, truth_old
    )


def test_k_grows_new_group_gets_a_new_id_and_old_ids_stay():
    X_old, truth_old = groups([100, 100, 100, 100], seed=3, groups_used=(0, 1, 2, 3))
    old = fit_segments(X_old, 4)
    old_ids = np.array([1, 2, 3, 4])
    X_new, truth_new = groups([100, 100, 100, 100, 100], seed=4)
    new = fit_segments(X_new, 5)
    new_ids = match_segments(new.centroids, long_centroids(old.centroids, old_ids), FEATURES)
    before = id_of_group(old.labels, old_ids, truth_old)
    after = id_of_group(new.labels, new_ids, truth_new)
    assert {g: after[g] for g in before} == before
    assert after[4] == 5  # the new group, numbered after the previous maximum


def test_k_shrinks_unmatched_ids_disappear():
    X_old, _ = groups([100] * 5, seed=5)
    old = fit_segments(X_old, 5)
    previous = long_centroids(old.centroids, np.array([3, 5, 7, 8, 9]))
    X_new, _ = groups([100] * 4, seed=6, groups_used=(0, 1, 2, 3))
    new = fit_segments(X_new, 4)
    new_ids = match_segments(new.centroids, previous, FEATURES)
    assert len(set(new_ids)) == 4
    assert set(new_ids) < {3, 5, 7, 8, 9}


def test_matching_uses_shared_features_only():
    previous = long_centroids(CENTERS, np.arange(1, 6))
    old_only = pd.DataFrame(
        {"segment_id": np.arange(1, 6), "feature_name": "old_only", "centroid_value": 0.0}
    )
    previous = pd.concat([previous, old_only], ignore_index=True)
    # A misleading new-only feature: if it were used, matching would go the other way round.
    new = pd.DataFrame(CENTERS[::-1], columns=FEATURES).assign(new_only=[0, 0, 0, 0, 50.0])
    np.testing.assert_array_equal(match_segments(new, previous), [5, 4, 3, 2, 1])


@pytest.fixture
def raw_customers():
    rng = np.random.default_rng(9)
    return pd.DataFrame(
        {
            "order_count": rng.integers(1, 30, 300).astype(float),
            "net_revenue": rng.lognormal(6, 1, 300),
            "return_rate": rng.uniform(0, 0.5, 300),
        }
    )


def test_restate_with_identical_params_is_identity(raw_customers):
    X, params = fit_transform(raw_customers, list(raw_customers.columns))
    centroids = pd.DataFrame(
        {
            "segment_id": np.repeat([1, 2], 3),
            "feature_name": np.tile(params["feature_name"], 2),
            "centroid_value": np.r_[X[0], X[1]],
        }
    )
    restated = restate_centroids(centroids, params, params)
    merged = centroids.merge(restated, on=["segment_id", "feature_name"])
    np.testing.assert_allclose(merged["centroid_value_x"], merged["centroid_value_y"], atol=1e-9)


def test_restate_moves_centroids_into_the_new_space(raw_customers):
    features = list(raw_customers.columns)
    old_X, old_params = fit_transform(raw_customers, features)
    shifted = raw_customers.assign(net_revenue=raw_customers["net_revenue"] * 3)
    _, new_params = fit_transform(shifted, features, scaling="minmax")
    customer = raw_customers.iloc[[5]]
    centroids = pd.DataFrame(
        {"segment_id": 1, "feature_name": features, "centroid_value": old_X[5]}
    )
    restated = restate_centroids(centroids, old_params, new_params).set_index("feature_name")
    expected = apply_transform(customer, new_params)[0]  # same raw point, new transform
    np.testing.assert_allclose(restated.loc[features, "centroid_value"], expected, atol=1e-8)


def test_previous_centroids_must_be_one_model(raw_customers):
    _, params = fit_transform(raw_customers, list(raw_customers.columns))
    one = pd.DataFrame(
        {"segment_id": [1, 1, 1], "feature_name": params["feature_name"], "centroid_value": 0.0}
    )
    two = pd.concat([one.assign(model_version="a"), one.assign(model_version="b")])
    with pytest.raises(SegmentationInputError, match="pass only the latest model"):
        restate_centroids(two, params, params)
    with pytest.raises(SegmentationInputError, match="pass only the latest model"):
        match_segments(np.zeros((1, 3)), two, list(params["feature_name"]))
