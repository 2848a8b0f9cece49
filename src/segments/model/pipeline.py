"""The segmentation pipeline, one function per dbt Python model, plus the whole run in one call.

Each ``build_*`` function takes plain DataFrames (the refs) and returns one table, so a dbt
Python model stays a few lines::

    def model(dbt, session):
        config = SegmentationConfig.from_vars(dbt.config.get("segmentation"))
        features = dbt.ref("int_customers_featurized").df()
        return build_transforms(features, config=config)

Stages: transforms -> k_selection -> centroids -> (segments, validation, pca,
training_assignments). Every table carries ``model_version``, a hash of the config and the
training data, so reruns on the same inputs give byte-identical tables. Empty input (as in
``dbt build --empty``) gives empty tables with the right columns and dtypes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

from segments.model.errors import SegmentationInputError
from segments.model.fit import ALGORITHMS, assign_segments, fit_segments, membership_probabilities
from segments.model.naming import MATCH_THRESHOLD, name_segments
from segments.model.prepare import (
    CUSTOMER_ID,
    DEFAULT_FEATURES,
    SCALINGS,
    apply_transform,
    fit_transform,
    round_significant,
    select_features,
)
from segments.model.selection import (
    MIN_SEGMENT_SHARE,
    choose_k,
    mark_choice,
    sweep_k,
    validate_k,
)
from segments.model.stable_ids import centroids_wide, match_segments, restate_centroids
from segments.model.validation import (
    bootstrap_stability,
    explained_variance_ratio,
    pca_projection,
    sample_indices,
    ward_agreement,
)

logger = logging.getLogger(__name__)

#: Bump when a code change alters results, so model_version changes with it.
ALGORITHM_VERSION = "1"

STRING = "string"
SCHEMAS: dict[str, dict[str, str]] = {
    "k_selection": {
        "model_version": STRING,
        "k": "int64",
        "inertia": "float64",
        "silhouette": "float64",
        "davies_bouldin": "float64",
        "calinski_harabasz": "float64",
        "smallest_segment_share": "float64",
        "mean_rank": "float64",
        "is_elbow": "bool",
        "is_chosen": "bool",
    },
    "transforms": {
        "model_version": STRING,
        "feature_name": STRING,
        "feature_position": "int64",
        "clip_lower": "float64",
        "fill_value": "float64",
        "center": "float64",
        "scale": "float64",
        "log_transform": "bool",
    },
    "centroids": {
        "model_version": STRING,
        "segment_id": "int64",
        "feature_name": STRING,
        "centroid_value": "float64",
        "variance": "float64",
        "weight": "float64",
    },
    "segments": {
        "model_version": STRING,
        "segment_id": "int64",
        "persona_id": STRING,
        "segment_name": STRING,
        "description": STRING,
        "recommended_campaign": STRING,
        "stability_class": STRING,
        "training_customers": "int64",
        "match_score": "float64",
        "stability_jaccard": "float64",
    },
    "validation": {
        "model_version": STRING,
        "metric_name": STRING,
        "metric_value": "float64",
    },
    "pca": {
        "model_version": STRING,
        "customer_id": STRING,
        "segment_id": "int64",
        "pc1": "float64",
        "pc2": "float64",
    },
    "training_assignments": {
        "model_version": STRING,
        "customer_id": STRING,
        "segment_id": "int64",
    },
}
SORT_KEYS: dict[str, list[str]] = {
    "k_selection": ["k"],
    "transforms": ["feature_position"],
    "centroids": ["segment_id", "feature_name"],
    "segments": ["segment_id"],
    "validation": ["metric_name"],
    "pca": ["customer_id"],
    "training_assignments": ["customer_id"],
}

#: dbt var name -> config field. ``from_vars`` also accepts the field names themselves.
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
    "segment_silhouette_sample_size": "silhouette_sample_size",
    "segment_validation_sample_size": "validation_sample_size",
    "segment_bootstrap_resamples": "n_boot",
    "segment_warm_start": "warm_start",
    "segment_match_threshold": "match_threshold",
    "as_of_date": "as_of_date",
}
_VAR_OF_FIELD = {value: key for key, value in CONFIG_VARS.items()}
_NULL_WORDS = {"", "none", "null", "~", "nan"}


def _parse_optional_int(value: Any, name: str) -> int | None:
    if value is None or (isinstance(value, str) and value.strip().lower() in _NULL_WORDS):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise SegmentationInputError(f"Var '{name}' must be an integer, got {value!r}.") from exc
    if not number.is_integer():
        raise SegmentationInputError(f"Var '{name}' must be an integer, got {value!r}.")
    return int(number)


def _parse_int(value: Any, name: str) -> int:
    parsed = _parse_optional_int(value, name)
    if parsed is None:
        raise SegmentationInputError(f"Var '{name}' must be an integer, got {value!r}.")
    return parsed


def _parse_features(value: Any) -> tuple[str, ...]:
    """A list, or a string like "a, b", "[a, b]" or "['a', 'b']"."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            value = [part for part in re.split(r"[\s,\[\]'\"]+", text) if part]
    if isinstance(value, str):
        value = [value]
    return tuple(str(name).strip() for name in value if str(name).strip())


def _parse_bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"true", "1", "yes", "y", "on"}:
        return True
    if text in {"false", "0", "no", "n", "off"}:
        return False
    raise SegmentationInputError(f"Var '{name}' must be true or false, got {value!r}.")


