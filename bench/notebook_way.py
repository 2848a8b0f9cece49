"""The notebook way: RFM + K-Means the way the seed notebooks do it, for the benchmark baseline.

Reads every order line into one pandas frame, cleans it, computes recency / frequency /
monetary per customer, log1p + StandardScaler, fits K-Means for k = 2..10 and scores each k by
``silhouette_score``, refits the best k and profiles the clusters with group means. Written the
way a data scientist would write it in a notebook, on purpose not optimised: it is the baseline
the project is compared against. ``--silhouette-sample 0`` scores every k on ALL customers (the
seed notebooks' way, quadratic); ``--silhouette-sample 10000`` on a sample of that many
customers, as a practitioner would once customers pass ~20k (the fair peer).

Reads the generated shops' canonical Parquet parts, or, with ``--input-format online_retail``,
CSV files with the UCI Online Retail columns (renamed to the canonical ones after reading).

Progress (stage timings, silhouette per k) is rewritten to ``--result`` after every stage, so a
run stopped by the harness's time or memory cap still says how far it got.

Usage::

    python bench/notebook_way.py --data bench/data/1m --result /tmp/notebook.json
    python bench/notebook_way.py --data bench/data/online-retail-x20 --input-format online_retail \
        --silhouette-sample 10000
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler

K_RANGE = range(2, 11)
RANDOM_STATE = 42
ONLINE_RETAIL_COLUMNS = {
    "InvoiceNo": "order_id",
    "CustomerID": "customer_id",
    "InvoiceDate": "ordered_at",
    "Quantity": "quantity",
    "UnitPrice": "unit_price",
}


class Progress:
    """Stage timings and facts, written to a JSON file after every stage."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.started = time.perf_counter()
        self.last = self.started
        self.data: dict = {"status": "running", "stages": {}, "silhouette": {}}

    def stage(self, name: str, **facts: object) -> None:
        now = time.perf_counter()
        self.data["stages"][name] = round(now - self.last, 3)
        self.data.update(facts)
        self.last = now
        self.write()

    def write(self) -> None:
        self.data["elapsed_s"] = round(time.perf_counter() - self.started, 3)
        if self.path is not None:
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.data, indent=2, default=str))
            tmp.replace(self.path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data", type=Path, required=True, help="dir holding order_lines/*.parquet"
    )
    parser.add_argument("--result", type=Path, help="JSON file for stage timings and results")
    parser.add_argument(
        "--input-format",
        choices=("canonical", "online_retail"),
        default="canonical",
        help="canonical: order_lines/*.parquet; online_retail: order_lines/*.csv (UCI columns)",
    )
    parser.add_argument(
        "--silhouette-sample",
        type=int,
        default=0,
        help="customers the silhouette of each k is computed on (0: all of them)",
    )
    args = parser.parse_args(argv)
    progress = Progress(args.result)
    progress.data["silhouette_sample"] = args.silhouette_sample or "all"

    # 1. Load every order line.
    if args.input_format == "online_retail":
        parts = sorted((args.data / "order_lines").glob("*.csv"))
        df = pd.concat(
            [pd.read_csv(part, dtype={"CustomerID": str, "InvoiceNo": str}) for part in parts],
            ignore_index=True,
        ).rename(columns=ONLINE_RETAIL_COLUMNS)
        df["ordered_at"] = pd.to_datetime(df["ordered_at"])
    else:
        parts = sorted((args.data / "order_lines").glob("*.parquet"))
        df = pd.concat([pd.read_parquet(part) for part in parts], ignore_index=True)
    progress.stage("read", raw_lines=len(df))

    # 2. Clean: no customer, non-positive price on a sale, exact duplicates.
    df = df.dropna(subset=["customer_id"])
    df = df[~((df["quantity"] > 0) & (df["unit_price"] <= 0))]
    df = df.drop_duplicates()
    df["total_price"] = df["quantity"] * df["unit_price"]
    progress.stage("clean", clean_lines=len(df))

    # 3. RFM per customer.
    snapshot_date = df["ordered_at"].max() + pd.Timedelta(days=1)
    rfm = df.groupby("customer_id").agg(
        {
            "ordered_at": lambda x: (snapshot_date - x.max()).days,
            "order_id": "nunique",
            "total_price": "sum",
        }
    )
    rfm.columns = ["recency", "frequency", "monetary"]
    rfm = rfm[rfm["monetary"] > 0]
    progress.stage("rfm", customers=len(rfm))

    # 4. log1p + StandardScaler.
    rfm_log = np.log1p(rfm)
    scaler = StandardScaler()
    rfm_scaled = scaler.fit_transform(rfm_log)
    progress.stage("scale")

    # 5. K-Means for each k, scored by the silhouette (on every customer, or on a sample).
    scores = {}
    for k in K_RANGE:
        kmeans = KMeans(n_clusters=k, random_state=RANDOM_STATE, n_init=10)
        labels = kmeans.fit_predict(rfm_scaled)
        progress.stage(f"kmeans_k{k}")
        scores[k] = silhouette_score(
            rfm_scaled,
            labels,
            sample_size=args.silhouette_sample or None,
            random_state=RANDOM_STATE,
        )
        progress.data["silhouette"][str(k)] = round(float(scores[k]), 4)
        progress.stage(f"silhouette_k{k}")
    best_k = max(scores, key=scores.get)

    # 6. Refit the best k and profile the clusters.
    kmeans = KMeans(n_clusters=best_k, random_state=RANDOM_STATE, n_init=10)
    rfm["cluster"] = kmeans.fit_predict(rfm_scaled)
    profile = rfm.groupby("cluster").agg(
        recency=("recency", "mean"),
        frequency=("frequency", "mean"),
        monetary=("monetary", "mean"),
        customers=("recency", "size"),
    )
    progress.stage(
        "refit_profile",
        best_k=best_k,
        profile=profile.round(2).reset_index().to_dict(orient="records"),
    )
    progress.data["status"] = "ok"
    progress.write()
    print(profile.round(2).to_string())
    print(f"best k = {best_k}, silhouette = {scores[best_k]:.4f}, customers = {len(rfm)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
