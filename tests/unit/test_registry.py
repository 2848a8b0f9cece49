"""The feature registry and the reserved segments (seeds read by segments.registry), and the
drift checks: every other place that names features agrees with the registry."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
import yaml

from segments import registry
from segments.model import naming, prepare
from segments.model.errors import SegmentationInputError
from segments.report import traits

REPO = Path(__file__).resolve().parents[2]


def _yaml_nodes(kind: str) -> dict[str, dict]:
    """name -> node of every model or seed documented in a yml of models/, python_models/
    or seeds/ (found by name, wherever the file lives)."""
    nodes: dict[str, dict] = {}
    for folder in ("models", "python_models", "seeds"):
        for path in sorted((REPO / folder).rglob("*.yml")):
            document = yaml.safe_load(path.read_text()) or {}
            for node in document.get(kind, []) or []:
                nodes[node["name"]] = node
    return nodes


def _columns(node: dict) -> list[str]:
    return [column["name"] for column in node.get("columns", [])]


def _csv_header(name: str) -> list[str]:
    with (REPO / "seeds" / f"{name}.csv").open(newline="") as handle:
        return next(csv.reader(handle))


# --- drift: one definition, everything else agrees ---------------------------------------


def test_the_default_segment_features_var_is_the_registry_default():
    """dbt_project.yml repeats the default list (a var default cannot read a seed)."""
    project = yaml.safe_load((REPO / "dbt_project.yml").read_text())
    assert project["vars"]["segment_features"] == registry.default_features()
    assert registry.default_features() == prepare.DEFAULT_FEATURES


def test_the_persona_rule_columns_are_the_registry_traits():
    rules = [c for c in _csv_header("segment_personas") if c.startswith("rule_")]
    assert rules == registry.rule_columns()
    assert rules == naming.RULE_COLUMNS
    documented = [c for c in _columns(_yaml_nodes("seeds")["segment_personas"]) if c in rules]
    assert documented == rules


def test_every_registry_feature_is_a_documented_customer_feature():
    models = _yaml_nodes("models")
    features = set(registry.feature_registry()["feature_name"])
    for model in ("int_customer_features", "customer_features"):
        assert features <= set(_columns(models[model])), model


def test_segment_profiles_contract_lists_the_profiled_features_in_order():
    columns = _columns(_yaml_nodes("models")["segment_profiles"])
    statistics = [c for c in columns if c.endswith(("_mean", "_median"))]
    expected = [
        f"{feature}_{statistic}"
        for feature in registry.profile_features()
        for statistic in ("mean", "median")
    ]
    assert statistics == expected


def test_the_training_sample_documents_the_default_features():
    columns = _columns(_yaml_nodes("models")["int_segment_training_sample"])
    assert [c for c in columns if c != "customer_id"] == registry.default_features()


def test_the_seed_yml_documents_every_seed_column():
    seeds = _yaml_nodes("seeds")
    for name in ("segment_features", "segment_reserved", "segment_personas"):
        assert _columns(seeds[name]) == _csv_header(name), name
    assert tuple(_csv_header("segment_features")) == registry.FEATURE_COLUMNS
    assert tuple(_csv_header("segment_reserved")) == registry.RESERVED_COLUMNS


def test_report_and_naming_words_come_from_the_registry():
    table = registry.feature_registry().set_index("feature_name")
    assert set(traits.FEATURES) == set(table.index)
    assert traits.FEATURES["order_count"].high == table.loc["order_count", "high_phrase"]
    assert naming.TRAIT_WORDS["order_count"] == ("frequent", "infrequent")
    assert set(traits.PROFILE_FEATURES) >= set(registry.profile_features())


# --- the registry itself: hand-checked values ----------------------------------------------


def test_registry_values_from_the_seed():
    assert registry.default_features() == [
        "recency_days",
        "order_count",
        "net_revenue",
        "top_category_share",
        "discount_share",
        "visits_per_month",
    ]
    assert registry.log_features() == {
        "order_count",
        "net_revenue",
        "average_order_value",
        "recency_days",
        "tenure_days",
        "visits_per_month",
        "category_count",
        "months_active",
        "avg_days_between_orders",
    }
    traits_map = registry.trait_features()
    assert traits_map["monetary"] == ["net_revenue", "average_order_value"]
    assert traits_map["seasonality"] == ["peak_quarter_share", "q4_share"]
    assert list(traits_map)[:3] == ["recency", "tenure", "frequency"]


def _table(**changes) -> pd.DataFrame:
    rows = [
        {
            "feature_name": "b_feature",
            "trait": "t",
            "label": "B",
            "unit": "count",
            "kind": "count",
            "high_word": "hi-b",
            "low_word": "lo-b",
            "high_phrase": "high b",
            "low_phrase": "low b",
            "template": "{value} b",
            "feature_position": 2,
            "trait_rank": 2,
            "log_transform": True,
            "is_default": True,
            "is_profiled": False,
            "is_reported": True,
        },
        {
            "feature_name": "a_feature",
            "trait": "t",
            "label": "A",
            "unit": "days",
            "kind": "days",
            "high_word": "hi-a",
            "low_word": "lo-a",
            "high_phrase": "high a",
            "low_phrase": "low a",
            "template": "{value} a",
            "feature_position": 1,
            "trait_rank": 1,
            "log_transform": False,
            "is_default": True,
            "is_profiled": True,
            "is_reported": False,
        },
    ]
    frame = pd.DataFrame(rows)
    if changes:
        frame = frame.astype(object)
    for column, value in changes.items():
        frame.loc[0, column] = value
    return frame


def test_a_table_from_the_warehouse_is_read_like_the_file():
    """The seed table read from DuckDB has real booleans; the order is feature_position."""
    table = _table()
    assert registry.default_features(table) == ["a_feature", "b_feature"]
    assert registry.log_features(table) == {"b_feature"}
    assert registry.profile_features(table) == ["a_feature"]
    assert registry.reported_features(table) == ["b_feature"]
    assert registry.trait_features(table) == {"t": ["a_feature", "b_feature"]}
    assert registry.rule_columns(table) == ["rule_t"]
    text = _table().astype(str)  # as a CSV reader without type inference gives it
    assert registry.default_features(text) == ["a_feature", "b_feature"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"feature_name": "a_feature"}, "feature_name must be set and unique"),
        ({"log_transform": "yes"}, "log_transform must be true or false"),
        ({"kind": "money-ish"}, "kind must be one of"),
        ({"trait_rank": None}, "trait and trait_rank are set together"),
        ({"trait_rank": 1}, r"\(trait, trait_rank\) must be unique"),
        ({"feature_position": 1}, "feature_position must be set and unique"),
    ],
)
def test_a_broken_registry_is_refused_with_the_column_named(changes, message):
    with pytest.raises(SegmentationInputError, match=message):
        registry.feature_registry(_table(**changes))


def test_a_registry_without_a_column_is_refused():
    with pytest.raises(SegmentationInputError, match=r"lacks column\(s\) \['is_reported'\]"):
        registry.feature_registry(_table().drop(columns="is_reported"))


def test_segment_zero_is_defined_once_in_the_reserved_seed():
    inactive = registry.inactive_segment()
    assert inactive["segment_name"] == "Inactive customers"
    assert inactive["description"] == "Customers left out of clustering"
    assert inactive["recommended_campaign"].startswith("Reactivation or suppression")


def test_reserved_segments_need_segment_zero():
    other = pd.DataFrame(
        {
            "segment_id": [9],
            "segment_name": ["x"],
            "description": ["y"],
            "recommended_campaign": ["z"],
        }
    )
    with pytest.raises(SegmentationInputError, match="no row for segment 0"):
        registry.reserved_segments(other)