def _normalize_date(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and value.strip().lower() in _NULL_WORDS):
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
    (default 3, because the silhouette alone often peaks at an unhelpful k=2);
    ``forced_k`` overrides the rule.
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
    silhouette_sample_size: int = 10_000
    validation_sample_size: int = 5_000
    n_boot: int = 20
    as_of_date: str | None = None
    warm_start: bool = True
    match_threshold: float = MATCH_THRESHOLD

    def __post_init__(self) -> None:
        """Normalize types and reject impossible settings, naming the dbt var."""
        set_ = object.__setattr__
        set_(self, "features", _parse_features(self.features))
        for name in (
            "k_min",
            "k_max",
            "min_chosen_k",
            "random_state",
            "n_init",
            "silhouette_sample_size",
            "validation_sample_size",
            "n_boot",
        ):
            set_(self, name, _parse_int(getattr(self, name), _VAR_OF_FIELD[name]))
        set_(self, "forced_k", _parse_optional_int(self.forced_k, "segment_k"))
        set_(self, "scaling", str(self.scaling).strip().lower())
        set_(self, "algorithm", str(self.algorithm).strip().lower())
        set_(self, "as_of_date", _normalize_date(self.as_of_date))
        set_(self, "warm_start", _parse_bool(self.warm_start, "segment_warm_start"))
        set_(self, "match_threshold", float(self.match_threshold))
        try:
            set_(self, "min_segment_share", float(self.min_segment_share))
        except (TypeError, ValueError) as exc:
            raise SegmentationInputError(
                "Var 'segment_min_segment_share' must be a number between 0 and 0.5, "
                f"got {self.min_segment_share!r}."
            ) from exc
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
            problems.append("segment_n_init must be >= 1")
        if self.silhouette_sample_size < 10 or self.validation_sample_size < 10:
            problems.append("sample sizes must be >= 10")
        if self.n_boot < 0:
            problems.append("segment_n_boot must be >= 0")
        if problems:
            raise SegmentationInputError("Invalid segmentation vars: " + "; ".join(problems) + ".")

    @classmethod
    def from_vars(cls, values: Mapping[str, Any] | str | None) -> SegmentationConfig:
        """Build a config from dbt vars (names in ``CONFIG_VARS`` or the field names).

        Values may be strings, as they arrive when a var is rendered into a model config
        ("5", "none", "a, b"); a JSON string of the whole mapping is accepted too. Missing
        or null entries keep their defaults; unknown keys are ignored.
        """
        if values is None:
            return cls()
        if isinstance(values, str):
            values = json.loads(values) if values.strip() else {}
        known = {f.name for f in fields(cls)}
        kwargs: dict[str, Any] = {}
        for key, value in values.items():
            name = CONFIG_VARS.get(key, key)
            if name not in known:
                logger.debug("Ignoring unknown segmentation var %s", key)
                continue
            if value is None or (isinstance(value, str) and value.strip().lower() in _NULL_WORDS):
                continue
            kwargs[name] = value
        return cls(**kwargs)


