"""Backtest experiment: how well do segments predict the next 90 days on UCI Online Retail?

For each cut-off date the project's own SQL builds the customer features as of that date
(``dbt build -s +int_customer_features`` with ``as_of_date``), then every method below
segments the active customers and we measure eta squared (share of variance explained by
the segment) of two next-period outcomes over the horizon after the cut-off:

* ``log(1 + net revenue)`` (net revenue clipped at 0), and
* bought again (1 when the customer has a purchase line in the horizon).

Methods: the classic RFM grid (R x F quintiles, named cells), the notebook way (k-means on
log RFM, k by best silhouette), k-means on log RFM with k=6 chosen by hand, and the
project's library with a given configuration (the defaults, and candidates).

Reproduce (about 1-2 minutes per cut-off, most of it the dbt build)::

    .venv/bin/python bench/quality/backtest_experiment.py \
        --data ../shared/data/online_retail/online_retail.csv.gz \
        --cutoffs 2011-06-01 2011-08-01 2011-09-01 --out bench/quality/results.csv

Feature databases are cached in ``--work-dir`` (default ``target/quality``); pass
``--rebuild`` to build them again.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score

from segments.model.config import SegmentationConfig
from segments.model.run import run_segmentation

PROJECT_DIR = Path(__file__).resolve().parents[2]
PERSONAS = PROJECT_DIR / "seeds" / "segment_personas.csv"
RANDOM_STATE = 42


# ----------------------------------------------------------------------------- data


def build_features(data: Path, cutoff: str, database: Path, rebuild: bool) -> None:
    """Run the project's SQL up to the customer features, as of ``cutoff``."""
    if database.exists() and not rebuild:
        return
    from dbt.cli.main import dbtRunner

    database.parent.mkdir(parents=True, exist_ok=True)
    if database.exists():
        database.unlink()
    os.environ.update(
        DO_NOT_TRACK="1",
        DBT_PROFILES_DIR=str(PROJECT_DIR),
        DBT_PROJECT_DIR=str(PROJECT_DIR),
        DBT_DUCKDB_PATH=str(database),
    )
    variables = (
        f"{{input_format: online_retail, transactions_path: '{data.resolve()}', "
        f"as_of_date: '{cutoff}'}}"
    )
    result = dbtRunner().invoke(
        [
            "build",
            "--quiet",
            "--select",
            "+int_customer_features",
            "--exclude-resource-type",
            "test",
            "--vars",
            variables,
            "--target-path",
            str(database.parent / "dbt_target"),
        ]
    )
    if not result.success:
        raise SystemExit(f"dbt build failed for cut-off {cutoff}: {result.exception}")


def load(database: Path, horizon_days: int) -> pd.DataFrame:
    """Active customers' features and their outcomes over the horizon after as_of_date."""
    with duckdb.connect(str(database)) as connection:
        return connection.sql(
            f"""
            with window_ as (
                select as_of_date, as_of_date + interval {horizon_days} day as horizon_end
                from intermediate.int_analysis_window
            ),
            future as (
                select
                    lines.customer_id,
                    sum(lines.net_amount) as future_net_revenue,
                    bool_or(lines.quantity > 0) as bought_again
                from intermediate.int_order_lines_accepted as lines
                cross join window_
                where lines.ordered_at >= window_.as_of_date
                    and lines.ordered_at < window_.horizon_end
                group by lines.customer_id
            )
            select
                features.*,
                coalesce(future.future_net_revenue, 0) as future_net_revenue,
                coalesce(future.bought_again, false) as bought_again
            from intermediate.int_customer_features as features
            left join future on features.customer_id = future.customer_id
            where features.is_active
            order by features.customer_id
            """
        ).df()


def eta_squared(outcome: np.ndarray, labels: np.ndarray) -> float:
    """Between-group sum of squares over total sum of squares."""
    outcome = np.asarray(outcome, dtype="float64")
    total = ((outcome - outcome.mean()) ** 2).sum()
    frame = pd.DataFrame({"y": outcome, "g": np.asarray(labels)})
    groups = frame.groupby("g")["y"].agg(["mean", "size"])
    between = (groups["size"] * (groups["mean"] - outcome.mean()) ** 2).sum()
    return float(between / total)


# ----------------------------------------------------------------------------- methods


def score_quintile(values: pd.Series, ascending: bool = True) -> pd.Series:
    """Scores 1-5 by quintile of rank; tied values share the score of their lowest rank.

    The same rule as the SQL mart: ``floor(5 * (rank - 1) / n) + 1`` with ``rank()``.
    """
    ranks = values.rank(method="min", ascending=ascending)
    return (np.floor(5 * (ranks - 1) / len(values)) + 1).astype(int)


