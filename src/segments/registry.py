"""The feature registry and the reserved segments, each defined once as a seed.

``seeds/segment_features.csv`` is the one definition of the customer features the project
knows: name, position, transform (``log_transform``), whether it is a default clustering
feature (``is_default``), profiled in ``segment_profiles`` (``is_profiled``) and in the report
(``is_reported``), the persona
trait it measures, and how people read it (label, unit, kind of number, words for high and
low). ``seeds/segment_reserved.csv`` holds the segments the model never assigns (segment 0,
the inactive customers): name, description, campaign.

dbt loads both as seeds (SQL joins them, the report reads them from the warehouse); the
library reads the same files through :func:`feature_registry` and :func:`reserved_segments`
when it runs without dbt (defaults, unit tests). The files are found next to this package in
a checkout (``pip install -e .``, as ``make build`` does).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

#: The project's seed folder, seen from src/segments/registry.py in a checkout.
SEEDS_DIR = Path(__file__).resolve().parents[2] / "seeds"
FEATURES_SEED = "segment_features"
RESERVED_SEED = "segment_reserved"
#: segment_id of the inactive customers (kept in every table, never clustered).
INACTIVE_SEGMENT_ID = 0

TEXT_COLUMNS = (
    "feature_name",
    "trait",
    "label",
    "unit",
    "kind",
    "high_word",
    "low_word",
    "high_phrase",
    "low_phrase",
    "template",
)
BOOLEAN_COLUMNS = ("log_transform", "is_default", "is_profiled", "is_reported")
FEATURE_COLUMNS = (*TEXT_COLUMNS, "feature_position", "trait_rank", *BOOLEAN_COLUMNS)
KINDS = ("count", "money", "days", "share", "rate")
RESERVED_COLUMNS = ("segment_id", "segment_name", "description", "recommended_campaign")


def _error(message: str) -> Exception:
    """The library's input error (imported late: segments.model imports this module)."""
    from segments.model.errors import SegmentationInputError

    return SegmentationInputError(message)


def _read_seed(name: str) -> pd.DataFrame:
    path = SEEDS_DIR / f"{name}.csv"
    if not path.is_file():
        raise _error(
            f"Seed {path} not found: the library reads it from the project checkout "
            "(install with `pip install -e .` from the repository, as `make build` does)."
        )
    return pd.read_csv(path, keep_default_na=False, na_values=[""], dtype=str)


