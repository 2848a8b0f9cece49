"""Choosing k: the sweep, the elbow and the consensus rule on planted structure."""

import logging

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score

from segments.model.errors import SegmentationInputError
from segments.model.selection import (
    METRIC_COLUMNS,
    choose_k,
    choose_k_with_reason,
    find_elbow,
    mark_choice,
    settle_k,
    sweep_k,
    sweep_rows,
    validate_k,
)
from segments.model.silhouette import silhouettes_by_k

from .synthetic import planted_blobs

PLANTED = {
    3: ([0.30, 0.50, 0.20], [0.8, 1.3, 1.0]),
    4: ([0.20, 0.35, 0.25, 0.20], [0.7, 1.2, 1.0, 0.9]),
    5: ([0.12, 0.25, 0.30, 0.18, 0.15], [0.6, 1.0, 1.4, 0.8, 1.2]),
}


def nested_groups(seed: int = 0, n: int = 600) -> np.ndarray:
    """Two far-apart groups, each made of two nearby blobs: the silhouette peaks at k=2."""
    rng = np.random.default_rng(seed)
    centers = [
        np.array([sign * 10.0, side * 2.5, 0, 0, 0, 0, 0]) for sign in (-1, 1) for side in (-1, 1)
    ]
    return np.vstack([rng.normal(center, 1.0, size=(n // 4, 7)) for center in centers])


@pytest.mark.parametrize("groups", [3, 4, 5])
@pytest.mark.parametrize("seed", [0, 7])
def test_planted_groups_give_their_k(groups, seed):
    shares, spreads = PLANTED[groups]
    X, _ = planted_blobs(600, shares, spreads, n_features=7, separation=8.0, random_state=seed)
    metrics = sweep_k(X, n_init=5)
    assert list(metrics.columns) == METRIC_COLUMNS
    assert metrics["k"].tolist() == list(range(2, 11))
    assert choose_k(metrics) == groups


def test_silhouette_peak_at_two_does_not_win():
    metrics = sweep_k(nested_groups(), n_init=5)
    assert metrics.loc[metrics["silhouette"].idxmax(), "k"] == 2  # the trap is there
    assert choose_k(metrics) >= 3
    assert choose_k(metrics, min_k=2) == 2  # and it is min_k that avoids it


def test_mark_choice_flags_exactly_one_chosen_and_one_elbow():
    X, _ = planted_blobs(400, *PLANTED[4], random_state=1, separation=8.0)
    metrics = sweep_k(X, n_init=3)
    k = choose_k(metrics)
    marked = mark_choice(metrics, k)
    assert marked["is_chosen"].sum() == 1
    assert marked["is_elbow"].sum() == 1
    assert marked.loc[marked["is_chosen"], "k"].item() == k
    assert marked["is_chosen"].dtype == bool
    assert np.isnan(marked.loc[marked["k"] == 2, "mean_rank"]).all()  # below min_k


def test_forced_k_overrides_the_rule_and_is_validated():
    X, _ = planted_blobs(300, *PLANTED[3], random_state=2, separation=8.0)
    metrics = sweep_k(X, k_values=range(2, 7), n_init=3)
    assert choose_k(metrics, forced_k=6) == 6
    assert validate_k(6, 300) == 6
    with pytest.raises(SegmentationInputError, match=r"segment_k=12 .* 10 eligible customers"):
        validate_k(12, 10)
    with pytest.raises(SegmentationInputError, match="between 2 and"):
        validate_k(1, 10)


def test_k_above_n_minus_one_is_dropped_with_a_log_line(caplog):
    X = np.random.default_rng(0).normal(size=(6, 3))
    with caplog.at_level(logging.INFO, logger="segments.model.selection"):
        metrics = sweep_k(X, k_values=range(2, 11), n_init=2)
    assert metrics["k"].tolist() == [2, 3, 4, 5]
    assert "Skipping k=[6, 7, 8, 9, 10]" in caplog.text


def test_silhouette_uses_a_bounded_sample():
    X, _ = planted_blobs(3000, *PLANTED[3], random_state=3, separation=8.0)
    small = sweep_k(X, k_values=[3], n_init=2, silhouette_sample_size=200)
    again = sweep_k(X, k_values=[3], n_init=2, silhouette_sample_size=200)
    assert small["silhouette"].item() == again["silhouette"].item()  # fixed sample: repeatable
    assert 0.5 < small["silhouette"].item() <= 1


@pytest.mark.parametrize("sample_size", [None, 250])
def test_silhouettes_by_k_equal_scikit_learns(sample_size):
    """One pass of distances for every k gives scikit-learn's silhouette of each k (same
    sample, same value), including a singleton cluster (silhouette 0 for its row)."""
    X, _ = planted_blobs(700, *PLANTED[4], random_state=5, separation=4.0)
    X = np.vstack([X, [[40.0] * X.shape[1]]])  # a far point that gets a cluster of its own
    labels_by_k = {
        k: KMeans(n_clusters=k, n_init=2, random_state=0).fit(X).labels_ for k in (2, 4, 7)
    }
    ours = silhouettes_by_k(X, labels_by_k, sample_size, random_state=11, chunk_rows=97)
    for k, labels in labels_by_k.items():
        theirs = silhouette_score(X, labels, sample_size=sample_size, random_state=11)
        assert ours[k] == pytest.approx(theirs, rel=1e-12, abs=1e-12)
    assert np.isnan(silhouettes_by_k(X, {1: np.zeros(len(X), dtype=int)})[1])


def test_elbow_falls_back_when_kneed_finds_none():
    straight = pd.DataFrame({"k": [2, 3, 4, 5], "inertia": [40.0, 30.0, 20.0, 10.0]})
    assert find_elbow(straight) == 2
    two_points = pd.DataFrame({"k": [2, 3], "inertia": [10.0, 5.0]})
    assert find_elbow(two_points) == 2
    bent = pd.DataFrame({"k": [2, 3, 4, 5, 6, 7], "inertia": [100.0, 40, 12, 11, 10, 9]})
    assert find_elbow(bent) == 4


def online_retail_sweep(smallest_share) -> pd.DataFrame:
    """The k=2..8 sweep of Online Retail as of 2011-09-01 (default features), rounded."""
    return pd.DataFrame(
        {
            "k": np.arange(2, 9),
            "inertia": [5067.0, 3816.0, 3078.0, 2647.0, 2350.0, 2117.0, 1953.0],
            "silhouette": [0.447, 0.350, 0.359, 0.317, 0.306, 0.271, 0.271],
            "davies_bouldin": [0.888, 1.047, 0.989, 1.017, 1.022, 1.062, 1.042],
            "calinski_harabasz": [3187.0, 2658.0, 2460.0, 2280.0, 2137.0, 2037.0, 1932.0],
            "smallest_segment_share": np.asarray(smallest_share, dtype=float),
        }
    )


def test_a_continuum_gets_the_largest_k_whose_segments_are_big_enough():
    # Silhouettes of 0.27-0.36 beyond k=2 and signals that disagree: no natural groups.
    metrics = online_retail_sweep([0.35, 0.17, 0.15, 0.08, 0.06, 0.05, 0.048])
    assert choose_k(metrics) == 8
    # k=8 leaving a segment of 0.6% of customers: the largest candidate is then 7.
    tiny = online_retail_sweep([0.35, 0.17, 0.15, 0.08, 0.06, 0.05, 0.006])
    assert choose_k(tiny) == 7
    marked = mark_choice(tiny, 7)
    assert np.isnan(marked.loc[marked["k"] == 8, "mean_rank"]).all()  # not a candidate
    # The threshold is a parameter (var segment_min_segment_share).
    assert choose_k(tiny, min_share=0.055) == 6


def test_natural_groups_keep_the_consensus_k():
    # A silhouette of 0.6 at k=5, Davies-Bouldin and Calinski-Harabasz best there too.
    metrics = online_retail_sweep([0.3, 0.2, 0.15, 0.12, 0.07, 0.06, 0.05])
    metrics["silhouette"] = [0.40, 0.45, 0.50, 0.60, 0.50, 0.40, 0.38]
    metrics["davies_bouldin"] = [1.2, 1.0, 0.9, 0.6, 0.8, 0.9, 1.0]
    metrics["calinski_harabasz"] = [900.0, 1000.0, 1100.0, 1500.0, 1200.0, 1100.0, 1000.0]
    assert choose_k(metrics) == 5


def test_no_k_with_big_enough_segments_falls_back_to_every_k_from_min_k():
    metrics = online_retail_sweep([0.02, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01])
    assert choose_k(metrics) == 8


@pytest.mark.parametrize("seed", [0, 7])
def test_one_gaussian_cloud_is_a_continuum_and_gets_k_max(seed):
    X = np.random.default_rng(seed).normal(size=(600, 3))
    metrics = sweep_k(X, k_values=range(2, 9), n_init=3)
    assert (metrics["smallest_segment_share"] >= 0.03).all()
    assert choose_k(metrics) == 8


def test_sweep_rows_are_a_fixed_bounded_subset_in_row_order():
    assert sweep_rows(50, 100).tolist() == list(range(50))  # small inputs: every row
    assert sweep_rows(50, None).tolist() == list(range(50))
    rows = sweep_rows(10_000, 300, random_state=42)
    assert len(rows) == 300 and len(set(rows.tolist())) == 300
    assert (np.diff(rows) > 0).all() and rows.min() >= 0 and rows.max() < 10_000
    assert sweep_rows(10_000, 300, random_state=42).tolist() == rows.tolist()  # same seed
    assert sweep_rows(10_000, 300, random_state=7).tolist() != rows.tolist()


@pytest.mark.parametrize("groups", [3, 5])
def test_sweep_on_a_sub_sample_finds_the_planted_k(groups):
    """The sweep sees 400 of 3,000 customers: the same k as a sweep over all of them."""
    shares, spreads = PLANTED[groups]
    X, _ = planted_blobs(3_000, shares, spreads, n_features=7, separation=8.0, random_state=3)
    sub = sweep_k(X, n_init=3, sample_size=400)
    assert choose_k(sub) == choose_k(sweep_k(X, n_init=3)) == groups
    # the metrics are those of the 400 rows sweep_rows picks
    again = sweep_k(X[sweep_rows(len(X), 400)], n_init=3)
    pd.testing.assert_frame_equal(sub, again)


def shares_of(table: dict[int, float]):
    """A stand-in for the final fit: the smallest segment share of each k, and the k asked."""
    asked: list[int] = []

    def fitted_share(k: int) -> float:
        asked.append(k)
        return table[k]

    return fitted_share, asked


def test_settle_k_steps_down_while_the_final_fit_leaves_a_small_segment():
    metrics = online_retail_sweep([0.35, 0.17, 0.15, 0.08, 0.06, 0.05, 0.059])
    fitted_share, asked = shares_of({8: 0.0057, 7: 0.021, 6: 0.048, 5: 0.002})
    k, shares, reason = settle_k(metrics, 8, "no natural groups", fitted_share)
    # 8 leaves 0.57%, 7 leaves 2.1%, 6 holds 4.8%: the first k from the top that holds.
    assert (k, asked) == (6, [8, 7, 6])
    assert shares == {8: 0.0057, 7: 0.021, 6: 0.048}
    assert reason == (
        "no natural groups; the full fit left a segment below 3% (segment_min_segment_share)"
        " at k=8, so k stepped down to 6 (smallest segment on the full fit: k=8 0.6%,"
        " k=7 2.1%, k=6 4.8%)"
    )


def test_settle_k_keeps_a_k_whose_final_fit_holds():
    metrics = online_retail_sweep([0.35, 0.17, 0.15, 0.08, 0.06, 0.05, 0.048])
    fitted_share, asked = shares_of({8: 0.048})
    assert settle_k(metrics, 8, "why", fitted_share) == (8, {8: 0.048}, "why")
    assert asked == [8]
    # exactly at the threshold holds
    fitted_share, _ = shares_of({8: 0.03})
    assert settle_k(metrics, 8, "why", fitted_share)[0] == 8


def test_settle_k_stops_at_the_lower_bound_and_says_so():
    metrics = online_retail_sweep([0.35, 0.17, 0.15, 0.08, 0.06, 0.05, 0.048])
    fitted_share, asked = shares_of({5: 0.01, 4: 0.012, 3: 0.02, 2: 0.4})
    k, _, reason = settle_k(metrics, 5, "why", fitted_share, min_k=3)
    assert (k, asked) == (3, [5, 4, 3])  # never below segment_min_chosen_k
    assert reason.endswith(
        "; no k from 5 down to the lower bound 3 keeps every segment at 3%"
        " (segment_min_segment_share) on the full fit (smallest segment: k=5 1%, k=4 1.2%,"
        " k=3 2%): k=3, the lower bound"
    )
    # min_k below the sweep's first k: the lower bound is the first swept k
    fitted_share, asked = shares_of({3: 0.01, 2: 0.01})
    assert settle_k(metrics.iloc[1:], 3, "why", fitted_share, min_k=2)[0] == 3
    assert asked == [3]


def test_settle_k_never_changes_a_forced_k_but_says_when_it_is_too_small():
    metrics = online_retail_sweep([0.35, 0.17, 0.15, 0.08, 0.06, 0.05, 0.048])
    fitted_share, asked = shares_of({8: 0.0057})
    k, shares, reason = settle_k(
        metrics, 8, "forced by the var segment_k", fitted_share, forced=True
    )
    assert (k, shares, asked) == (8, {8: 0.0057}, [8])
    assert reason == (
        "forced by the var segment_k; its smallest segment holds 0.6% of the customers,"
        " below segment_min_segment_share (3%)"
    )
    # the threshold is the var's value
    fitted_share, _ = shares_of({8: 0.0057, 7: 0.004, 6: 0.007})
    assert settle_k(metrics, 8, "why", fitted_share, min_share=0.006)[0] == 6


def test_choose_k_says_why():
    metrics = online_retail_sweep([0.35, 0.17, 0.15, 0.08, 0.06, 0.05, 0.048])
    assert choose_k_with_reason(metrics) == (
        8,
        "no natural groups (silhouette 0.36 at the consensus k=4): the largest k >= 3 whose"
        " every segment holds 3% of the customers in the sweep",
    )
    assert choose_k_with_reason(metrics, forced_k=5) == (5, "forced by the var segment_k")
    none_big = online_retail_sweep([0.02, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01])
    assert choose_k_with_reason(none_big)[1].endswith(
        "no k >= 3 keeps every segment at 3% in the sweep: the largest k"
    )
    metrics["silhouette"] = [0.40, 0.45, 0.50, 0.60, 0.50, 0.40, 0.38]
    metrics["davies_bouldin"] = [1.2, 1.0, 0.9, 0.6, 0.8, 0.9, 1.0]
    metrics["calinski_harabasz"] = [900.0, 1000.0, 1100.0, 1500.0, 1200.0, 1100.0, 1000.0]
    assert choose_k_with_reason(metrics) == (
        5,
        "natural groups (silhouette 0.60 at the consensus k: 0.5 or more is strong structure)",
    )


def test_mark_choice_records_the_final_fits_and_the_reason_on_the_chosen_row():
    metrics = online_retail_sweep([0.35, 0.17, 0.15, 0.08, 0.06, 0.05, 0.059])
    marked = mark_choice(metrics, 6, fitted_shares={8: 0.0057, 7: 0.021, 6: 0.048}, reason="r")
    fitted = dict(zip(marked["k"], marked["fitted_smallest_segment_share"], strict=True))
    assert {k: v for k, v in fitted.items() if not np.isnan(v)} == {8: 0.0057, 7: 0.021, 6: 0.048}
    assert marked.loc[marked["is_chosen"], "selection_reason"].tolist() == ["r"]
    assert marked.loc[~marked["is_chosen"], "selection_reason"].isna().all()
