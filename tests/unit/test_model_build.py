"""The build_* functions one by one: the shared preamble (pandas only, empty in -> empty
typed table) and the vars that only act inside one of them (warm start, match threshold)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

import segments.model.build as build
from segments.model.build import (
    build_centroids,
    build_k_selection,
    build_pca,
    build_segments,
    build_transforms,
    build_validation,
)
from segments.model.config import SegmentationConfig
from segments.model.schemas import SCHEMAS, empty_table

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