def _as_bool(values: pd.Series, column: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(values):
        return values.astype(bool)
    text = values.astype("string").str.strip().str.lower()
    if not text.isin(["true", "false"]).all():
        raise _error(f"{FEATURES_SEED}.{column} must be true or false.")
    return text.eq("true").astype(bool)


def validate_features(features: pd.DataFrame) -> pd.DataFrame:
    """Check a feature registry (from the seed file or the warehouse's seed table) and return
    it typed and sorted by feature_position."""
    missing = [c for c in FEATURE_COLUMNS if c not in features.columns]
    if missing:
        raise _error(f"{FEATURES_SEED} lacks column(s) {missing}.")
    frame = features[list(FEATURE_COLUMNS)].copy()
    for column in TEXT_COLUMNS:
        frame[column] = frame[column].astype("string").str.strip()
        frame[column] = frame[column].mask(frame[column] == "")
    for column in BOOLEAN_COLUMNS:
        frame[column] = _as_bool(frame[column], column)
    for column in ("feature_position", "trait_rank"):
        frame[column] = pd.to_numeric(frame[column], errors="raise").astype("Int64")
    if frame["feature_name"].isna().any() or frame["feature_name"].duplicated().any():
        raise _error(f"{FEATURES_SEED}.feature_name must be set and unique.")
    if frame["feature_position"].isna().any() or frame["feature_position"].duplicated().any():
        raise _error(f"{FEATURES_SEED}.feature_position must be set and unique.")
    bad_kind = sorted(set(frame["kind"].dropna()) - set(KINDS))
    if bad_kind or frame["kind"].isna().any():
        raise _error(f"{FEATURES_SEED}.kind must be one of {KINDS}.")
    has_trait = frame["trait"].notna()
    if (has_trait != frame["trait_rank"].notna()).any():
        raise _error(f"{FEATURES_SEED}: trait and trait_rank are set together or not at all.")
    if frame.loc[has_trait, ["trait", "trait_rank"]].duplicated().any():
        raise _error(f"{FEATURES_SEED}: (trait, trait_rank) must be unique.")
    return frame.sort_values("feature_position", kind="mergesort").reset_index(drop=True)


@lru_cache(maxsize=1)
def _registry_from_file() -> pd.DataFrame:
    return validate_features(_read_seed(FEATURES_SEED))


def feature_registry(features: pd.DataFrame | None = None) -> pd.DataFrame:
    """The registry: ``features`` (e.g. the seed table read from the warehouse) validated,
    or, when None, the seed file. One row per feature, in feature_position order."""
    if features is None:
        return _registry_from_file().copy()
    return validate_features(features)


def default_features(features: pd.DataFrame | None = None) -> list[str]:
    """Features clustered when the var segment_features is not set, in position order."""
    registry = feature_registry(features)
    return registry.loc[registry["is_default"], "feature_name"].tolist()


def log_features(features: pd.DataFrame | None = None) -> frozenset[str]:
    """Features modelled on the log1p scale (counts, durations, money)."""
    registry = feature_registry(features)
    return frozenset(registry.loc[registry["log_transform"], "feature_name"])


def profile_features(features: pd.DataFrame | None = None) -> list[str]:
    """Features profiled per segment in segment_profiles (<feature>_mean/_median), in
    position order."""
    registry = feature_registry(features)
    return registry.loc[registry["is_profiled"], "feature_name"].tolist()


def reported_features(features: pd.DataFrame | None = None) -> list[str]:
    """Features the report profiles (heatmap, traits) besides the model's own, in position
    order."""
    registry = feature_registry(features)
    return registry.loc[registry["is_reported"], "feature_name"].tolist()


def trait_features(features: pd.DataFrame | None = None) -> dict[str, list[str]]:
    """Persona trait -> its candidate features, preferred first (trait_rank). Traits in the
    position order of their preferred feature; each has a rule_<trait> persona column."""
    registry = feature_registry(features)
    with_trait = registry[registry["trait"].notna()]
    ordered = with_trait.sort_values(["trait_rank", "feature_position"], kind="mergesort")
    traits: dict[str, list[str]] = {}
    first = ordered.drop_duplicates("trait").sort_values("feature_position", kind="mergesort")
    for trait in first["trait"]:
        candidates = ordered.loc[ordered["trait"] == trait, "feature_name"]
        traits[str(trait)] = [str(name) for name in candidates]
    return traits


def rule_columns(features: pd.DataFrame | None = None) -> list[str]:
    """The persona seed's rule columns the registry's traits call for."""
    return [f"rule_{trait}" for trait in trait_features(features)]


@lru_cache(maxsize=1)
def _reserved_from_file() -> pd.DataFrame:
    return validate_reserved(_read_seed(RESERVED_SEED))


def validate_reserved(reserved: pd.DataFrame) -> pd.DataFrame:
    """Check the reserved-segments table (columns, unique ids, segment 0 present)."""
    missing = [c for c in RESERVED_COLUMNS if c not in reserved.columns]
    if missing:
        raise _error(f"{RESERVED_SEED} lacks column(s) {missing}.")
    frame = reserved[list(RESERVED_COLUMNS)].copy()
    frame["segment_id"] = pd.to_numeric(frame["segment_id"], errors="raise").astype("int64")
    for column in RESERVED_COLUMNS[1:]:
        frame[column] = frame[column].astype(str)
    if frame["segment_id"].duplicated().any():
        raise _error(f"{RESERVED_SEED}.segment_id must be unique.")
    if INACTIVE_SEGMENT_ID not in set(frame["segment_id"]):
        raise _error(
            f"{RESERVED_SEED} has no row for segment {INACTIVE_SEGMENT_ID} (inactive customers)."
        )
    return frame.sort_values("segment_id", kind="mergesort").reset_index(drop=True)


def reserved_segments(reserved: pd.DataFrame | None = None) -> pd.DataFrame:
    """The reserved segments: ``reserved`` (the warehouse's seed table) validated, or, when
    None, the seed file."""
    if reserved is None:
        return _reserved_from_file().copy()
    return validate_reserved(reserved)


def inactive_segment(reserved: pd.DataFrame | None = None) -> dict[str, str]:
    """segment_name, description and recommended_campaign of segment 0."""
    frame = reserved_segments(reserved)
    row = frame[frame["segment_id"] == INACTIVE_SEGMENT_ID].iloc[0]
    return {column: str(row[column]) for column in RESERVED_COLUMNS[1:]}
