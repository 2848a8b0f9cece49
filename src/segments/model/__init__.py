"""Segmentation maths for the dbt Python models: choose k, fit, name and validate segments.

The dbt models call the ``build_*`` functions (one per table); ``run_segmentation`` runs them
all. Everything here is pure (frames and arrays in, frames out) and deterministic.
"""

from segments.model.errors import SegmentationInputError
from segments.model.fit import FitResult, assign_segments, fit_segments, membership_probabilities
from segments.model.naming import MATCH_THRESHOLD, name_segments, persona_scores
from segments.model.pipeline import (
    CONFIG_VARS,
    SCHEMAS,
    SegmentationConfig,
    SegmentationResult,
    build_centroids,
    build_k_selection,
    build_pca,
    build_segments,
    build_training_assignments,
    build_transforms,
    build_validation,
    empty_table,
    run_segmentation,
)
from segments.model.prepare import (
    DEFAULT_FEATURES,
    apply_transform,
    fit_transform,
    select_features,
)
from segments.model.selection import choose_k, find_elbow, mark_choice, sweep_k
from segments.model.stable_ids import match_segments, restate_centroids
from segments.model.validation import bootstrap_stability, pca_projection, ward_agreement

__all__ = [
    "CONFIG_VARS",
    "DEFAULT_FEATURES",
    "MATCH_THRESHOLD",
    "SCHEMAS",
    "FitResult",
    "SegmentationConfig",
    "SegmentationInputError",
    "SegmentationResult",
    "apply_transform",
    "assign_segments",
    "bootstrap_stability",
    "build_centroids",
    "build_k_selection",
    "build_pca",
    "build_segments",
    "build_training_assignments",
    "build_transforms",
    "build_validation",
    "choose_k",
    "empty_table",
    "find_elbow",
    "fit_segments",
    "fit_transform",
    "mark_choice",
    "match_segments",
    "membership_probabilities",
    "name_segments",
    "pca_projection",
    "persona_scores",
    "restate_centroids",
    "run_segmentation",
    "select_features",
    "sweep_k",
    "ward_agreement",
]
