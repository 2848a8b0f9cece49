"""Planted-structure data for the unit tests: groups whose truth is known.

Two shapes: ``planted_blobs`` (Gaussian groups in an already-standardized space, for the
k-selection and fitting maths) and ``persona_customers`` (raw customer features shaped like
the study personas, for the whole pipeline including naming).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def _group_sizes(n: int, shares: Sequence[float]) -> np.ndarray:
    """Split n rows by shares; rounding leftovers go to the largest group."""
    shares = np.asarray(shares, dtype="float64") / np.sum(shares)
    sizes = np.floor(shares * n).astype(int)
    sizes[int(np.argmax(shares))] += n - int(sizes.sum())
    return sizes


def planted_blobs(
    n: int,
    shares: Sequence[float],
    spreads: Sequence[float],
    n_features: int = 7,
    separation: float = 6.0,
    random_state: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian groups with given sizes and spreads; returns (X, true labels).

    Centers are drawn at random and pushed apart to at least ``separation`` (Euclidean),
    so the groups are well separated whatever their number.
    """
    rng = np.random.default_rng(random_state)
    centers: list[np.ndarray] = []
    while len(centers) < len(shares):
        candidate = rng.uniform(-separation, separation, size=n_features)
        if all(np.linalg.norm(candidate - c) >= separation for c in centers):
            centers.append(candidate)
    sizes = _group_sizes(n, shares)
    X = np.vstack(
        [
            rng.normal(center, spread, size=(size, n_features))
            for center, spread, size in zip(centers, spreads, sizes, strict=True)
        ]
    )
    labels = np.repeat(np.arange(len(shares)), sizes)
    order = rng.permutation(n)
    return X[order], labels[order]


#: Typical raw values (location, relative spread) per study persona and feature.
PERSONA_PROFILES: dict[str, dict[str, float]] = {
    "premium_loyalists": {
        "recency_days": 8,
        "order_count": 24,
        "net_revenue": 4000,
        "return_rate": 0.04,
        "top_category_share": 0.35,
        "discount_share": 0.05,
        "visits_per_month": 9,
    },
    "discount_hunters": {
        "recency_days": 25,
        "order_count": 9,
        "net_revenue": 450,
        "return_rate": 0.06,
        "top_category_share": 0.40,
        "discount_share": 0.75,
        "visits_per_month": 4,
    },
    "infrequent_buyers": {
        "recency_days": 120,
        "order_count": 1.5,
        "net_revenue": 45,
        "return_rate": 0.05,
        "top_category_share": 0.55,
        "discount_share": 0.15,
        "visits_per_month": 0.4,
    },
    "category_specific": {
        "recency_days": 30,
        "order_count": 6,
        "net_revenue": 600,
        "return_rate": 0.03,
        "top_category_share": 0.97,
        "discount_share": 0.10,
        "visits_per_month": 2.5,
    },
    "at_risk_dormants": {
        "recency_days": 320,
        "order_count": 12,
        "net_revenue": 2500,
        "return_rate": 0.05,
        "top_category_share": 0.40,
        "discount_share": 0.10,
        "visits_per_month": 0.2,
    },
}


def persona_customers(
    n: int = 1000,
    shares: Sequence[float] = (0.12, 0.25, 0.30, 0.18, 0.15),
    random_state: int = 0,
    noise: float = 0.15,
) -> pd.DataFrame:
    """Customers drawn around the five study personas, in raw units, with a ``persona`` column.

    Count and money features are log-normal around the profile value (``noise`` is the sd of
    the log), shares are clipped to [0, 1]. Rows come shuffled with ids ``c00001``...
    """
    rng = np.random.default_rng(random_state)
    names = list(PERSONA_PROFILES)
    sizes = _group_sizes(n, shares)
    frames = []
    for name, size in zip(names, sizes, strict=True):
        profile = PERSONA_PROFILES[name]
        columns = {}
        for feature, value in profile.items():
            if feature.endswith("_share") or feature == "return_rate":
                draws = rng.normal(value, noise * 0.3, size=size)
                columns[feature] = np.clip(draws, 0.0, 1.0)
            else:
                columns[feature] = value * np.exp(rng.normal(0.0, noise * 2, size=size))
        frame = pd.DataFrame(columns)
        frame["order_count"] = np.maximum(1.0, np.round(frame["order_count"]))
        frame["persona"] = name
        frames.append(frame)
    customers = pd.concat(frames, ignore_index=True)
    customers = customers.iloc[rng.permutation(len(customers))].reset_index(drop=True)
    customers.insert(0, "customer_id", [f"c{i:05d}" for i in range(1, len(customers) + 1)])
    return customers