@dataclass(frozen=True)
class SegmentationResult:
    """All tables of one segmentation run, plus the facts worth logging."""

    model_version: str | None
    k: int | None
    k_selection: pd.DataFrame
    transforms: pd.DataFrame
    centroids: pd.DataFrame
    segments: pd.DataFrame
    validation: pd.DataFrame
    pca: pd.DataFrame
    training_assignments: pd.DataFrame
    dropped_features: dict[str, str] = field(default_factory=dict)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Table name -> frame, in build order."""
        return {name: getattr(self, name) for name in SCHEMAS}


# ---------------------------------------------------------------- frames and input checks


def as_frame(table: Any) -> pd.DataFrame | None:
    """A pandas frame from a DataFrame, a DuckDB relation (what ``dbt.ref`` gives) or None."""
    if table is None or isinstance(table, pd.DataFrame):
        return table
    if callable(getattr(table, "df", None)):
        return table.df()
    raise SegmentationInputError(f"Expected a DataFrame, got {type(table).__name__}.")


def empty_table(name: str) -> pd.DataFrame:
    """A zero-row table with the right columns and dtypes."""
    return pd.DataFrame({column: pd.Series(dtype=dtype) for column, dtype in SCHEMAS[name].items()})


def _finish(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Select, cast, round floats to 10 significant digits, sort by key, reset the index."""
    schema = SCHEMAS[name]
    frame = frame[list(schema)].copy()
    for column, dtype in schema.items():
        if dtype == "float64":
            frame[column] = round_significant(frame[column].astype("float64").to_numpy())
        elif dtype == STRING:
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    frame = frame.astype(schema)
    return frame.sort_values(SORT_KEYS[name], kind="mergesort").reset_index(drop=True)


def _is_empty(*frames: pd.DataFrame | None) -> bool:
    return any(frame is None or len(frame) == 0 for frame in frames)


def _smallest_k(config: SegmentationConfig) -> tuple[int, str]:
    """The smallest k this config can end with, and the var that sets it."""
    if config.forced_k is not None:
        return config.forced_k, "segment_k"
    if config.min_chosen_k >= config.k_min:
        return config.min_chosen_k, "segment_min_chosen_k"
    return config.k_min, "segment_k_min"


def _prepare_input(features: pd.DataFrame, config: SegmentationConfig) -> pd.DataFrame:
    """Validate customer ids and sort by them (fits must not depend on the row order)."""
    if CUSTOMER_ID not in features.columns:
        raise SegmentationInputError(
            f"The feature table has no '{CUSTOMER_ID}' column (columns: {list(features.columns)})."
        )
    ids = features[CUSTOMER_ID]
    if ids.isna().any():
        raise SegmentationInputError(
            f"{int(ids.isna().sum())} customer(s) have a null customer_id."
        )
    frame = features.copy()
    frame[CUSTOMER_ID] = ids.astype(str)
    duplicated = frame[CUSTOMER_ID].duplicated(keep=False)
    if duplicated.any():
        examples = sorted(frame.loc[duplicated, CUSTOMER_ID].unique().tolist())[:3]
        raise SegmentationInputError(
            f"customer_id is not unique ({int(duplicated.sum())} rows share an id, e.g. "
            f"{examples}); the feature table must have one row per customer."
        )
    n, smallest_k, var = len(frame), *_smallest_k(config)
    if n < smallest_k + 1:
        raise SegmentationInputError(
            f"Only {n} eligible customers, but fitting k >= {smallest_k} segments needs at "
            f"least {smallest_k + 1}. Lower the var '{var}' or widen the customer selection."
        )
    return frame.sort_values(CUSTOMER_ID, kind="mergesort").reset_index(drop=True)


