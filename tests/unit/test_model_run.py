"""The whole run (segments.model.run): planted personas in, stable, named, deterministic
tables out, the same as the dbt models build table by table."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from segments.dbt_bridge import to_pandas
from segments.model.build import (
    build_centroids,
    build_k_selection,
    build_segments,
    build_transforms,
)
from segments.model.config import SegmentationConfig
from segments.model.errors import SegmentationInputError
from segments.model.prepare import DEFAULT_FEATURES
from segments.model.run import run_segmentation
from segments.model.schemas import SCHEMAS, empty_table

from .synthetic import persona_customers

SEED = Path(__file__).resolve().parents[2] / "seeds" / "segment_personas.csv"
FAST = SegmentationConfig(n_boot=6, n_init=4, as_of_date="2011-12-09")


@pytest.fixture(scope="module")
def personas() -> pd.DataFrame:
    return pd.read_csv(SEED)


@pytest.fixture(scope="module")
def customers() -> pd.DataFrame:
    return persona_customers(800, random_state=3, noise=0.35)


@pytest.fixture(scope="module")
def result(customers, personas):
    return run_segmentation(customers.drop(columns="persona"), config=FAST, personas=personas)


def with_truth(result, customers) -> pd.DataFrame:
    return (
        customers[["customer_id", "persona"]]
        .merge(result.training_assignments, on="customer_id", validate="one_to_one")
        .merge(result.segments[["segment_id", "persona_id"]], on="segment_id")
    )


def test_planted_personas_are_recovered_and_named(result, customers):
    assert result.k == 5
    assigned = with_truth(result, customers)
    assert adjusted_rand_score(assigned["persona"], assigned["segment_id"]) >= 0.9
    assert (assigned["persona"] == assigned["persona_id"]).mean() >= 0.95
    assert set(result.segments["segment_name"]) == {
        "Premium Loyalists",
        "Discount Hunters",
        "Infrequent Buyers",
        "Category-Specific",
        "At-Risk Dormants",
    }
    assert (result.segments["stability_class"] == "stable").all()


def test_tables_have_fixed_columns_dtypes_and_sort_order(result):
    for name, table in result.tables().items():
        assert list(table.columns) == list(SCHEMAS[name]), name
        assert {c: str(t) for c, t in table.dtypes.items()} == SCHEMAS[name], name
        assert (table["model_version"] == result.model_version).all(), name
    assert result.k_selection["is_chosen"].sum() == 1
    assert result.k_selection.loc[result.k_selection["is_chosen"], "k"].item() == 5
    assert result.segments["segment_id"].tolist() == [1, 2, 3, 4, 5]
    assert result.segments["training_customers"].sum() == 800
    assert result.training_assignments["customer_id"].is_monotonic_increasing
    metrics = result.validation.set_index("metric_name")["metric_value"]
    assert metrics["ward_adjusted_rand_index"] >= 0.9
    assert metrics["silhouette"] > 0.4
    assert metrics["n_customers"] == 800
    assert len(result.centroids) == 5 * len(DEFAULT_FEATURES)
    assert (result.centroids["variance"] == 1).all()
    weights = result.centroids.drop_duplicates("segment_id")["weight"]
    assert weights.sum() == pytest.approx(1.0)


def test_two_runs_are_identical_even_with_shuffled_rows(result, customers, personas):
    shuffled = customers.drop(columns="persona").sample(frac=1.0, random_state=5)
    again = run_segmentation(shuffled, config=FAST, personas=personas)
    assert again.model_version == result.model_version
    for name, table in result.tables().items():
        pd.testing.assert_frame_equal(again.tables()[name], table, check_exact=True, obj=name)
        assert again.tables()[name].to_csv(index=False) == table.to_csv(index=False)


def test_model_version_follows_config_and_data(result, customers):
    features = customers.drop(columns="persona")
    later = SegmentationConfig(n_boot=6, n_init=4, as_of_date="2011-12-10")
    assert build_transforms(features, later)["model_version"].iloc[0] != result.model_version
    changed = features.assign(net_revenue=features["net_revenue"] + 1)
    assert build_transforms(changed, FAST)["model_version"].iloc[0] != result.model_version
    extra = features.assign(unused_column=1.0)  # columns the model does not use don't count
    assert build_transforms(extra, FAST)["model_version"].iloc[0] == result.model_version


def test_training_assignments_equal_the_sql_scoring(result, customers):
    """z from the transforms table, then nearest centroid, as the SQL scorer will do it."""
    params = result.transforms.sort_values("feature_position")
    z = {}
    for row in params.itertuples():
        x = customers[row.feature_name].fillna(row.fill_value).to_numpy(dtype=float)
        if not np.isnan(row.clip_lower):
            x = np.maximum(x, row.clip_lower)
        if row.log_transform:
            x = np.log(1 + x)
        z[row.feature_name] = (x - row.center) / row.scale
    z = pd.DataFrame(z).assign(customer_id=customers["customer_id"].to_numpy())
    long = z.melt(id_vars="customer_id", var_name="feature_name", value_name="z")
    distances = long.merge(result.centroids, on="feature_name").assign(
        squared=lambda d: (d["z"] - d["centroid_value"]) ** 2
    )
    total = distances.groupby(["customer_id", "segment_id"], as_index=False)["squared"].sum()
    nearest = total.sort_values(["customer_id", "squared", "segment_id"]).drop_duplicates(
        "customer_id"
    )
    merged = nearest.merge(result.training_assignments, on="customer_id")
    assert (merged["segment_id_x"] == merged["segment_id_y"]).all()


def test_retrain_keeps_segment_ids_for_the_same_personas(result, customers, personas):
    # Next period: different customers and mix, rows in another order, a new as_of_date.
    later = persona_customers(900, shares=(0.2, 0.2, 0.2, 0.2, 0.2), random_state=8, noise=0.35)
    config = SegmentationConfig(n_boot=0, n_init=4, as_of_date="2012-03-01")
    retrained = run_segmentation(
        later.drop(columns="persona").sample(frac=1.0, random_state=1),
        previous_centroids=result.centroids,
        previous_params=result.transforms,
        config=config,
        personas=personas,
    )
    assert retrained.model_version != result.model_version
    before = result.segments.set_index("persona_id")["segment_id"]
    after = retrained.segments.set_index("persona_id")["segment_id"]
    pd.testing.assert_series_equal(after.sort_index(), before.sort_index())


def test_new_group_gets_a_new_id_when_k_grows(personas):
    four = persona_customers(800, random_state=4, noise=0.3)
    four = four[four["persona"] != "category_specific"]
    config = SegmentationConfig(n_boot=0, n_init=4, forced_k=4)
    first = run_segmentation(four.drop(columns="persona"), config=config, personas=personas)
    five = persona_customers(800, random_state=5, noise=0.3).drop(columns="persona")
    second = run_segmentation(
        five,
        previous_centroids=first.centroids,
        previous_params=first.transforms,
        config=SegmentationConfig(n_boot=0, n_init=4, forced_k=5),
        personas=personas,
    )
    before = first.segments.set_index("persona_id")["segment_id"]
    after = second.segments.set_index("persona_id")["segment_id"]
    assert after["category_specific"] == 5
    pd.testing.assert_series_equal(
        after.drop("category_specific").sort_index(), before.sort_index()
    )


def test_gmm_path(customers, personas):
    config = SegmentationConfig(algorithm="gmm", n_boot=0, n_init=2, k_max=6)
    gmm = run_segmentation(customers.drop(columns="persona"), config=config, personas=personas)
    assert (gmm.centroids["variance"] > 0).all()
    assert not (gmm.centroids["variance"] == 1).all()
    weights = gmm.centroids.drop_duplicates("segment_id")["weight"]
    assert weights.sum() == pytest.approx(1.0, abs=1e-8)
    metrics = gmm.validation.set_index("metric_name")["metric_value"]
    assert metrics["mean_max_membership_probability"] > 0.9
    assigned = with_truth(gmm, customers)
    assert adjusted_rand_score(assigned["persona"], assigned["segment_id"]) >= 0.9


def test_staged_models_compose_like_the_dbt_dag(result, customers, personas):
    features = customers.drop(columns="persona")
    transforms = build_transforms(features, FAST)
    k_selection = build_k_selection(features, transforms, FAST)
    centroids = build_centroids(features, transforms, k_selection, FAST)
    segments = build_segments(features, transforms, centroids, FAST, personas)
    pd.testing.assert_frame_equal(centroids, result.centroids)
    pd.testing.assert_frame_equal(segments, result.segments)


def test_empty_input_gives_empty_typed_tables(personas):
    empty = pd.DataFrame({"customer_id": pd.Series(dtype=str), "order_count": []})
    result = run_segmentation(empty, config=FAST, personas=personas.iloc[0:0])
    assert result.model_version is None
    for name, table in result.tables().items():
        assert len(table) == 0
        assert {c: str(t) for c, t in table.dtypes.items()} == SCHEMAS[name], name
    assert build_transforms(empty, FAST).equals(empty_table("transforms"))
    assert build_centroids(empty, empty_table("transforms"), empty_table("k_selection")).equals(
        empty_table("centroids")
    )


def test_too_few_customers_names_counts_and_var(customers):
    tiny = customers.drop(columns="persona").head(3)
    with pytest.raises(
        SegmentationInputError, match=r"Only 3 eligible customers.*'segment_min_chosen_k'"
    ):
        run_segmentation(tiny, config=FAST)
    # Allowing k=2 makes 3 customers enough.
    small = SegmentationConfig(min_chosen_k=2, k_max=2, n_boot=0, n_init=2)
    assert run_segmentation(tiny, config=small).k == 2


def test_forced_k_beyond_customers_names_the_var(customers):
    few = customers.drop(columns="persona").head(8)
    with pytest.raises(SegmentationInputError, match=r"Only 8 eligible customers.*'segment_k'"):
        run_segmentation(few, config=SegmentationConfig(forced_k=9, n_boot=0))
    forced = run_segmentation(few, config=SegmentationConfig(forced_k=7, k_max=4, n_boot=0))
    assert forced.k == 7
    assert forced.k_selection["k"].tolist() == [2, 3, 4, 7]


def test_null_and_constant_features_are_dropped_not_fatal(customers, personas):
    features = customers.drop(columns="persona").assign(visits_per_month=np.nan, discount_share=0.1)
    result = run_segmentation(features, config=FAST, personas=personas)
    assert result.dropped_features == {
        "discount_share": "constant (every customer has 0.1)",
        "visits_per_month": "all values null",
    }
    assert set(result.transforms["feature_name"]) == {
        "recency_days",
        "order_count",
        "net_revenue",
        "top_category_share",
    }


def test_bad_values_and_keys_give_clear_errors(customers):
    features = customers.drop(columns="persona")
    with pytest.raises(SegmentationInputError, match=r"'discount_share'.*infinite"):
        run_segmentation(features.assign(discount_share=np.inf), config=FAST)
    one_bad = features.copy()
    one_bad.loc[one_bad["customer_id"] == "c00042", "net_revenue"] = -np.inf
    with pytest.raises(SegmentationInputError, match=r"'net_revenue' has 1 NaN.*c00042"):
        run_segmentation(one_bad, config=FAST)
    with pytest.raises(SegmentationInputError, match="customer_id is not unique"):
        run_segmentation(pd.concat([features, features.head(2)]), config=FAST)
    with pytest.raises(SegmentationInputError, match="no 'customer_id' column"):
        run_segmentation(features.drop(columns="customer_id"), config=FAST)
    with pytest.raises(SegmentationInputError, match=r"Only 1 usable feature"):
        run_segmentation(features[["customer_id", "order_count"]], config=FAST)


def test_refs_read_through_to_pandas_give_the_same_tables(result, customers):
    """What dbt.ref gives (a DuckDB relation), read with dbt_bridge.to_pandas; the maths
    itself takes pandas frames only."""
    duckdb = pytest.importorskip("duckdb")
    connection = duckdb.connect()
    features = customers.drop(columns="persona")
    relation = connection.from_df(features)
    transforms = build_transforms(to_pandas(relation), FAST)
    pd.testing.assert_frame_equal(transforms, result.transforms)
    stored = connection.from_df(result.transforms)  # round trip through the warehouse
    k_selection = build_k_selection(to_pandas(relation), to_pandas(stored), FAST)
    pd.testing.assert_frame_equal(k_selection, result.k_selection)
    with pytest.raises(TypeError, match=r"build_transforms: 'features' must be a pandas"):
        build_transforms(relation, FAST)
    with pytest.raises(TypeError, match="features must be a pandas DataFrame"):
        run_segmentation(relation, config=FAST)
