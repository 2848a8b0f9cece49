"""Read the published serving copy in a loop, from its own process, as a BI tool would while
a `dbt build` runs; print a JSON summary when the stop file appears.

Usage: python parquet_reader.py OUTPUT_ROOT DATABASE STOP_FILE [TIMEOUT_SECONDS]

It opens OUTPUT_ROOT/current/serving.duckdb read-only at the start and holds it open the
whole time (a BI tool's connection), and on every pass reads each Parquet file of the build
`current` points at. While a build's publish folder (builds/*.tmp) exists, it also tries to
open the build's database read-only, to prove the build held it at that time; it never opens
that database otherwise, so it cannot take the lock ahead of dbt.
"""

from __future__ import annotations

import io
import json
import os
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq


def read_once(path: Path) -> dict:
    """Read one file with pandas and with DuckDB; the row count they agree on, and the build
    id its rows carry. Both parse the same bytes, read through one open handle."""
    with path.open("rb") as handle:
        data = handle.read()
    frame = pd.read_parquet(io.BytesIO(data))
    arrow_table = pq.read_table(io.BytesIO(data))
    with duckdb.connect() as connection:
        connection.register("exported", arrow_table)
        (count,) = connection.execute("select count(*) from exported").fetchone()
    if count != len(frame):
        raise AssertionError(f"{path.name}: pandas read {len(frame)} rows, duckdb {count}")
    if path.stem == "customer_segments" and frame["customer_id"].duplicated().any():
        raise AssertionError("customer_segments.parquet: duplicate customer_id")
    build_ids = sorted(set(frame["build_id"])) if "build_id" in frame else []
    return {"mart": path.stem, "rows": count, "build_ids": build_ids, "at": time.time()}


def probe_lock(database: str) -> bool:
    """True when another process holds the database (the build is writing)."""
    try:
        duckdb.connect(database, read_only=True).close()
    except duckdb.IOException:
        return True
    return False


def held_view(connection) -> dict:
    """What the held connection sees: the build id and the customer count."""
    build_id, customers = connection.execute(
        "select min(build_id), count(*) from customer_segments"
    ).fetchone()
    return {"build_id": build_id, "customers": customers}


def main(root: str, database: str, stop_file: str, timeout: float = 300.0) -> dict:
    root_path = Path(root)
    held = duckdb.connect(str(root_path / "current" / "serving.duckdb"), read_only=True)
    summary: dict = {"held_start": held_view(held), "reads": [], "errors": [], "lock_probes": []}
    summary["files"] = sorted(p.name for p in (root_path / "current" / "marts").glob("*.parquet"))
    deadline = time.monotonic() + timeout
    while not Path(stop_file).exists() and time.monotonic() < deadline:
        build = os.readlink(root_path / "current")
        for name in summary["files"]:
            try:
                read = read_once(root_path / build / "marts" / name)
                read["build"] = Path(build).name
                summary["reads"].append(read)
            except Exception as error:  # any failure to read is what the test looks for
                summary["errors"].append(f"{name}: {type(error).__name__}: {error}")
            publishing = list((root_path / "builds").glob("*.tmp"))
            if publishing and len(summary["lock_probes"]) < 3:
                summary["lock_probes"].append({"locked": probe_lock(database), "at": time.time()})
        time.sleep(0.02)
    summary["held_end"] = held_view(held)
    held.close()
    return summary


if __name__ == "__main__":
    root, database, stop_file, *rest = sys.argv[1:]
    print(json.dumps(main(root, database, stop_file, *(float(v) for v in rest))))
