"""The build_* functions one by one: the shared preamble (pandas only, empty in -> empty
typed table) and the vars that only act inside one of them (warm start, match threshold)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import segments.model.build as build
from segments.model.build import (
    build_centroids,
    build_k_selection,
    build_pca,
    build_pca_loadings,
    build_segments,
    build_transforms,
    build_validation,
)
from segments.model.config import SegmentationConfig
from segments.model.prepare import apply_transform
from segments.model.schemas import SCHEMAS, empty_table
from segments.model.selection import sweep_rows

from .synthetic import persona_customers

SEED = Path(__file__).resolve().parents[2] / "seeds" / "segment_personas.csv"
CONFIG = SegmentationConfig(n_boot=0, n_init=2, k_max=6, as_of_date="2011-12-09")


@pytest.fixture(scope="module")
def personas() -> pd.DataFrame:
    return pd.read_csv(SEED)


@pytest.fixture(scope="module")
def features() -> pd.DataFrame:
    return persona_customers(500, random_state=11, noise=0.3).drop(columns="persona")


@pytest.fixture(scope="module")
def first_model(features):
    """transforms, k_selection and centroids of a first fit."""
    transforms = build_transforms(features, CONFIG)
    k_selection = build_k_selection(features, transforms, CONFIG)
    return transforms, k_selection, build_centroids(features, transforms, k_selection, CONFIG)


def test_empty_or_missing_input_gives_the_empty_typed_table(first_model):
    transforms, _, centroids = first_model
    no_customers = pd.DataFrame({"customer_id": pd.Series(dtype=str), "order_count": []})
    assert build_transforms(no_customers).equals(empty_table("transforms"))
    assert build_validation(no_customers, transforms, centroids).equals(empty_table("validation"))
    assert build_pca(None, transforms, centroids).equals(empty_table("pca"))
    assert build_pca_loadings(None, transforms, centroids).equals(empty_table("pca_loadings"))
    table = build_segments(no_customers, transforms, centroids.iloc[0:0])
    assert {c: str(t) for c, t in table.dtypes.items()} == SCHEMAS["segments"]
    assert len(table) == 0


def test_non_pandas_input_is_refused_with_the_fix(features):
    with pytest.raises(TypeError, match=r"build_k_selection: 'transforms' must be a pandas"):
        build_k_selection(features, features.to_dict(), CONFIG)


def test_rows_arrive_sorted_and_checked_whatever_the_input_order(features, first_model):
    transforms, _, centroids = first_model
    shuffled = features.sample(frac=1.0, random_state=2)
    pd.testing.assert_frame_equal(
        build_pca(shuffled, transforms, centroids, CONFIG),
        build_pca(features, transforms, centroids, CONFIG),
    )


def test_warm_start_var_decides_whether_the_previous_centroids_seed_the_fit(
    features, first_model, monkeypatch
):
    """segment_warm_start: true passes the previous model's centroids to the fit as its
    start; false fits from scratch. Ids are matched to the previous model either way."""
    transforms, k_selection, centroids = first_model
    seeds = []
    real_fit = build.fit_segments

    def spy(X, k, algorithm, random_state, n_init, init):
        seeds.append(init)
        return real_fit(X, k, algorithm, random_state, n_init, init)

    monkeypatch.setattr(build, "fit_segments", spy)
    later = features.assign(net_revenue=features["net_revenue"] * 1.05)
    for warm_start in (True, False):
        config = dataclasses.replace(CONFIG, as_of_date="2012-03-01", warm_start=warm_start)
        new_transforms = build_transforms(later, config)
        refit = build_centroids(later, new_transforms, k_selection, config, centroids, transforms)
        assert sorted(refit["segment_id"].unique()) == sorted(centroids["segment_id"].unique())
    warm, cold = seeds
    k = k_selection.loc[k_selection["is_chosen"], "k"].item()
    assert warm is not None and warm.shape == (k, len(transforms))
    assert cold is None


def test_match_threshold_var_decides_which_segments_take_a_persona_name(
    features, first_model, personas
):
    transforms, _, centroids = first_model
    named = build_segments(features, transforms, centroids, CONFIG, personas)
    assert named["persona_id"].notna().all()
    strict = dataclasses.replace(CONFIG, match_threshold=50.0)  # no persona scores 50 sd
    unnamed = build_segments(features, transforms, centroids, strict, personas)
    assert unnamed["persona_id"].isna().all()
    assert set(unnamed["segment_name"]).isdisjoint(named["segment_name"])
    pd.testing.assert_series_equal(unnamed["training_customers"], named["training_customers"])


def cloud_with_a_far_group(distance: float, seed: int = 0) -> pd.DataFrame:
    """2,000 customers: one Gaussian cloud (no natural groups) and 20 customers (1%) planted
    ``distance`` sd away on the first feature, all on rows the k sweep does not see."""
    n, size = 2_000, 20
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    seen = set(sweep_rows(n, PLANTED_SWEEP_SIZE, 42).tolist())
    hidden = [row for row in range(n) if row not in seen][:size]
    X[hidden] = rng.normal([distance, 0.0, 0.0], 0.3, size=(size, 3))
    return pd.DataFrame(
        {
            "customer_id": [f"c{row:05d}" for row in range(n)],
            **{name: X[:, j] for j, name in enumerate(PLANTED_FEATURES)},
        }
    )


PLANTED_FEATURES = ("top_category_share", "discount_share", "peak_quarter_share")  # no log
PLANTED_SWEEP_SIZE = 400
PLANTED_CONFIG = SegmentationConfig(
    features=PLANTED_FEATURES, k_max=6, sweep_sample_size=PLANTED_SWEEP_SIZE, n_boot=0
)


@pytest.mark.parametrize("seed", [0, 1])
def test_a_small_group_the_sweep_missed_makes_k_step_down(seed):
    """The sweep (400 of 2,000 customers, none of the planted 20) sees a continuum and
    picks k_max=6; the final fit on all 2,000 isolates the 20 (1% < 3%) at k=6 and k=5,
    and absorbs them at k=4, the k kept."""
    features = cloud_with_a_far_group(6.5, seed)
    transforms = build_transforms(features, PLANTED_CONFIG)
    k_selection = build_k_selection(features, transforms, PLANTED_CONFIG)
    table = k_selection.set_index("k")
    assert (table.loc[3:6, "smallest_segment_share"] >= 0.03).all()  # the sweep missed it
    assert table.loc[6, "fitted_smallest_segment_share"] == 0.01  # the final fit: 20 / 2,000
    assert table.loc[5, "fitted_smallest_segment_share"] == 0.01
    assert table.loc[4, "fitted_smallest_segment_share"] >= 0.03
    assert table[["fitted_smallest_segment_share"]].loc[2:3].isna().all().all()  # not fitted
    assert table.index[table["is_chosen"]].tolist() == [4]
    reason = table.loc[4, "selection_reason"]
    assert reason.startswith("no natural groups")
    assert (
        "the full fit left a segment below 3% (segment_min_segment_share) at k=6, so k "
        "stepped down to 4 (smallest segment on the full fit: k=6 1%, k=5 1%, k=4 " in reason
    )
    # The model fitted and scored from these tables keeps every segment at 3% or more.
    centroids = build_centroids(features, transforms, k_selection, PLANTED_CONFIG)
    validation = build_validation(features, transforms, centroids, PLANTED_CONFIG)
    metrics = dict(zip(validation["metric_name"], validation["metric_value"], strict=True))
    assert metrics["k"] == 4 and metrics["smallest_segment_share"] >= 0.03
    assert table.loc[4, "fitted_smallest_segment_share"] == metrics["smallest_segment_share"]
    # Reruns write the same table.
    pd.testing.assert_frame_equal(
        build_k_selection(features, transforms, PLANTED_CONFIG), k_selection
    )


def test_a_far_small_group_at_every_k_stops_at_the_lower_bound():
    """Planted 12 sd away, the 20 customers get a segment of their own at every k: k ends at
    segment_min_chosen_k (3) and the reason says so."""
    features = cloud_with_a_far_group(12.0)
    transforms = build_transforms(features, PLANTED_CONFIG)
    table = build_k_selection(features, transforms, PLANTED_CONFIG).set_index("k")
    assert table.index[table["is_chosen"]].tolist() == [3]
    assert table.loc[3:6, "fitted_smallest_segment_share"].tolist() == [0.01] * 4
    assert table.loc[3, "selection_reason"].endswith(
        "; no k from 6 down to the lower bound 3 keeps every segment at 3%"
        " (segment_min_segment_share) on the full fit (smallest segment: k=6 1%, k=5 1%,"
        " k=4 1%, k=3 1%): k=3, the lower bound"
    )
    # A forced k stays, with the same check in words.
    forced = dataclasses.replace(PLANTED_CONFIG, forced_k=6)
    table = build_k_selection(features, transforms, forced).set_index("k")
    assert table.index[table["is_chosen"]].tolist() == [6]
    assert table.loc[6, "selection_reason"] == (
        "forced by the var segment_k; its smallest segment holds 1% of the customers,"
        " below segment_min_segment_share (3%)"
    )


def test_a_warm_start_that_isolates_a_small_group_is_refitted_from_scratch():
    """A previous model with a centroid on the 20 planted customers would keep them apart
    (1%) when it seeds the fit; build_centroids then fits from scratch, as
    segment_k_selection checked k=4 (every segment at 3% or more)."""
    features = cloud_with_a_far_group(6.5)
    transforms = build_transforms(features, PLANTED_CONFIG)
    k_selection = build_k_selection(features, transforms, PLANTED_CONFIG)
    cold = build_centroids(features, transforms, k_selection, PLANTED_CONFIG)
    far = build.apply_transform(features, transforms)[features[PLANTED_FEATURES[0]] > 4.0]
    assert len(far) == 20
    previous = cold.copy()
    on_far_group = previous["segment_id"] == previous["segment_id"].max()
    previous.loc[on_far_group, "centroid_value"] = far.mean(axis=0)  # feature order
    later = dataclasses.replace(PLANTED_CONFIG, as_of_date="2012-01-01")
    seeded = build_centroids(features, transforms, k_selection, later, previous, transforms)
    validation = build_validation(features, transforms, seeded, later)
    smallest = validation.set_index("metric_name").loc["smallest_segment_share", "metric_value"]
    checked = k_selection.loc[k_selection["is_chosen"], "fitted_smallest_segment_share"]
    assert smallest == checked.item() and smallest >= 0.03
    # Without the check, the same warm start keeps the planted customers apart.
    names = list(transforms["feature_name"])
    warm = build.fit_segments(
        build.apply_transform(features, transforms),
        4,
        init_centroids=build.centroids_wide(previous)[names].to_numpy(),
    )
    assert np.bincount(warm.labels).min() / len(features) < 0.03


def test_pca_loadings_name_the_features_of_the_map(features, first_model):
    """One row per model feature, in model order; pc1/pc2 of the stored projection are the
    customers' standardized features times these weights (after centring)."""
    transforms, _, centroids = first_model
    loadings = build_pca_loadings(features, transforms, centroids, CONFIG)
    assert loadings["feature_name"].tolist() == transforms["feature_name"].tolist()
    assert loadings["feature_position"].tolist() == transforms["feature_position"].tolist()
    assert set(loadings["model_version"]) == set(transforms["model_version"])
    points = build_pca(features, transforms, centroids, CONFIG)
    ordered = features.sort_values("customer_id").reset_index(drop=True)
    X = apply_transform(ordered, transforms)
    rows = ordered.reset_index().set_index("customer_id").loc[points["customer_id"], "index"]
    centred = X[rows.to_numpy()] - X.mean(axis=0)
    for component in ("pc1", "pc2"):
        weights = loadings[f"{component}_loading"].to_numpy()
        assert abs(float((weights**2).sum()) - 1) < 1e-8
        np.testing.assert_allclose(points[component], centred @ weights, atol=1e-6)