def _fingerprint(frame: pd.DataFrame, config: SegmentationConfig) -> str:
    """Hash of the training rows: customer ids and the requested feature values."""
    columns = [CUSTOMER_ID, *[name for name in config.features if name in frame.columns]]
    data = frame[columns].copy()
    for name in columns[1:]:
        data[name] = pd.to_numeric(data[name], errors="coerce").astype("float64")
    hashed = pd.util.hash_pandas_object(data.astype({CUSTOMER_ID: object}), index=False)
    digest = hashlib.sha256(hashed.to_numpy(dtype="uint64").tobytes())
    digest.update(json.dumps(columns).encode())
    return digest.hexdigest()


def model_version_of(frame: pd.DataFrame, config: SegmentationConfig) -> str:
    """Deterministic 12-hex model id from the config, as_of_date and training data."""
    payload = {
        "algorithm_version": ALGORITHM_VERSION,
        "config": {**asdict(config), "features": list(config.features)},
        "data": _fingerprint(frame, config),
    }
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _single_version(frame: pd.DataFrame, what: str) -> str:
    versions = frame["model_version"].dropna().unique().tolist()
    if len(versions) != 1:
        raise SegmentationInputError(f"{what} must hold exactly one model_version, got {versions}.")
    return str(versions[0])


@dataclass(frozen=True, eq=False)
class _Model:
    """A fitted model read back from its tables, with the training matrix."""

    version: str
    frame: pd.DataFrame
    X: np.ndarray
    features: list[str]
    segment_ids: np.ndarray
    centroids: np.ndarray
    variances: np.ndarray
    weights: np.ndarray
    labels: np.ndarray  # positions into segment_ids


def _load_model(
    features: pd.DataFrame,
    transforms: pd.DataFrame,
    centroids: pd.DataFrame,
    config: SegmentationConfig,
) -> _Model:
    version = _single_version(transforms, "The transforms table")
    if _single_version(centroids, "The centroids table") != version:
        raise SegmentationInputError(
            "The centroids and transforms tables come from different model versions; "
            "rebuild them together."
        )
    frame = _prepare_input(features, config)
    X = apply_transform(frame, transforms)
    names = transforms.sort_values("feature_position")["feature_name"].astype(str).tolist()
    wide = centroids_wide(centroids)
    segment_ids = wide.index.to_numpy("int64")
    by_segment = centroids.drop_duplicates("segment_id").set_index("segment_id")
    variances = centroids.pivot_table(
        index="segment_id", columns="feature_name", values="variance", aggfunc="first"
    )
    matrix = wide[names].to_numpy("float64")
    variance = variances.loc[segment_ids, names].to_numpy("float64")
    weights = by_segment.loc[segment_ids, "weight"].to_numpy("float64")
    labels = assign_segments(X, matrix, variance, weights, config.algorithm)
    return _Model(version, frame, X, names, segment_ids, matrix, variance, weights, labels)


# ---------------------------------------------------------------- one function per table


def build_transforms(
    features: pd.DataFrame, config: SegmentationConfig | None = None
) -> pd.DataFrame:
    """Table ``transforms``: one row per kept feature with the parameters SQL needs to
    compute z (see ``segments.model.prepare``), and the ``model_version`` of this run."""
    config = config or SegmentationConfig()
    features = as_frame(features)
    if _is_empty(features):
        return empty_table("transforms")
    return _transforms_and_dropped(_prepare_input(features, config), config)[0]


