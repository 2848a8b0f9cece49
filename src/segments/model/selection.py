"""Choosing the number of segments k: a metric sweep, the elbow, and a two-case rule.

Rule (documented in docs/method.md). Candidates are k >= min_k whose smallest segment
holds at least ``min_share`` of the customers (default 3%: a smaller group is too small
for a campaign). Among them, rank each k on silhouette (higher is better), Davies-Bouldin
(lower), Calinski-Harabasz (higher) and distance from the inertia elbow (closer is
better); the best mean rank is the *consensus* k, ties going to the k closest to the elbow,
then to the smaller k.

* Natural groups: when every signal agrees on the consensus k (it is the best candidate on
  all four, mean rank 1) or its silhouette is at least ``STRONG_STRUCTURE_SILHOUETTE``
  (0.5, Kaufman & Rousseeuw's "strong structure"), the data really has that many groups
  and the consensus k is chosen.
* A continuum (the usual case for real shops: silhouettes of 0.25-0.4 at every k): the
  segments are a partition, and a finer partition predicts what customers do next better
  (measured by the backtest, docs/method.md) as long as every segment stays big enough to
  act on. The largest candidate k is chosen.

The sweep's fits are quick (a sub-sample, few restarts), so the chosen k is then checked on
the final fit, on every training customer: while that fit leaves a segment below
``min_share``, k steps down by one and is refitted, down to the smallest k >= min_k
(``settle_k``). A forced k is never changed.

``min_k`` (default 3) avoids the classic trap of the silhouette peaking at k=2, which
splits customers into "good" and "bad" only. The elbow is found on log(inertia): relative
reductions, so that a very poor k=2 does not drag the knee towards small k.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Iterable, Mapping

import numpy as np
import pandas as pd
from kneed import KneeLocator
from sklearn.cluster import KMeans
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score

from segments.model.errors import SegmentationInputError
from segments.model.fit import single_threaded
from segments.model.silhouette import silhouettes_by_k

logger = logging.getLogger(__name__)

METRIC_COLUMNS = [
    "k",
    "inertia",
    "silhouette",
    "davies_bouldin",
    "calinski_harabasz",
    "smallest_segment_share",
]

#: A consensus k with at least this silhouette is a natural grouping (Kaufman & Rousseeuw).
STRONG_STRUCTURE_SILHOUETTE = 0.5

#: Default minimum share of customers in the smallest segment for a k to be a candidate.
MIN_SEGMENT_SHARE = 0.03


def usable_k_values(k_values: Iterable[int], n_customers: int) -> list[int]:
    """Sorted distinct k in [2, n_customers - 1]; logs the values it drops."""
    requested = sorted({int(k) for k in k_values})
    usable = [k for k in requested if 2 <= k <= n_customers - 1]
    skipped = [k for k in requested if k not in usable]
    if skipped:
        logger.info(
            "Skipping k=%s: k must be between 2 and n_customers - 1 = %d",
            skipped,
            n_customers - 1,
        )
    return usable


def _safe_metric(metric, X: np.ndarray, labels: np.ndarray, **kwargs) -> float:
    """A cluster-quality metric, or NaN when it is undefined (e.g. fewer than 2 clusters)."""
    n_labels = len(np.unique(labels))
    if n_labels < 2 or n_labels > len(labels) - 1:
        return float("nan")
    try:
        return float(metric(X, labels, **kwargs))
    except ValueError as exc:  # e.g. a silhouette sample that caught a single cluster
        logger.warning("Metric %s undefined: %s", metric.__name__, exc)
        return float("nan")


def sweep_rows(n_rows: int, sample_size: int | None, random_state: int = 42) -> np.ndarray:
    """Indices of the rows the k sweep sees: all of them up to ``sample_size``, else a fixed
    random subset of that many, in row order (same rows for the same input and seed)."""
    if sample_size is None or n_rows <= sample_size:
        return np.arange(n_rows)
    return np.sort(np.random.RandomState(random_state).choice(n_rows, sample_size, replace=False))


def sweep_k(
    X: np.ndarray,
    k_values: Iterable[int] = range(2, 11),
    random_state: int = 42,
    n_init: int = 10,
    silhouette_sample_size: int = 10_000,
    sample_size: int | None = None,
) -> pd.DataFrame:
    """Fit K-Means for each k and collect inertia, silhouette, Davies-Bouldin, Calinski-Harabasz
    and the share of customers in the smallest segment.

    With ``sample_size``, the sweep runs on a fixed random subset of at most that many rows
    (``sweep_rows``), so its cost is bounded however many customers there are; the chosen k is
    then fitted on every row by the caller. The silhouette is computed on a fixed random sample
    of ``silhouette_sample_size`` of those rows (it is quadratic in the rows it sees).
    """
    X = np.asarray(X, dtype="float64")
    X = X[sweep_rows(len(X), sample_size, random_state)]
    rows, labels_by_k = [], {}
    for k in usable_k_values(k_values, len(X)):
        with single_threaded(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # duplicate points: fewer distinct clusters than k
            model = KMeans(
                n_clusters=k, init="k-means++", n_init=n_init, random_state=random_state
            ).fit(X)
        labels = labels_by_k[k] = model.labels_
        rows.append(
            {
                "k": k,
                "inertia": float(model.inertia_),
                "davies_bouldin": _safe_metric(davies_bouldin_score, X, labels),
                "calinski_harabasz": _safe_metric(calinski_harabasz_score, X, labels),
                "smallest_segment_share": float(
                    np.bincount(labels, minlength=k).min() / len(labels)
                ),
            }
        )
    if not rows:
        raise SegmentationInputError(
            f"No usable k among the requested values for {len(X)} customers; "
            "k must be between 2 and n_customers - 1."
        )
    silhouettes = silhouettes_by_k(X, labels_by_k, silhouette_sample_size, random_state)
    for row in rows:
        row["silhouette"] = silhouettes[row["k"]]
    return pd.DataFrame(rows, columns=METRIC_COLUMNS).astype({"k": "int64"})


def _chord_elbow(k: np.ndarray, inertia: np.ndarray) -> int:
    """Fallback elbow: the point farthest below the straight line from first to last k."""
    if len(k) < 3 or inertia[0] == inertia[-1]:
        return int(k[0])
    x = (k - k[0]) / (k[-1] - k[0])
    y = (inertia - inertia[-1]) / (inertia[0] - inertia[-1])
    gap = (1.0 - x) - y  # chord minus curve, both normalized to [0, 1]
    best = int(np.argmax(gap))
    return int(k[best]) if gap[best] > 0 else int(k[0])


def find_elbow(metrics: pd.DataFrame) -> int:
    """The elbow of the inertia curve by knee detection (kneed, convex & decreasing).

    Knee detection runs on log(inertia), i.e. on relative reductions: on the raw scale the
    huge inertia of k=2 flattens the rest of the curve and pulls the knee one k too low.
    When kneed finds no knee (too few points, or a straight line) fall back to the point
    farthest below the chord joining the first and last k.
    """
    ordered = metrics.sort_values("k")
    k = ordered["k"].to_numpy(dtype="float64")
    inertia = ordered["inertia"].to_numpy(dtype="float64")
    if (inertia > 0).all():
        inertia = np.log(inertia)
    if len(k) >= 3 and np.isfinite(inertia).all():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # kneed warns when it finds no knee
            knee = KneeLocator(k, inertia, curve="convex", direction="decreasing").knee
        if knee is not None:
            return round(float(knee))
    return _chord_elbow(k, inertia)


def candidate_mask(
    metrics: pd.DataFrame, min_k: int = 3, min_share: float = MIN_SEGMENT_SHARE
) -> pd.Series:
    """k >= min_k whose smallest segment holds at least ``min_share`` of the customers.

    Falls back to k >= min_k when no k has segments that big (the data has fewer groups
    than min_k), and to every k when no k reaches min_k.
    """
    at_least_min_k = metrics["k"] >= min_k
    if not at_least_min_k.any():
        return pd.Series(True, index=metrics.index)
    shares = metrics.get("smallest_segment_share")
    if shares is None:
        return at_least_min_k
    big_enough = at_least_min_k & (shares.fillna(0.0) >= min_share - 1e-12)
    if not big_enough.any():
        logger.info(
            "No k >= %d keeps every segment at %.0f%% of customers or more; "
            "choosing among all k >= %d",
            min_k,
            100 * min_share,
            min_k,
        )
        return at_least_min_k
    return big_enough


def consensus_ranks(
    metrics: pd.DataFrame, min_k: int = 3, min_share: float = MIN_SEGMENT_SHARE
) -> pd.Series:
    """Mean rank of each candidate k over the three metrics and the elbow (lower is better).

    Candidates: see ``candidate_mask``. Non-candidates get NaN. A metric that is NaN for a
    k ranks it last for that metric.
    """
    elbow = find_elbow(metrics)
    candidates = candidate_mask(metrics, min_k, min_share)
    pool = metrics.loc[candidates]
    ranks = pd.DataFrame(
        {
            "silhouette": pool["silhouette"].rank(ascending=False, method="min"),
            "davies_bouldin": pool["davies_bouldin"].rank(ascending=True, method="min"),
            "calinski_harabasz": pool["calinski_harabasz"].rank(ascending=False, method="min"),
            "elbow": (pool["k"] - elbow).abs().rank(ascending=True, method="min"),
        }
    )
    ranks = ranks.fillna(len(pool))
    return ranks.mean(axis=1).reindex(metrics.index)


def consensus_k(metrics: pd.DataFrame, min_k: int = 3, min_share: float = MIN_SEGMENT_SHARE) -> int:
    """The candidate k with the best mean rank; ties to the k closest to the elbow, then
    to the smaller k."""
    table = pd.DataFrame(
        {
            "k": metrics["k"],
            "rank": consensus_ranks(metrics, min_k, min_share),
            "elbow_distance": (metrics["k"] - find_elbow(metrics)).abs(),
        }
    ).dropna()
    best = table.sort_values(["rank", "elbow_distance", "k"], kind="mergesort").iloc[0]
    return int(best["k"])


def choose_k_with_reason(
    metrics: pd.DataFrame,
    forced_k: int | None = None,
    min_k: int = 3,
    min_share: float = MIN_SEGMENT_SHARE,
) -> tuple[int, str]:
    """The k to fit from the sweep, and why in words: ``forced_k`` when given, otherwise the
    rule of the module docstring (the consensus k when the data shows natural groups, else
    the largest candidate k). ``settle_k`` then checks it on the full fit."""
    if forced_k is not None:
        return int(forced_k), "forced by the var segment_k"
    if metrics.empty:
        raise SegmentationInputError("Cannot choose k from an empty metric sweep.")
    consensus = consensus_k(metrics, min_k, min_share)
    at_consensus = metrics["k"] == consensus
    silhouette = float(metrics.loc[at_consensus, "silhouette"].iloc[0])
    unanimous = float(consensus_ranks(metrics, min_k, min_share)[at_consensus].iloc[0]) == 1.0
    if unanimous or (np.isfinite(silhouette) and silhouette >= STRONG_STRUCTURE_SILHOUETTE):
        logger.info(
            "k=%d: natural groups (silhouette %.2f, best on every signal: %s)",
            consensus,
            silhouette,
            unanimous,
        )
        if unanimous:
            return consensus, (
                f"natural groups (silhouette {silhouette:.2f}; silhouette, Davies-Bouldin, "
                "Calinski-Harabasz and the elbow all best at this k)"
            )
        return consensus, (
            f"natural groups (silhouette {silhouette:.2f} at the consensus k: 0.5 or more is "
            "strong structure)"
        )
    candidates = metrics.loc[candidate_mask(metrics, min_k, min_share)]
    largest = int(candidates["k"].max())
    shares = candidates["smallest_segment_share"] if "smallest_segment_share" in metrics else None
    big_enough = shares is None or bool((shares.fillna(0.0) >= min_share - 1e-12).all())
    logger.info(
        "k=%d: no natural groups (silhouette %.2f at the consensus k=%d); the largest k "
        "whose segments all hold %.0f%% of customers or more",
        largest,
        silhouette,
        consensus,
        100 * min_share,
    )
    which = (
        f"the largest k >= {min_k} whose every segment holds {_percent(min_share)} of the "
        "customers in the sweep"
        if big_enough
        else f"no k >= {min_k} keeps every segment at {_percent(min_share)} in the sweep: "
        "the largest k"
    )
    return largest, (
        f"no natural groups (silhouette {silhouette:.2f} at the consensus k={consensus}): " + which
    )


def choose_k(
    metrics: pd.DataFrame,
    forced_k: int | None = None,
    min_k: int = 3,
    min_share: float = MIN_SEGMENT_SHARE,
) -> int:
    """The k to fit from the sweep (``choose_k_with_reason`` without the words)."""
    return choose_k_with_reason(metrics, forced_k, min_k, min_share)[0]


def _percent(share: float) -> str:
    """A share in words: 0.03 -> '3%', 0.0057 -> '0.6%'."""
    return f"{100 * share:.1f}".removesuffix(".0") + "%"


def lowest_k(metrics: pd.DataFrame, min_k: int = 3) -> int:
    """The smallest k the automatic rule may end with: the smallest swept k >= min_k (the
    smallest swept k when none reaches min_k)."""
    swept = metrics["k"].astype(int)
    eligible = swept[swept >= min_k]
    return int(eligible.min() if not eligible.empty else swept.min())


def settle_k(
    metrics: pd.DataFrame,
    chosen: int,
    reason: str,
    fitted_share: Callable[[int], float],
    forced: bool = False,
    min_k: int = 3,
    min_share: float = MIN_SEGMENT_SHARE,
) -> tuple[int, dict[int, float], str]:
    """Check the chosen k on the fit that will be used, and step k down until it holds.

    The sweep's ``smallest_segment_share`` comes from quick fits (a sub-sample, fewer
    restarts); the final fit on every training customer with more restarts can still
    isolate a handful of extreme customers (Online Retail as of 2011-08-01: 0.6% at k=8).
    ``fitted_share(k)`` is the smallest segment share of that final fit. While it is below
    ``min_share``, k steps down by one and is refitted, down to ``lowest_k``; a forced k is
    never changed. Returns the k, the fitted share of every k fitted, and the reason.
    """
    k = int(chosen)
    shares = {k: float(fitted_share(k))}
    if forced:
        if shares[k] < min_share - 1e-12:
            reason += (
                f"; its smallest segment holds {_percent(shares[k])} of the customers, "
                f"below segment_min_segment_share ({_percent(min_share)})"
            )
        return k, shares, reason
    floor = min(lowest_k(metrics, min_k), k)
    while shares[k] < min_share - 1e-12 and k > floor:
        logger.info(
            "k=%d: the final fit leaves a segment of %s of the customers (below %s); trying k=%d",
            k,
            _percent(shares[k]),
            _percent(min_share),
            k - 1,
        )
        k -= 1
        shares[k] = float(fitted_share(k))
    if k == chosen:
        return k, shares, reason
    tried = ", ".join(f"k={j} {_percent(shares[j])}" for j in sorted(shares, reverse=True))
    if shares[k] >= min_share - 1e-12:
        reason += (
            f"; the full fit left a segment below {_percent(min_share)} "
            f"(segment_min_segment_share) at k={chosen}, so k stepped down to {k} "
            f"(smallest segment on the full fit: {tried})"
        )
    else:
        reason += (
            f"; no k from {chosen} down to the lower bound {k} keeps every segment at "
            f"{_percent(min_share)} (segment_min_segment_share) on the full fit "
            f"(smallest segment: {tried}): k={k}, the lower bound"
        )
    logger.info("k=%d: %s", k, reason)
    return k, shares, reason


def validate_k(k: int, n_customers: int, var_name: str = "segment_k") -> int:
    """Check 2 <= k <= n_customers - 1, naming the var to change when it is not."""
    if not 2 <= int(k) <= n_customers - 1:
        raise SegmentationInputError(
            f"{var_name}={k} is not possible with {n_customers} eligible customers: "
            f"it must be between 2 and {max(n_customers - 1, 2)}. "
            f"Change the var '{var_name}' or add customers."
        )
    return int(k)


def mark_choice(
    metrics: pd.DataFrame,
    chosen_k: int,
    min_k: int = 3,
    min_share: float = MIN_SEGMENT_SHARE,
    fitted_shares: Mapping[int, float] | None = None,
    reason: str | None = None,
) -> pd.DataFrame:
    """Return the sweep with ``mean_rank``, ``is_elbow``, ``is_chosen`` (exactly one true),
    ``fitted_smallest_segment_share`` (the final fit's, for the k that ``settle_k`` fitted;
    null for the others) and ``selection_reason`` (on the chosen row only).

    When ``chosen_k`` was forced outside the sweep, refit is needed first: this raises.
    """
    if chosen_k not in set(metrics["k"].tolist()):
        raise SegmentationInputError(f"k={chosen_k} is not in the metric sweep.")
    marked = metrics.sort_values("k", kind="mergesort").reset_index(drop=True)
    elbow = find_elbow(marked)
    marked["mean_rank"] = consensus_ranks(marked, min_k, min_share).astype("float64")
    marked["is_elbow"] = (marked["k"] == elbow).astype("bool")
    marked["is_chosen"] = (marked["k"] == chosen_k).astype("bool")
    marked["fitted_smallest_segment_share"] = (
        marked["k"].map(dict(fitted_shares or {})).astype("float64")
    )
    marked["selection_reason"] = pd.Series(
        [reason if chosen else None for chosen in marked["is_chosen"]], dtype="string"
    )
    return marked