def rfm_cell(r: int, f: int, with_lost: bool = True) -> str:
    """The classic R x F segment map (R first): ten cells, plus Lost split from Hibernating."""
    if r >= 5 and f >= 4:
        return "Champions"
    if r in (3, 4) and f >= 4:
        return "Loyal"
    if r >= 4 and f in (2, 3):
        return "Potential loyalists"
    if r == 5 and f == 1:
        return "New"
    if r == 4 and f == 1:
        return "Promising"
    if r == 3 and f == 3:
        return "Need attention"
    if r == 3 and f <= 2:
        return "About to sleep"
    if r <= 2 and f == 5:
        return "Cannot lose them"
    if r <= 2 and f in (3, 4):
        return "At risk"
    if with_lost and r == 1 and f <= 2:
        return "Lost"
    return "Hibernating"


def rfm_grid(frame: pd.DataFrame, with_lost: bool = True) -> np.ndarray:
    recency = score_quintile(frame["recency_days"], ascending=False)
    frequency = score_quintile(frame["order_count"], ascending=True)
    return np.array([rfm_cell(r, f, with_lost) for r, f in zip(recency, frequency, strict=True)])


def log_rfm(frame: pd.DataFrame) -> np.ndarray:
    raw = np.column_stack(
        [
            np.log1p(frame["recency_days"].astype(float)),
            np.log1p(frame["order_count"].astype(float)),
            np.log1p(frame["net_revenue"].astype(float).clip(lower=0)),
        ]
    )
    return (raw - raw.mean(axis=0)) / raw.std(axis=0)


def kmeans_labels(X: np.ndarray, k: int) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return KMeans(n_clusters=k, n_init=10, random_state=RANDOM_STATE).fit_predict(X)


def notebook(frame: pd.DataFrame) -> tuple[np.ndarray, int]:
    """k-means on log RFM with k by best silhouette over 2..10 (the usual notebook)."""
    X = log_rfm(frame)
    best = max(
        range(2, 11),
        key=lambda k: silhouette_score(X, kmeans_labels(X, k), random_state=RANDOM_STATE),
    )
    return kmeans_labels(X, best), best


def project(frame: pd.DataFrame, **config) -> tuple[np.ndarray, int, pd.DataFrame]:
    """The project's library, as the dbt models run it, with ``config`` over the defaults."""
    personas = pd.read_csv(PERSONAS)
    features = ["customer_id", *SegmentationConfig().features, *config.get("features", [])]
    columns = [c for c in dict.fromkeys(features) if c in frame.columns]
    result = run_segmentation(
        frame[columns], config=SegmentationConfig(**config), personas=personas
    )
    labels = (
        frame[["customer_id"]]
        .merge(result.training_assignments, on="customer_id", how="left")["segment_id"]
        .to_numpy()
    )
    return labels, int(result.k), result.segments


# ----------------------------------------------------------------------------- run

CANDIDATES: dict[str, dict] = {}


def evaluate(frame: pd.DataFrame, cutoff: str, candidates: dict[str, dict]) -> list[dict]:
    revenue = np.log1p(frame["future_net_revenue"].astype(float).clip(lower=0)).to_numpy()
    again = frame["bought_again"].astype(float).to_numpy()
    rows = []

    def record(method: str, labels: np.ndarray, k: int, names: str = "") -> None:
        sizes = pd.Series(labels).value_counts(normalize=True)
        rows.append(
            {
                "cutoff": cutoff,
                "method": method,
                "k": k,
                "eta2_revenue": round(eta_squared(revenue, labels), 4),
                "eta2_bought_again": round(eta_squared(again, labels), 4),
                "smallest_share": round(float(sizes.min()), 4),
                "names": names,
            }
        )
        print(rows[-1], flush=True)

    grid = rfm_grid(frame, with_lost=True)
    record("rfm_grid", grid, len(set(grid)))
    grid10 = rfm_grid(frame, with_lost=False)
    record("rfm_grid_ten_cells", grid10, len(set(grid10)))
    labels, k = notebook(frame)
    record("notebook", labels, k)
    record("hand_tuned_k6", kmeans_labels(log_rfm(frame), 6), 6)
    for name, config in candidates.items():
        labels, k, segments = project(frame, **config)
        record(name, labels, k, "; ".join(segments["segment_name"].astype(str)))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--cutoffs", nargs="+", default=["2011-06-01", "2011-08-01", "2011-09-01"])
    parser.add_argument("--horizon-days", type=int, default=90)
    parser.add_argument("--work-dir", type=Path, default=PROJECT_DIR / "target" / "quality")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--only", nargs="*", help="candidate names to run (default all)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    candidates = {
        name: config
        for name, config in {"project_defaults": {}, **CANDIDATES}.items()
        if not args.only or name in args.only
    }
    rows = []
    for cutoff in args.cutoffs:
        database = args.work_dir / f"online_retail_{cutoff}.duckdb"
        build_features(args.data, cutoff, database, args.rebuild)
        rows += evaluate(load(database, args.horizon_days), cutoff, candidates)
    table = pd.DataFrame(rows)
    print(table.drop(columns="names").to_string(index=False))
    if args.out:
        table.to_csv(args.out, index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
