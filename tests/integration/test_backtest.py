"""The backtest mart and the RFM grid: on the sample (no lines after the date: no backtest;
the grid re-scored independently) and on UCI Online Retail as of 2011-09-01, where the
segments must beat the RFM grid and hand-tuned k-means (the issue's acceptance numbers)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segments import registry

from .dbt_project_runner import PROJECT_DIR, query, scalar

pytestmark = pytest.mark.integration

#: eta2 of k-means on log RFM with k=6 chosen by hand, Online Retail as of 2011-09-01, next
#: 90 days (issue 14; bench/quality/backtest_experiment.py reproduces 0.2416 / 0.1654).
HAND_TUNED_ETA2 = {"eta2_revenue": 0.2411, "eta2_bought_again": 0.1647}


def frame(database, sql: str) -> pd.DataFrame:
    import duckdb

    with duckdb.connect(str(database)) as connection:
        return connection.sql(sql).df()


def test_no_lines_after_the_date_means_no_backtest(sample_db):
    assert scalar(sample_db, "select count(*) from segment_backtest") == 0


def test_rfm_grid_scores_every_active_customer_by_quintile(sample_db):
    cells = frame(
        sample_db,
        "select cells.*, features.recency_days as feature_recency"
        " from customer_rfm_cells as cells"
        " inner join customer_features as features using (customer_id)",
    )
    active = scalar(sample_db, "select count(*) from customer_features where is_active")
    assert len(cells) == active and cells["customer_id"].is_unique
    n = len(cells)
    # The documented rule, recomputed with pandas: ties share the lowest rank.
    recency = np.floor(5 * (cells["recency_days"].rank(method="min", ascending=False) - 1) / n)
    frequency = np.floor(5 * (cells["order_count"].rank(method="min") - 1) / n)
    assert (cells["recency_score"] == recency + 1).all()
    assert (cells["frequency_score"] == frequency + 1).all()
    # Each score holds at most a fifth of the customers plus its ties.
    assert (
        cells["recency_score"].value_counts().max()
        <= n / 5 + cells["recency_days"].value_counts().max()
    )
    champions = cells[cells["rfm_cell"] == "Champions"]
    assert (champions["recency_score"] == 5).all() and (champions["frequency_score"] >= 4).all()


@pytest.mark.real_data
def test_backtest_on_online_retail_beats_hand_tuning_and_the_grid(online_retail_backtest_db):
    backtest = frame(online_retail_backtest_db, "select * from segment_backtest")
    assert set(backtest["as_of_date"].astype(str)) == {"2011-09-01"}
    assert backtest["is_horizon_complete"].all()
    active = scalar(
        online_retail_backtest_db, "select count(*) from customer_features where is_active"
    )
    by_method = backtest.groupby("method_name")
    assert (by_method["customers"].sum() == active).all()
    assert np.allclose(by_method["future_revenue_share"].sum(), 1.0, atol=1e-4)
    fit = by_method[["eta2_revenue", "eta2_bought_again"]].first()
    for column, floor in HAND_TUNED_ETA2.items():
        assert fit.loc["segments", column] >= floor
        assert fit.loc["segments", column] > fit.loc["rfm_grid", column]
    k = scalar(
        online_retail_backtest_db, "select k from segmentation.segment_k_selection where is_chosen"
    )
    assert 3 <= k <= 8 and (backtest["method_name"] == "segments").sum() == k
    smallest = backtest.loc[backtest["method_name"] == "segments", "customers"].min()
    assert smallest >= 0.03 * active


@pytest.mark.real_data
def test_no_segment_claims_a_trait_whose_feature_was_dropped(online_retail_backtest_db):
    database = online_retail_backtest_db
    dropped = {
        name
        for (name,) in query(
            database,
            "select feature_name from segmentation.segment_feature_status where not is_used",
        )
    }
    assert dropped == {"top_category_share", "discount_share", "visits_per_month"}
    definitions = frame(database, "select * from segmentation.segment_definitions")
    personas = pd.read_csv(PROJECT_DIR / "seeds" / "segment_personas.csv").set_index("persona_id")
    features = registry.feature_registry()
    traits = registry.trait_features()
    used = set(features["feature_name"]) - dropped
    for row in definitions.itertuples(index=False):
        if pd.notna(row.persona_id):
            # Every trait the persona claims has a feature the model uses.
            claims = personas.loc[row.persona_id]
            for trait, candidates in traits.items():
                if claims[f"rule_{trait}"] != 0:
                    assert set(candidates) & used, (row.segment_name, trait)
        text = f"{row.segment_name} {row.description}".lower()
        for spec in features[features["feature_name"].isin(dropped)].itertuples(index=False):
            for words in (spec.high_word, spec.low_word, spec.high_phrase, spec.low_phrase):
                assert str(words).lower() not in text, (row.segment_name, words)
        assert "visit" not in text and "discount" not in text and "categor" not in text


@pytest.mark.real_data
def test_frequent_returners_are_flagged_not_segmented(online_retail_backtest_db):
    """As of 2011-09-01, 23 active customers returned at least half of what they bought; 10
    of them over a single order: the flag (defaults 0.5 and 2 orders) marks the other 13
    (docs/method.md), in customer_features and in the CRM table alike."""
    database = online_retail_backtest_db
    flags = frame(
        database,
        "select features.customer_id, features.return_rate, features.order_count,"
        " features.is_active, features.is_frequent_returner,"
        " segments.is_frequent_returner as crm_flag"
        " from customer_features as features"
        " inner join customer_segments as segments using (customer_id)",
    )
    rule = (flags["return_rate"].fillna(0) >= 0.5) & (flags["order_count"] >= 2)
    assert (flags["is_frequent_returner"] == rule).all()
    assert (flags["crm_flag"] == flags["is_frequent_returner"]).all()
    active = flags[flags["is_active"]]
    assert (active["return_rate"] >= 0.5).sum() == 23
    assert int(active["is_frequent_returner"].sum()) == 13