def _transforms_and_dropped(
    frame: pd.DataFrame, config: SegmentationConfig
) -> tuple[pd.DataFrame, dict[str, str]]:
    kept, dropped = select_features(frame, config.features)
    _, params = fit_transform(frame, kept, config.scaling)
    params.insert(0, "model_version", model_version_of(frame, config))
    return _finish(params, "transforms"), dropped


def build_k_selection(
    features: pd.DataFrame, transforms: pd.DataFrame, config: SegmentationConfig | None = None
) -> pd.DataFrame:
    """Table ``k_selection``: metrics of every k tried, the elbow and the chosen k."""
    config = config or SegmentationConfig()
    features, transforms = as_frame(features), as_frame(transforms)
    if _is_empty(features, transforms):
        return empty_table("k_selection")
    frame = _prepare_input(features, config)
    X = apply_transform(frame, transforms)
    n = len(frame)
    if config.forced_k is not None:
        validate_k(config.forced_k, n, "segment_k")
    k_values = set(range(config.k_min, config.k_max + 1))
    if config.forced_k is not None:
        k_values.add(config.forced_k)
    metrics = sweep_k(
        X,
        sorted(k_values),
        random_state=config.random_state,
        n_init=config.n_init,
        silhouette_sample_size=config.silhouette_sample_size,
    )
    chosen = choose_k(metrics, config.forced_k, config.min_chosen_k, config.min_segment_share)
    table = mark_choice(metrics, chosen, config.min_chosen_k, config.min_segment_share)
    table.insert(0, "model_version", _single_version(transforms, "The transforms table"))
    return _finish(table, "k_selection")


def chosen_k(k_selection: pd.DataFrame) -> int:
    """The k flagged ``is_chosen`` in a k_selection table."""
    chosen = k_selection.loc[k_selection["is_chosen"].astype(bool), "k"]
    if len(chosen) != 1:
        raise SegmentationInputError(
            f"k_selection must flag exactly one chosen k, found {len(chosen)}."
        )
    return int(chosen.iloc[0])


def _restated_previous(
    previous_centroids: pd.DataFrame | None,
    previous_params: pd.DataFrame | None,
    transforms: pd.DataFrame,
) -> pd.DataFrame | None:
    """Previous centroids in the new standardized space (None when there is no previous)."""
    if _is_empty(previous_centroids):
        return None
    if _is_empty(previous_params):
        logger.warning(
            "Previous centroids without their transform params: matching them as they are"
        )
        return previous_centroids
    return restate_centroids(previous_centroids, previous_params, transforms)


