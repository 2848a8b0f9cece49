"""Naming segments after the personas seed, or after their strongest traits."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from segments import registry
from segments.model.errors import SegmentationInputError
from segments.model.naming import (
    GENERIC_CAMPAIGN,
    NAMING_COLUMNS,
    PERSONA_COLUMNS,
    name_segments,
    persona_scores,
    validate_personas,
)

SEED = Path(__file__).resolve().parents[2] / "seeds" / "segment_personas.csv"

#: The study's seven features (return_rate included, as the study clustered on it).
STUDY_FEATURES = [
    "recency_days",
    "order_count",
    "net_revenue",
    "return_rate",
    "top_category_share",
    "discount_share",
    "visits_per_month",
]

#: Standardized centroids shaped like the five study personas (columns: STUDY_FEATURES).
STUDY_CENTROIDS = {
    # recency, orders, revenue, returns, top category, discounts, visits
    "premium_loyalists": [-1.2, 1.4, 1.4, -0.3, -0.5, -0.6, 1.3],
    "discount_hunters": [-0.6, 0.4, 0.1, 0.3, -0.4, 1.7, 0.5],
    "infrequent_buyers": [0.7, -1.3, -1.3, 0.0, 0.0, -0.4, -0.9],
    "category_specific": [-0.4, 0.0, 0.1, -0.4, 2.0, -0.5, 0.1],
    "at_risk_dormants": [1.6, 0.5, 0.8, 0.0, -0.4, -0.4, -1.3],
}


@pytest.fixture(scope="module")
def personas() -> pd.DataFrame:
    return pd.read_csv(SEED)


def centroid_frame(rows: dict[int, list[float]], columns=STUDY_FEATURES) -> pd.DataFrame:
    return pd.DataFrame.from_dict(rows, orient="index", columns=columns)


def test_seed_is_valid_and_holds_the_study_personas(personas):
    assert list(personas.columns) == PERSONA_COLUMNS
    checked = validate_personas(personas)
    assert checked["persona_id"].is_unique and checked["persona_name"].is_unique
    names = dict(zip(checked["persona_id"], checked["persona_name"], strict=True))
    assert names["premium_loyalists"] == "Premium Loyalists"
    assert names["discount_hunters"] == "Discount Hunters"
    assert names["infrequent_buyers"] == "Infrequent Buyers"
    assert names["category_specific"] == "Category-Specific"
    assert names["at_risk_dormants"] == "At-Risk Dormants"
    assert {"new_customers", "seasonal_shoppers", "occasional_buyers"} <= set(names)
    campaigns = dict(zip(checked["persona_id"], checked["recommended_campaign"], strict=True))
    assert "VIP previews" in campaigns["premium_loyalists"]
    assert "Flash coupon packs" in campaigns["discount_hunters"]
    assert "We miss you" in campaigns["at_risk_dormants"]
    assert "newsletters" in campaigns["category_specific"]
    assert not checked["description"].str.contains("\n").any()


def test_study_shaped_centroids_get_their_persona(personas):
    ids = {10 + i: persona for i, persona in enumerate(STUDY_CENTROIDS)}
    centroids = centroid_frame({sid: STUDY_CENTROIDS[p] for sid, p in ids.items()})
    named = name_segments(centroids, personas)
    assert list(named.columns) == NAMING_COLUMNS
    assert dict(zip(named["segment_id"], named["persona_id"], strict=True)) == ids
    assert (named["match_score"] >= 0.25).all()
    premium = named.set_index("persona_id").loc["premium_loyalists"]
    assert premium["segment_name"] == "Premium Loyalists"
    # Deterministic, and independent of the row order of either input.
    shuffled = name_segments(centroids.iloc[::-1], personas.iloc[::-1])
    pd.testing.assert_frame_equal(named, shuffled)


def test_weak_segment_gets_a_descriptive_name(personas):
    centroids = centroid_frame(
        {
            1: STUDY_CENTROIDS["premium_loyalists"],
            2: [0.0, 0.2, 0.22, 0.0, 0.0, 0.0, -0.1],
            3: [-0.22, 0.0, 0.0, 0.05, 0.0, 0.0, -0.2],
        }
    )
    named = name_segments(centroids, personas).set_index("segment_id")
    assert named.loc[1, "segment_name"] == "Premium Loyalists"
    assert named.loc[2, "segment_name"] == "High-spend frequent buyers"
    assert named.loc[3, "segment_name"] == "Recent low-visit buyers"
    assert pd.isna(named.loc[2, "persona_id"])
    assert named.loc[2, "recommended_campaign"] == GENERIC_CAMPAIGN
    assert "net_revenue +0.2 sd" in named.loc[2, "description"]
    assert named.loc[2, "match_score"] < 0.25


def test_names_are_unique(personas):
    weak = [0.0, 0.2, 0.22, 0.0, 0.0, 0.0, -0.1]
    named = name_segments(centroid_frame({1: weak, 2: weak, 3: weak}), personas)
    # Identical segments: the third trait cannot tell them apart either, a number does.
    assert named["segment_name"].tolist() == [
        "High-spend frequent low-visit buyers",
        "High-spend frequent low-visit buyers (2)",
        "High-spend frequent low-visit buyers (3)",
    ]


def test_persona_with_a_trait_missing_from_the_model_cannot_match(personas):
    centroids = centroid_frame({1: STUDY_CENTROIDS["infrequent_buyers"]})
    scores = persona_scores(centroids, validate_personas(personas))
    assert np.isnan(scores.loc[1, "seasonal_shoppers"])  # no seasonality feature
    # New customers also claim a short tenure, and tenure_days is not in the model.
    assert np.isnan(scores.loc[1, "new_customers"])
    # Infrequent buyers claim few orders, low spend and few visits: all present.
    assert scores.loc[1, "infrequent_buyers"] == pytest.approx((1.3 + 1.3 + 0.9) / 3)
    seasonal = centroid_frame(
        {1: [0.1, -0.1, 0.0, 2.0]}, ["recency_days", "order_count", "x", "q4_share"]
    )
    assert name_segments(seasonal, personas)["persona_id"].item() == "seasonal_shoppers"


def test_monetary_falls_back_to_average_order_value(personas):
    columns = [
        "recency_days",
        "order_count",
        "average_order_value",
        "visits_per_month",
        "discount_share",
    ]
    centroids = centroid_frame(
        {1: [2.0, 0.0, 1.5, -1.5, 0.0], 2: [-1.0, 1.5, 1.0, 1.5, -0.5]}, columns
    )
    named = name_segments(centroids, personas)
    assert named["persona_id"].tolist() == ["at_risk_dormants", "premium_loyalists"]


#: Online Retail's case: no visits, discounts or categories; only recency, orders, revenue.
RFM_ONLY = ["recency_days", "order_count", "net_revenue"]


def test_alike_descriptive_names_are_told_apart_by_a_third_trait(personas):
    centroids = centroid_frame({1: [-0.3, 1.5, 1.2], 2: [0.6, 1.4, 1.1]}, RFM_ONLY)
    named = name_segments(centroids, personas)
    assert named["segment_name"].tolist() == [
        "Frequent high-spend recent buyers",
        "Frequent high-spend lapsed buyers",
    ]
    # Alike on three traits too (Online Retail's two best segments): the more extreme one
    # is "Very ...".
    centroids = centroid_frame({1: [-0.3, 1.1, 1.0], 2: [-1.5, 2.7, 2.1]}, RFM_ONLY)
    assert name_segments(centroids, personas)["segment_name"].tolist() == [
        "Frequent high-spend recent buyers",
        "Very frequent high-spend recent buyers",
    ]


def test_personas_claiming_dropped_traits_are_never_chosen(personas):
    # Strongly premium-shaped, but Premium Loyalists also claim "visit often and rarely
    # need a discount", and Browsers / Infrequent Buyers claim visits: no visit data here.
    centroids = centroid_frame({1: [-1.5, 2.0, 2.0], 2: [0.2, -1.5, -1.2]}, RFM_ONLY)
    named = name_segments(centroids, personas)
    assert named["persona_id"].isna().all()
    assert named["segment_name"].tolist() == [
        "Frequent high-spend buyers",
        "Infrequent low-spend buyers",
    ]
    for text in named["description"]:
        assert "visit" not in text and "discount" not in text


def test_a_trait_the_segment_does_not_show_rules_the_persona_out(personas):
    columns = [*RFM_ONLY, "visits_per_month", "discount_share"]
    # Premium in every way but discounts, which sit at the average (+0.05 sd, not "rarely").
    centroids = centroid_frame({1: [-1.5, 2.0, 2.0, 1.5, 0.05]}, columns)
    named = name_segments(centroids, personas)
    assert named["persona_id"].isna().item()
    shown = centroid_frame({1: [-1.5, 2.0, 2.0, 1.5, -0.3]}, columns)
    assert name_segments(shown, personas)["persona_id"].item() == "premium_loyalists"


def test_lapsed_wins_over_weaker_traits(personas):
    columns = [*RFM_ONLY, "top_category_share"]
    # Last order long ago (+1.3 sd) and a strong favourite category (+2.0 sd): lapsed first.
    centroids = centroid_frame({1: [1.3, -0.4, -0.3, 2.0], 2: [-0.3, 0.1, 0.1, -0.1]}, columns)
    named = name_segments(centroids, personas).set_index("segment_id")
    assert pd.isna(named.loc[1, "persona_id"])
    assert named.loc[1, "segment_name"] == "Lapsed single-category buyers"
    # Without the lapse, the category persona is right.
    recent = centroid_frame({1: [0.2, -0.4, -0.3, 2.0]}, columns)
    assert name_segments(recent, personas)["persona_id"].item() == "category_specific"


def test_priority_breaks_exact_ties():
    base = {column: 0 for column in PERSONA_COLUMNS[5:]}
    personas = pd.DataFrame(
        [
            {"persona_id": "b", "persona_name": "B", "description": "b", "priority": 2,
             "recommended_campaign": "b", **base, "rule_discounts": 1},
            {"persona_id": "a", "persona_name": "A", "description": "a", "priority": 1,
             "recommended_campaign": "a", **base, "rule_discounts": 1},
        ]
    )  # fmt: skip
    named = name_segments(centroid_frame({1: [0, 0, 0, 0, 0, 1.0, 0]}), personas)
    assert named["persona_id"].item() == "a"


def test_without_personas_every_segment_is_described():
    named = name_segments(centroid_frame({1: STUDY_CENTROIDS["discount_hunters"]}), None)
    assert named["segment_name"].item() == "Discount-driven recent buyers"
    assert pd.isna(named["persona_id"].item())


def test_invalid_personas_are_rejected(personas):
    broken = personas.assign(rule_visits=personas["rule_visits"].replace(1, 2))
    with pytest.raises(SegmentationInputError, match="must be -1, 0 or 1"):
        name_segments(centroid_frame({1: STUDY_CENTROIDS["discount_hunters"]}), broken)
    with pytest.raises(SegmentationInputError, match="lacks column"):
        validate_personas(personas.drop(columns="priority"))


def test_a_registry_table_passed_in_decides_traits_and_words():
    """A dbt model can pass the segment_features seed table; its traits and words win."""
    table = registry.feature_registry()
    table.loc[table["feature_name"] == "order_count", ["high_word", "low_word"]] = [
        "regular",
        "rare",
    ]
    centroid_z = centroid_frame({1: [0.1, -2.0, 0.0, 0.0, 0.0, 0.1, 0.0]})
    named = name_segments(centroid_z, None, features=table)
    # Strongest trait order_count (z -2.0, low), then discount_share / recency (0.1, first
    # listed wins the tie): "rare lapsed".
    assert named.loc[0, "segment_name"] == "Rare lapsed buyers"
    # A registry whose traits need a rule column the personas lack is refused.
    table.loc[table["feature_name"] == "return_rate", "trait"] = "returning"
    personas = pd.read_csv(SEED)
    with pytest.raises(SegmentationInputError, match="rule_returning"):
        name_segments(centroid_z, personas, features=table)
