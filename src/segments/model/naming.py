"""Naming segments after marketing personas, or after their strongest traits.

A persona is a row of rules, one per trait, in {-1, 0, 1} ("low", don't care, "high"),
read against the segment's standardized centroid (z, in standard deviations from the
average active customer). A persona's score for a segment is the mean, over its non-zero
rules, of rule * z(trait feature).

A persona may name a segment only when the segment really shows every trait the persona
claims: each trait's feature is in the model (a persona whose defining trait was dropped,
e.g. "visit often" without visit data, is never chosen) and lies at least
``TRAIT_MIN_Z`` in the persona's direction. Lapsed behaviour wins over weaker traits: a
segment whose recency is ``LAPSED_Z`` or more above average takes only a persona that
claims long recency, else a descriptive name that starts with the lapsed word.
Segments and personas are paired one-to-one by Hungarian assignment maximising the total
score, using only eligible pairs scoring at least ``MATCH_THRESHOLD``; the rest get a
descriptive name from their two strongest traits (model features only).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from segments import registry
from segments.model.errors import SegmentationInputError

#: Minimum persona score (mean z in the persona's direction) to use a persona's name.
MATCH_THRESHOLD = 0.25

#: Each trait a persona claims must lie at least this far (sd) in the claimed direction.
TRAIT_MIN_Z = 0.1

#: A segment this far (sd) above the average recency is lapsed: lapsed wins the name.
LAPSED_Z = 1.0
LAPSED_TRAIT = "recency"

#: Trait -> candidate features, first present wins; rule_<trait> persona columns; feature ->
#: (word when high, word when low) for descriptive names. All from the feature registry
#: (seeds/segment_features.csv: trait, trait_rank, high_word, low_word).
TRAIT_FEATURES: dict[str, list[str]] = registry.trait_features()
RULE_COLUMNS = registry.rule_columns()
PERSONA_COLUMNS = [
    "persona_id",
    "persona_name",
    "description",
    "recommended_campaign",
    "priority",
    *RULE_COLUMNS,
]


def trait_words(features: pd.DataFrame | None = None) -> dict[str, tuple[str, str]]:
    """Feature -> (word when high, word when low), from the registry."""
    table = registry.feature_registry(features)
    return {
        str(row.feature_name): (str(row.high_word), str(row.low_word))
        for row in table.itertuples(index=False)
    }


TRAIT_WORDS: dict[str, tuple[str, str]] = trait_words()

GENERIC_CAMPAIGN = (
    "No standard playbook: review the profile and test a tailored offer against a holdout."
)

NAMING_COLUMNS = [
    "segment_id",
    "persona_id",
    "segment_name",
    "description",
    "recommended_campaign",
    "match_score",
]


def validate_personas(personas: pd.DataFrame, features: pd.DataFrame | None = None) -> pd.DataFrame:
    """Check the personas table (columns, unique ids, rules in {-1, 0, 1}); return it sorted.

    The rule columns are those the feature registry's traits call for (``features``: the
    registry table, default the seed file)."""
    rule_columns = RULE_COLUMNS if features is None else registry.rule_columns(features)
    required = [*PERSONA_COLUMNS[: -len(RULE_COLUMNS)], *rule_columns]
    missing = [c for c in required if c not in personas.columns]
    if missing:
        raise SegmentationInputError(f"Personas table lacks column(s) {missing}.")
    if personas["persona_id"].duplicated().any():
        raise SegmentationInputError("Personas table has duplicate persona_id values.")
    rules = personas[rule_columns].apply(pd.to_numeric, errors="coerce")
    if rules.isna().any().any() or not rules.isin([-1, 0, 1]).all().all():
        raise SegmentationInputError("Persona rule_* columns must be -1, 0 or 1.")
    priority = pd.to_numeric(personas["priority"], errors="coerce")
    if priority.isna().any():
        raise SegmentationInputError("Persona priority must be an integer on every row.")
    checked = personas.copy()
    checked[rule_columns] = rules.astype("int64")
    checked["priority"] = priority.astype("int64")
    return checked.sort_values(["priority", "persona_id"], kind="mergesort").reset_index(drop=True)


def trait_values(
    centroid_z: pd.DataFrame, traits: dict[str, list[str]] | None = None
) -> pd.DataFrame:
    """Segment x trait z-values, using the first feature of each trait present (NaN if none)."""
    columns = {}
    for trait, candidates in (TRAIT_FEATURES if traits is None else traits).items():
        present = [name for name in candidates if name in centroid_z.columns]
        columns[trait] = (
            centroid_z[present[0]].astype("float64")
            if present
            else pd.Series(np.nan, index=centroid_z.index)
        )
    return pd.DataFrame(columns, index=centroid_z.index)


def persona_scores(
    centroid_z: pd.DataFrame, personas: pd.DataFrame, features: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Segment x persona score: mean over the persona's non-zero rules of rule * z.

    A persona with a trait absent from the model scores NaN: it cannot be matched (its
    name and description would claim what the data does not show). ``features``: the
    registry (default the seed file).
    """
    trait_map = TRAIT_FEATURES if features is None else registry.trait_features(features)
    traits = trait_values(centroid_z, trait_map)
    rules = personas.set_index("persona_id")[[f"rule_{trait}" for trait in trait_map]]
    rules = rules.astype("float64")
    rules.columns = list(trait_map)
    present = traits.notna().all(axis=0).astype("float64")
    evidence = traits.fillna(0.0).to_numpy() @ rules.to_numpy().T
    n_rules = (rules != 0).sum(axis=1).to_numpy("float64")
    n_present = (rules != 0).astype("float64").to_numpy() @ present.to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        scores = np.where((n_present == n_rules) & (n_rules > 0), evidence / n_rules, np.nan)
    return pd.DataFrame(scores, index=centroid_z.index, columns=rules.index)


