"""The segmentation's settings: which dbt vars set them, and one validation of them all.

The vars are declared once, with their defaults, in the ``vars:`` block of dbt_project.yml.
Python models cannot call ``var()``, so python_models/segmentation/_segmentation__models.yml
renders each var of ``CONFIG_VARS`` into the models' meta as JSON (``tojson``), and
``segments.dbt_bridge`` decodes it: values arrive typed, as ``var()`` returns them.
tests/unit/test_model_config.py fails when dbt_project.yml, ``CONFIG_VARS`` and the meta
drift apart.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from segments.model.errors import SegmentationInputError
from segments.model.fit import ALGORITHMS
from segments.model.naming import MATCH_THRESHOLD
from segments.model.prepare import DEFAULT_FEATURES, SCALINGS
from segments.model.selection import MIN_SEGMENT_SHARE

#: The vars the Python models read: dbt var name -> SegmentationConfig field.
CONFIG_VARS: dict[str, str] = {
    "segment_features": "features",
    "segment_k_min": "k_min",
    "segment_k_max": "k_max",
    "segment_k": "forced_k",
    "segment_min_chosen_k": "min_chosen_k",
    "segment_min_segment_share": "min_segment_share",
    "segment_scaling": "scaling",
    "segment_algorithm": "algorithm",
    "segment_random_state": "random_state",
    "segment_n_init": "n_init",
    "segment_sweep_sample_size": "sweep_sample_size",
    "segment_sweep_n_init": "sweep_n_init",
    "segment_silhouette_sample_size": "silhouette_sample_size",
    "segment_validation_sample_size": "validation_sample_size",
    "segment_bootstrap_resamples": "n_boot",
    "segment_warm_start": "warm_start",
    "segment_match_threshold": "match_threshold",
}
#: Declared segmentation vars that only SQL reads (the training sample is drawn in SQL).
SQL_ONLY_VARS: tuple[str, ...] = ("segment_training_sample_size",)
#: as_of_date is not rendered into meta: the models take the resolved date of the analysis
#: window (int_analysis_window), so a null var still gives the data's date.
WINDOW_VARS: dict[str, str] = {"as_of_date": "as_of_date"}

_VAR_OF_FIELD = {field: var for var, field in {**CONFIG_VARS, **WINDOW_VARS}.items()}
_INTEGER_FIELDS = (
    "k_min",
    "k_max",
    "min_chosen_k",
    "random_state",
    "n_init",
    "sweep_sample_size",
    "sweep_n_init",
    "silhouette_sample_size",
    "validation_sample_size",
    "n_boot",
)


def _integer(value: Any, field: str, *, optional: bool = False) -> int | None:
    if value is None and optional:
        return None
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    raise SegmentationInputError(f"Var '{_VAR_OF_FIELD[field]}' must be an integer, got {value!r}.")


def _features(value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise SegmentationInputError(
            "Var 'segment_features' must be a list of customer_features columns, "
            f"e.g. [recency_days, order_count], got {value!r}."
        )
    if not all(isinstance(name, str) and name.strip() for name in value):
        raise SegmentationInputError(
            f"Var 'segment_features' must list column names, got {list(value)!r}."
        )
    return tuple(name.strip() for name in value)


def _choice(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise SegmentationInputError(f"Var '{_VAR_OF_FIELD[field]}' must be text, got {value!r}.")
    return value.strip().lower()


def _boolean(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise SegmentationInputError(
            f"Var '{_VAR_OF_FIELD[field]}' must be true or false, got {value!r}."
        )
    return value


def _number(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise SegmentationInputError(
            f"Var '{_VAR_OF_FIELD[field]}' must be a number, got {value!r}."
        )
    return float(value)


def _date(value: Any) -> str | None:
    if value is None:
        return None
    try:
        return pd.Timestamp(value).date().isoformat()
    except (TypeError, ValueError) as exc:
        raise SegmentationInputError(
            f"Var 'as_of_date' must be a date (YYYY-MM-DD), got {value!r}."
        ) from exc


@dataclass(frozen=True)
class SegmentationConfig:
    """Every knob of the segmentation; build it from dbt vars with ``from_vars``.

    k is swept over ``k_min..k_max``; the automatic rule only chooses k >= ``min_chosen_k``
    (default 3, because the silhouette alone often peaks at an unhelpful k=2) whose
    smallest segment holds at least ``min_segment_share`` of the customers;
    ``forced_k`` overrides the rule. Defaults equal the dbt_project.yml defaults.
    """

    features: tuple[str, ...] = tuple(DEFAULT_FEATURES)
    k_min: int = 2
    k_max: int = 8
    forced_k: int | None = None
    min_chosen_k: int = 3
    min_segment_share: float = MIN_SEGMENT_SHARE
    scaling: str = "standard"
    algorithm: str = "kmeans"
    random_state: int = 42
    n_init: int = 10
    sweep_sample_size: int = 20_000
    sweep_n_init: int = 3
    silhouette_sample_size: int = 10_000
    validation_sample_size: int = 5_000
    n_boot: int = 20
    as_of_date: str | None = None
    warm_start: bool = True
    match_threshold: float = MATCH_THRESHOLD

    def __post_init__(self) -> None:
        """Check types and reject impossible settings, naming the dbt var."""
        set_ = object.__setattr__
        set_(self, "features", _features(self.features))
        for name in _INTEGER_FIELDS:
            set_(self, name, _integer(getattr(self, name), name))
        set_(self, "forced_k", _integer(self.forced_k, "forced_k", optional=True))
        set_(self, "scaling", _choice(self.scaling, "scaling"))
        set_(self, "algorithm", _choice(self.algorithm, "algorithm"))
        set_(self, "as_of_date", _date(self.as_of_date))
        set_(self, "warm_start", _boolean(self.warm_start, "warm_start"))
        set_(self, "match_threshold", _number(self.match_threshold, "match_threshold"))
        set_(self, "min_segment_share", _number(self.min_segment_share, "min_segment_share"))
        problems = []
        if len(self.features) < 2:
            problems.append("segment_features needs at least 2 features")
        if self.k_min < 2:
            problems.append(f"segment_k_min={self.k_min} must be >= 2")
        if self.k_max < self.k_min:
            problems.append(f"segment_k_max={self.k_max} must be >= segment_k_min={self.k_min}")
        if self.min_chosen_k < 2:
            problems.append(f"segment_min_chosen_k={self.min_chosen_k} must be >= 2")
        if self.forced_k is None and self.min_chosen_k > self.k_max:
            problems.append(
                f"segment_min_chosen_k={self.min_chosen_k} must be <= segment_k_max={self.k_max}"
            )
        if not 0 <= self.min_segment_share <= 0.5:
            problems.append(
                f"segment_min_segment_share={self.min_segment_share} must be between 0 and 0.5"
            )
        if self.forced_k is not None and self.forced_k < 2:
            problems.append(f"segment_k={self.forced_k} must be >= 2")
        if self.scaling not in SCALINGS:
            problems.append(f"segment_scaling={self.scaling!r} must be one of {SCALINGS}")
        if self.algorithm not in ALGORITHMS:
            problems.append(f"segment_algorithm={self.algorithm!r} must be one of {ALGORITHMS}")
        if self.n_init < 1:
            problems.append(f"segment_n_init={self.n_init} must be >= 1")
        if self.sweep_n_init < 1:
            problems.append(f"segment_sweep_n_init={self.sweep_n_init} must be >= 1")
        for name in ("sweep_sample_size", "silhouette_sample_size", "validation_sample_size"):
            if getattr(self, name) < 10:
                problems.append(f"{_VAR_OF_FIELD[name]}={getattr(self, name)} must be >= 10")
        if self.n_boot < 0:
            problems.append(f"segment_bootstrap_resamples={self.n_boot} must be >= 0")
        if problems:
            raise SegmentationInputError("Invalid segmentation vars: " + "; ".join(problems) + ".")

    @classmethod
    def from_vars(cls, values: Mapping[str, Any] | None) -> SegmentationConfig:
        """A config from dbt vars, typed as ``var()`` returns them (names in ``CONFIG_VARS``
        and ``as_of_date``). Other keys (the project's other vars) are not segmentation
        settings and are left alone; a null ``segment_k`` or ``as_of_date`` means unset."""
        names = {**CONFIG_VARS, **WINDOW_VARS}
        return cls(**{names[key]: value for key, value in (values or {}).items() if key in names})

    def smallest_k(self) -> tuple[int, str]:
        """The smallest k this config can end with, and the var that sets it."""
        if self.forced_k is not None:
            return self.forced_k, "segment_k"
        if self.min_chosen_k >= self.k_min:
            return self.min_chosen_k, "segment_min_chosen_k"
        return self.k_min, "segment_k_min"
