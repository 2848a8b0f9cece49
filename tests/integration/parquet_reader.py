"""Read the exported Parquet marts in a loop, from its own process, as a BI tool would while
a `dbt build` holds the DuckDB file; print a JSON summary when the stop file appears.

Usage: python parquet_reader.py EXPORT_DIR DATABASE STOP_FILE [TIMEOUT_SECONDS]

Once a file has been replaced (a new inode: the build is exporting), the reader also tries to
open the database read-only, to prove it was locked at the time the files were readable. It
never opens the database before that, so it cannot take the lock ahead of dbt.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd

COUNT_SQL = "select count(*) from read_parquet(?)"


def read_once(path: Path) -> dict:
    """Read one file with pandas and with DuckDB; the row count they agree on."""
    frame = pd.read_parquet(path)
    with duckdb.connect() as connection:
        (count,) = connection.execute(COUNT_SQL, [str(path)]).fetchone()
    if count != len(frame):
        raise AssertionError(f"{path.name}: pandas read {len(frame)} rows, duckdb {count}")
    if path.stem == "customer_segments" and frame["customer_id"].duplicated().any():
        raise AssertionError("customer_segments.parquet: duplicate customer_id")
    return {"mart": path.stem, "rows": count, "at": time.time()}


def probe_lock(database: str) -> bool:
    """True when another process holds the database (the build is writing)."""
    try:
        duckdb.connect(database, read_only=True).close()
    except duckdb.IOException:
        return True
    return False


def main(export_dir: str, database: str, stop_file: str, timeout: float = 300.0) -> dict:
    files = sorted(Path(export_dir).glob("*.parquet"))
    initial_inodes = {path.name: path.stat().st_ino for path in files}
    summary: dict = {"files": [path.name for path in files], "reads": [], "errors": []}
    summary["lock_probes"] = []
    deadline = time.monotonic() + timeout
    while not Path(stop_file).exists() and time.monotonic() < deadline:
        for path in files:
            try:
                summary["reads"].append(read_once(path))
            except Exception as error:  # any failure to read is what the test looks for
                summary["errors"].append(f"{path.name}: {type(error).__name__}: {error}")
        replaced = any(path.stat().st_ino != initial_inodes[path.name] for path in files)
        if replaced and len(summary["lock_probes"]) < 3:
            summary["lock_probes"].append({"locked": probe_lock(database), "at": time.time()})
        time.sleep(0.05)
    return summary


if __name__ == "__main__":
    export_dir, database, stop_file, *rest = sys.argv[1:]
    print(json.dumps(main(export_dir, database, stop_file, *(float(v) for v in rest))))
