"""Read the exported Parquet marts in a loop, from its own process, as a BI tool would while
a `dbt build` holds the DuckDB file; print a JSON summary when the stop file appears.

Usage: python parquet_reader.py EXPORT_DIR DATABASE STOP_FILE [TIMEOUT_SECONDS]

Once a file has been replaced (a new inode: the build is exporting), the reader also tries to
open the database read-only, to prove it was locked at the time the files were readable. It
never opens the database before that, so it cannot take the lock ahead of dbt.
"""

from __future__ import annotations

import io
import json
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq


def read_once(path: Path) -> dict:
    """Read one file with pandas and with DuckDB; the row count they agree on.

    Both parse the same bytes, read through one open handle, so a replacement between the two
    reads (which os.replace makes atomic, and which is fine) is not mistaken for a torn file.
    """
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
