"""Segmentation maths for the dbt Python models: choose k, fit, name and validate segments.

Modules by job: ``config`` (the vars, validated once), ``schemas`` (the tables' columns),
``versioning`` (model_version), ``inputs`` (the preamble every build shares), ``build`` (one
function per table, the maths), ``run`` (all of them in one call); the steps they use live in
``prepare``, ``selection``, ``fit``, ``stable_ids``, ``naming`` and ``validation``. Everything
here is pure (pandas frames and arrays in, frames out) and deterministic; the dbt plumbing is
in ``segments.dbt_bridge``.
"""

from segments.model.build import (
    build_centroids,
    build_k_selection,
    build_pca,
    build_pca_loadings,
    build_segments,
    build_training_assignments,
    build_transforms,
    build_validation,
)
from segments.model.config import CONFIG_VARS, SegmentationConfig
from segments.model.errors import SegmentationInputError
from segments.model.fit import FitResult, assign_segments, fit_segments, membership_probabilities
from segments.model.naming import MATCH_THRESHOLD, name_segments, persona_scores
from segments.model.prepare import (
    DEFAULT_FEATURES,
    apply_transform,
    fit_transform,
    select_features,
)
from segments.model.run import SegmentationResult, run_segmentation
from segments.model.schemas import SCHEMAS, empty_table
from segments.model.selection import choose_k, find_elbow, mark_choice, settle_k, sweep_k
from segments.model.stable_ids import match_segments, restate_centroids
from segments.model.validation import (
    bootstrap_stability,
    pca_loadings,
    pca_projection,
    ward_agreement,
)

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
    "build_pca_loadings",
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
    "pca_loadings",
    "pca_projection",
    "persona_scores",
    "restate_centroids",
    "run_segmentation",
    "select_features",
    "settle_k",
    "sweep_k",
    "ward_agreement",
]