def persona_eligibility(
    centroid_z: pd.DataFrame, personas: pd.DataFrame, features: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Segment x persona: True when the segment shows every trait the persona claims (at
    least ``TRAIT_MIN_Z`` in the claimed direction, feature in the model), and, for a lapsed
    segment (recency z >= ``LAPSED_Z``), the persona claims long recency."""
    trait_map = TRAIT_FEATURES if features is None else registry.trait_features(features)
    traits = trait_values(centroid_z, trait_map)
    rules = personas.set_index("persona_id")[[f"rule_{trait}" for trait in trait_map]]
    rules = rules.astype("float64").to_numpy()
    z = traits.to_numpy("float64")  # NaN where the trait is not in the model
    with np.errstate(invalid="ignore"):
        shown = (rules[None, :, :] * z[:, None, :]) >= TRAIT_MIN_Z - 1e-9
    claimed = rules[None, :, :] != 0
    eligible = np.where(claimed, shown, True).all(axis=2)
    if LAPSED_TRAIT in trait_map:
        position = list(trait_map).index(LAPSED_TRAIT)
        lapsed = np.nan_to_num(z[:, position], nan=-np.inf) >= LAPSED_Z
        claims_lapsed = rules[:, position] > 0
        eligible &= ~lapsed[:, None] | claims_lapsed[None, :]
    return pd.DataFrame(eligible, index=centroid_z.index, columns=personas["persona_id"])


def _format_z(value: float) -> str:
    return f"{value:+.1f} sd"


def describe_traits(
    z: pd.Series, n_traits: int = 2, words: dict[str, tuple[str, str]] | None = None
) -> tuple[str, str]:
    """(name, description) from the strongest traits of one segment, e.g. 'High-spend
    frequent buyers'. A lapsed recency (z >= ``LAPSED_Z``) always comes first; ties in
    strength go to the feature listed first. ``words``: feature -> (high, low) words
    (default: the registry's)."""
    words_of = TRAIT_WORDS if words is None else words
    strength = z.abs().to_numpy()
    lapsed = [
        i
        for i, feature in enumerate(z.index)
        if feature in TRAIT_FEATURES.get(LAPSED_TRAIT, []) and float(z.iloc[i]) >= LAPSED_Z
    ]
    order = sorted(range(len(z)), key=lambda i: (i not in lapsed, -round(strength[i], 9), i))[
        :n_traits
    ]
    picked, phrases = [], []
    for i in order:
        feature, value = z.index[i], float(z.iloc[i])
        high, low = words_of.get(feature, (f"high-{feature}", f"low-{feature}"))
        word = high if value >= 0 else low
        picked.append(word)
        phrases.append(f"{word} ({feature} {_format_z(value)})")
    name = " ".join(picked)
    name = f"{name[:1].upper()}{name[1:]} buyers"
    description = (
        f"No persona fits; strongest traits: {' and '.join(phrases)} versus the average customer."
    )
    return name, description


def _unique_names(names: Sequence[str]) -> list[str]:
    """Append ' (2)', ' (3)'... to repeated names, in the order given."""
    seen: dict[str, int] = {}
    unique = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        unique.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return unique


def name_segments(
    centroid_z: pd.DataFrame,
    personas: pd.DataFrame | None,
    threshold: float = MATCH_THRESHOLD,
    features: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Name each segment (index of ``centroid_z``: segment_id; columns: features in z units).

    ``features`` is the feature registry table (traits and words; e.g. the segment_features
    seed read by a dbt model); None reads seeds/segment_features.csv.

    Returns ``segment_id``, ``persona_id`` (null when no persona fits), ``segment_name``,
    ``description``, ``recommended_campaign``, ``match_score`` (the chosen persona's score;
    for unnamed segments the best score any persona reached). Deterministic.
    """
    centroid_z = centroid_z.sort_index()
    words = TRAIT_WORDS if features is None else trait_words(features)
    segment_ids = centroid_z.index.to_numpy("int64")
    k = len(segment_ids)
    if personas is not None and len(personas) > 0:
        personas = validate_personas(personas, features)
        scores = persona_scores(centroid_z, personas, features)
        shows_traits = persona_eligibility(centroid_z, personas, features).to_numpy()
    else:
        personas = pd.DataFrame(columns=PERSONA_COLUMNS)
        scores = pd.DataFrame(index=centroid_z.index, dtype="float64")
        shows_traits = np.zeros((k, 0), dtype=bool)
    values = np.round(scores.to_numpy("float64"), 9)
    eligible = (np.nan_to_num(values, nan=-np.inf) >= threshold) & shows_traits
    # Columns: personas (allowed pairs only), then one "no persona" option per segment.
    # Priority breaks exact ties: earlier personas get a slightly higher gain.
    tie_break = 1e-7 * np.arange(values.shape[1])[None, :]
    gain = np.where(eligible, values - tie_break, -1e6)
    gain = np.hstack([gain, np.zeros((k, k))])
    rows, cols = linear_sum_assignment(gain, maximize=True)
    assigned = dict(zip(rows.tolist(), cols.tolist(), strict=True))

    records = []
    for position, segment_id in enumerate(segment_ids):
        column = assigned.get(position, -1)
        if 0 <= column < values.shape[1] and eligible[position, column]:
            persona = personas.iloc[column]
            records.append(
                {
                    "segment_id": int(segment_id),
                    "persona_id": str(persona["persona_id"]),
                    "segment_name": str(persona["persona_name"]),
                    "description": str(persona["description"]),
                    "recommended_campaign": str(persona["recommended_campaign"]),
                    "match_score": float(values[position, column]),
                }
            )
            continue
        name, description = describe_traits(centroid_z.iloc[position], words=words)
        best = np.nanmax(values[position]) if np.isfinite(values[position]).any() else math.nan
        records.append(
            {
                "segment_id": int(segment_id),
                "persona_id": None,
                "segment_name": name,
                "description": description,
                "recommended_campaign": GENERIC_CAMPAIGN,
                "match_score": float(best),
            }
        )
    named = pd.DataFrame(records, columns=NAMING_COLUMNS)
    # Two descriptive names alike: tell them apart by their third strongest trait.
    unnamed = named["persona_id"].isna()
    repeated = unnamed & named["segment_name"].duplicated(keep=False)
    for position in np.flatnonzero(repeated.to_numpy()):
        name, description = describe_traits(centroid_z.iloc[position], n_traits=3, words=words)
        named.loc[position, ["segment_name", "description"]] = [name, description]
    # Still two alike: the more extreme of the pair (larger mean |z|) is "Very ...".
    still = unnamed & named["segment_name"].duplicated(keep=False)
    for _, pair in named[still].groupby("segment_name", sort=True):
        if len(pair) == 2:
            strength = centroid_z.abs().mean(axis=1).to_numpy()[pair.index.to_numpy()]
            top = int(pair.index[int(np.argmax(strength))])
            name = str(named.loc[top, "segment_name"])
            named.loc[top, "segment_name"] = f"Very {name[:1].lower()}{name[1:]}"
    named["segment_name"] = _unique_names(named["segment_name"].tolist())
    return named.astype(
        {
            "segment_id": "int64",
            "persona_id": "string",
            "segment_name": "string",
            "description": "string",
            "recommended_campaign": "string",
            "match_score": "float64",
        }
    )
