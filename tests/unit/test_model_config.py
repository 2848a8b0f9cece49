"""The segmentation vars: one declared list (dbt_project.yml), the same in the Python mapping
and in the meta the Python models receive, validated once with errors naming the var."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from segments.model.config import CONFIG_VARS, SQL_ONLY_VARS, SegmentationConfig
from segments.model.errors import SegmentationInputError

ROOT = Path(__file__).resolve().parents[2]
PROJECT_VARS = yaml.safe_load((ROOT / "dbt_project.yml").read_text())["vars"]
MODELS_YML = ROOT / "python_models" / "segmentation" / "_segmentation__models.yml"


def declared_segmentation_vars() -> set[str]:
    return {name for name in PROJECT_VARS if name.startswith("segment_")}


def meta_vars() -> dict[str, str]:
    """The segmentation_vars meta of every model in the yml (they must all be the same)."""
    models = yaml.safe_load(MODELS_YML.read_text())["models"]
    metas = [model["config"]["meta"]["segmentation_vars"] for model in models]
    assert all(meta == metas[0] for meta in metas), "models render different vars"
    return metas[0]


def test_declared_config_and_meta_vars_agree():
    """Fails on drift: a var declared but not passed to Python (or passed but undeclared),
    a var in the meta that the config does not map, or a meta entry rendering another var."""
    assert not set(CONFIG_VARS) & set(SQL_ONLY_VARS)
    assert declared_segmentation_vars() == set(CONFIG_VARS) | set(SQL_ONLY_VARS)
    meta = meta_vars()
    assert set(meta) == set(CONFIG_VARS)
    for name, template in meta.items():
        assert template == f"{{{{ tojson(var('{name}')) }}}}", name


def test_every_python_model_of_the_folder_gets_the_vars():
    models = {model["name"] for model in yaml.safe_load(MODELS_YML.read_text())["models"]}
    files = {path.stem for path in MODELS_YML.parent.glob("*.py")}
    assert models == files
    for path in MODELS_YML.parent.glob("*.py"):
        assert 'meta_get("segmentation_vars")' in path.read_text(), path.name


def test_python_defaults_are_the_declared_defaults():
    """SegmentationConfig() (what the library uses without dbt) equals the project's vars."""
    assert SegmentationConfig.from_vars(PROJECT_VARS) == SegmentationConfig()
    config = SegmentationConfig.from_vars(PROJECT_VARS)
    assert config.features == tuple(PROJECT_VARS["segment_features"])
    assert config.k_max == PROJECT_VARS["segment_k_max"]
    assert config.min_chosen_k >= 3 or config.forced_k is not None


def test_every_declared_var_is_documented():
    method = (ROOT / "docs" / "method.md").read_text()
    vars_section = method[method.index("## Vars") :]
    missing = [name for name in declared_segmentation_vars() if f"`{name}`" not in vars_section]
    assert not missing


def test_config_from_typed_vars():
    config = SegmentationConfig.from_vars(
        {
            "segment_features": ["recency_days", "order_count", "net_revenue"],
            "segment_k_min": 3,
            "segment_k_max": 8,
            "segment_k": None,
            "segment_scaling": "MinMax",
            "segment_bootstrap_resamples": 10,
            "segment_training_sample_size": 200000,  # a var for the SQL side
            "segment_warm_start": False,
            "segment_match_threshold": 0.5,
            "as_of_date": "2011-12-09",
            "unrelated_var": "ignored",
        }
    )
    assert config.features == ("recency_days", "order_count", "net_revenue")
    assert (config.k_min, config.k_max, config.forced_k, config.min_chosen_k) == (3, 8, None, 3)
    assert config.scaling == "minmax" and config.n_boot == 10 and not config.warm_start
    assert config.match_threshold == 0.5
    assert config.as_of_date == "2011-12-09"
    assert SegmentationConfig.from_vars({"segment_k": 5}).forced_k == 5
    assert SegmentationConfig.from_vars(None) == SegmentationConfig()
    assert set(CONFIG_VARS.values()) <= set(SegmentationConfig.__dataclass_fields__)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"segment_k_min": 5, "segment_k_max": 4}, "segment_k_max=4 must be >= segment_k_min=5"),
        ({"segment_k_max": 2}, "segment_min_chosen_k=3 must be <="),
        ({"segment_algorithm": "dbscan"}, "segment_algorithm='dbscan' must be one of"),
        ({"segment_n_init": "ten"}, "'segment_n_init' must be an integer, got 'ten'"),
        ({"segment_n_init": 0}, "segment_n_init=0 must be >= 1"),
        ({"segment_k": "5"}, "'segment_k' must be an integer"),
        ({"segment_k_min": True}, "'segment_k_min' must be an integer"),
        ({"segment_k_min": None}, "'segment_k_min' must be an integer, got None"),
        ({"segment_features": "recency_days, order_count"}, "'segment_features' must be a list"),
        ({"segment_features": ["recency_days", 3]}, "'segment_features' must list column names"),
        ({"segment_features": ["recency_days"]}, "segment_features needs at least 2"),
        ({"segment_warm_start": "false"}, "'segment_warm_start' must be true or false"),
        ({"segment_match_threshold": "high"}, "'segment_match_threshold' must be a number"),
        ({"segment_bootstrap_resamples": -1}, "segment_bootstrap_resamples=-1 must be >= 0"),
        ({"segment_validation_sample_size": 5}, "segment_validation_sample_size=5 must be >= 10"),
        ({"as_of_date": "soon"}, "'as_of_date' must be a date"),
    ],
)
def test_bad_vars_are_rejected_by_name(values, message):
    with pytest.raises(SegmentationInputError, match=re.escape(message)):
        SegmentationConfig.from_vars(values)
