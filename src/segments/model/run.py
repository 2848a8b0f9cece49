"""The whole segmentation in one call: every table of ``segments.model.build``, in DAG order.

Public API for using the library without dbt (a notebook, a script, the tests): the dbt
Python models call the ``build_*`` functions one per model instead, and give the same tables.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import pandas as pd

from segments.model.build import (
    build_centroids,
    build_k_selection,
    build_pca,
    build_pca_loadings,
    build_segments,
    build_training_assignments,
    build_validation,
    chosen_k,
    transforms_and_dropped,
)
from segments.model.config import SegmentationConfig
from segments.model.inputs import sorted_customers
from segments.model.schemas import SCHEMAS, empty_table

logger = logging.getLogger(__name__)


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
    pca_loadings: pd.DataFrame
    training_assignments: pd.DataFrame
    dropped_features: dict[str, str] = field(default_factory=dict)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Table name -> frame, in the order of ``SCHEMAS``."""
        return {name: getattr(self, name) for name in SCHEMAS}


def run_segmentation(
    features: pd.DataFrame,
    previous_centroids: pd.DataFrame | None = None,
    previous_params: pd.DataFrame | None = None,
    config: SegmentationConfig | None = None,
    personas: pd.DataFrame | None = None,
) -> SegmentationResult:
    """Fit and describe segments of ``features`` (one row per customer): the same tables the
    dbt models build. ``previous_centroids`` + ``previous_params`` (a previous run's
    centroids and transforms) keep segment ids stable across retrains."""
    config = config or SegmentationConfig()
    if not (features is None or isinstance(features, pd.DataFrame)):
        kind = type(features).__name__
        raise TypeError(f"run_segmentation: features must be a pandas DataFrame, got {kind}.")
    if features is None or len(features) == 0:
        logger.info("No customers to segment: returning empty tables")
        empty = {name: empty_table(name) for name in SCHEMAS}
        return SegmentationResult(model_version=None, k=None, **empty)
    frame = sorted_customers(features, config)
    transforms, dropped = transforms_and_dropped(frame, config)
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
        pca_loadings=build_pca_loadings(frame, transforms, centroids, config),
        training_assignments=build_training_assignments(frame, transforms, centroids, config),
        dropped_features=dropped,
    )