def build_centroids(
    features: pd.DataFrame,
    transforms: pd.DataFrame,
    k_selection: pd.DataFrame,
    config: SegmentationConfig | None = None,
    previous_centroids: pd.DataFrame | None = None,
    previous_params: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Table ``centroids``: one row per segment and feature (standardized units), with the
    GMM variance (1 for K-Means) and the segment weight. Segment ids are stable: matched to
    the previous model when one is given (its centroids and its transforms table)."""
    config = config or SegmentationConfig()
    features, transforms, k_selection = map(as_frame, (features, transforms, k_selection))
    previous_centroids, previous_params = map(as_frame, (previous_centroids, previous_params))
    if _is_empty(features, transforms, k_selection):
        return empty_table("centroids")
    frame = _prepare_input(features, config)
    X = apply_transform(frame, transforms)
    names = transforms.sort_values("feature_position")["feature_name"].astype(str).tolist()
    k = validate_k(chosen_k(k_selection), len(frame), "segment_k")
    previous = _restated_previous(previous_centroids, previous_params, transforms)
    init = None
    if previous is not None and config.warm_start:
        wide = centroids_wide(previous)
        if len(wide) == k and set(names) <= set(wide.columns):
            init = wide[names].to_numpy("float64")
            logger.info("Warm start from the previous model's %d centroids", k)
    fit = fit_segments(X, k, config.algorithm, config.random_state, config.n_init, init)
    ids = match_segments(pd.DataFrame(fit.centroids, columns=names), previous)
    table = pd.DataFrame(
        {
            "segment_id": np.repeat(ids, len(names)),
            "feature_name": np.tile(names, k),
            "centroid_value": fit.centroids.ravel(),
            "variance": fit.variances.ravel(),
            "weight": np.repeat(fit.weights, len(names)),
        }
    )
    table.insert(0, "model_version", _single_version(transforms, "The transforms table"))
    return _finish(table, "centroids")


def _profile_z(model: _Model) -> pd.DataFrame:
    """Centroids as z-scores against all training customers (right for any scaling)."""
    mean, std = model.X.mean(axis=0), model.X.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return pd.DataFrame(
        (model.centroids - mean) / std, index=model.segment_ids, columns=model.features
    )


def build_segments(
    features: pd.DataFrame,
    transforms: pd.DataFrame,
    centroids: pd.DataFrame,
    config: SegmentationConfig | None = None,
    personas: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Table ``segments``: one row per segment with its name, persona, campaign, size and
    bootstrap stability (Hennig's class)."""
    config = config or SegmentationConfig()
    features, transforms, centroids = map(as_frame, (features, transforms, centroids))
    personas = as_frame(personas)
    if _is_empty(features, transforms, centroids):
        return empty_table("segments")
    model = _load_model(features, transforms, centroids, config)
    k = len(model.segment_ids)
    named = name_segments(_profile_z(model), personas, config.match_threshold)
    counts = np.bincount(model.labels, minlength=k)
    if config.n_boot > 0:
        stability = bootstrap_stability(
            model.X,
            model.labels,
            k,
            n_boot=config.n_boot,
            sample_size=config.validation_sample_size,
            random_state=config.random_state,
            algorithm=config.algorithm,
            n_init=config.n_init,
        )
        jaccard = stability["mean_jaccard"].to_numpy()
        classes = stability["stability_class"].tolist()
    else:
        jaccard, classes = np.full(k, np.nan), [None] * k
    facts = pd.DataFrame(
        {
            "segment_id": model.segment_ids,
            "training_customers": counts,
            "stability_jaccard": jaccard,
            "stability_class": pd.Series(classes, dtype=STRING),
        }
    )
    table = named.merge(facts, on="segment_id", how="left", validate="one_to_one")
    table.insert(0, "model_version", model.version)
    return _finish(table, "segments")


def build_validation(
    features: pd.DataFrame,
    transforms: pd.DataFrame,
    centroids: pd.DataFrame,
    config: SegmentationConfig | None = None,
) -> pd.DataFrame:
    """Table ``validation``: one row per metric of the final model (quality of the
    partition, agreement with Ward, PCA explained variance, sizes)."""
    config = config or SegmentationConfig()
    features, transforms, centroids = map(as_frame, (features, transforms, centroids))
    if _is_empty(features, transforms, centroids):
        return empty_table("validation")
    model = _load_model(features, transforms, centroids, config)
    X, labels, k = model.X, model.labels, len(model.segment_ids)
    n_labels = len(np.unique(labels))
    sample = sample_indices(len(X), config.silhouette_sample_size, config.random_state)
    well_defined = 2 <= n_labels <= len(X) - 1 and len(np.unique(labels[sample])) >= 2
    explained = explained_variance_ratio(X)
    metrics = {
        "n_customers": len(X),
        "n_features": X.shape[1],
        "k": k,
        "inertia": float(np.sum((X - model.centroids[labels]) ** 2)),
        "silhouette": silhouette_score(X[sample], labels[sample]) if well_defined else np.nan,
        "davies_bouldin": davies_bouldin_score(X, labels) if n_labels >= 2 else np.nan,
        "calinski_harabasz": calinski_harabasz_score(X, labels) if n_labels >= 2 else np.nan,
        "ward_adjusted_rand_index": ward_agreement(
            X, labels, k, config.validation_sample_size, config.random_state
        ),
        "pca_explained_variance_pc1": explained[0],
        "pca_explained_variance_pc2": explained[1],
        "smallest_segment_share": np.bincount(labels, minlength=k).min() / len(X),
        "largest_segment_share": np.bincount(labels, minlength=k).max() / len(X),
    }
    if config.algorithm == "gmm":
        probabilities = membership_probabilities(X, model.centroids, model.variances, model.weights)
        metrics["mean_max_membership_probability"] = float(probabilities.max(axis=1).mean())
    table = pd.DataFrame(
        {"metric_name": list(metrics), "metric_value": [float(v) for v in metrics.values()]}
    )
    table.insert(0, "model_version", model.version)
    return _finish(table, "validation")


def build_pca(
    features: pd.DataFrame,
    transforms: pd.DataFrame,
    centroids: pd.DataFrame,
    config: SegmentationConfig | None = None,
) -> pd.DataFrame:
    """Table ``pca``: a fixed sample of customers on the first two principal components."""
    config = config or SegmentationConfig()
    features, transforms, centroids = map(as_frame, (features, transforms, centroids))
    if _is_empty(features, transforms, centroids):
        return empty_table("pca")
    model = _load_model(features, transforms, centroids, config)
    points, _ = pca_projection(
        model.X, model.labels, config.validation_sample_size, config.random_state
    )
    table = pd.DataFrame(
        {
            "model_version": model.version,
            "customer_id": model.frame[CUSTOMER_ID].to_numpy()[points["row_index"]],
            "segment_id": model.segment_ids[points["segment_index"]],
            "pc1": points["pc1"],
            "pc2": points["pc2"],
        }
    )
    return _finish(table, "pca")


def build_training_assignments(
    features: pd.DataFrame,
    transforms: pd.DataFrame,
    centroids: pd.DataFrame,
    config: SegmentationConfig | None = None,
) -> pd.DataFrame:
    """Table ``training_assignments``: each training customer's segment, scored exactly as
    the SQL scorer does (nearest stored centroid, or highest GMM density)."""
    config = config or SegmentationConfig()
    features, transforms, centroids = map(as_frame, (features, transforms, centroids))
    if _is_empty(features, transforms, centroids):
        return empty_table("training_assignments")
    model = _load_model(features, transforms, centroids, config)
    table = pd.DataFrame(
        {
            "model_version": model.version,
            "customer_id": model.frame[CUSTOMER_ID],
            "segment_id": model.segment_ids[model.labels],
        }
    )
    return _finish(table, "training_assignments")


def run_segmentation(
    features: pd.DataFrame,
    previous_centroids: pd.DataFrame | None = None,
    previous_params: pd.DataFrame | None = None,
    config: SegmentationConfig | None = None,
    personas: pd.DataFrame | None = None,
) -> SegmentationResult:
    """Run every stage in order and return all tables (the same as the dbt models build)."""
    config = config or SegmentationConfig()
    features, personas = as_frame(features), as_frame(personas)
    previous_centroids, previous_params = map(as_frame, (previous_centroids, previous_params))
    if _is_empty(features):
        logger.info("No customers to segment: returning empty tables")
        empty = {name: empty_table(name) for name in SCHEMAS}
        return SegmentationResult(model_version=None, k=None, **empty)
    frame = _prepare_input(features, config)
    transforms, dropped = _transforms_and_dropped(frame, config)
    k_selection = build_k_selection(frame, transforms, config)
    centroids = build_centroids(
        frame, transforms, k_selection, config, previous_centroids, previous_params
    )
    return SegmentationResult(
        model_version=str(transforms["model_version"].iloc[0]),
        k=chosen_k(k_selection),
        k_selection=k_selection,
        transforms=transforms,
        centroids=centroids,
        segments=build_segments(frame, transforms, centroids, config, personas),
        validation=build_validation(frame, transforms, centroids, config),
        pca=build_pca(frame, transforms, centroids, config),
        training_assignments=build_training_assignments(frame, transforms, centroids, config),
        dropped_features=dropped,
    )
