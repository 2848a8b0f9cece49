"""Paths, constants and number formatting shared by the harness modules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"
BENCHMARKS_MD = ROOT / "BENCHMARKS.md"
GiB = 1024**3

#: The three ways compared, in table order. ``fair_notebook`` is the seeds' notebook with the
#: silhouette on a 10,000-customer sample, as a practitioner would once customers pass ~20k;
#: ``seeds_notebook`` scores every k on every customer (quadratic), as the seed notebooks do.
METHODS = ("project", "fair_notebook", "seeds_notebook")
PEERS = ("fair_notebook", "seeds_notebook")
METHOD_TITLES = {
    "project": "project",
    "fair_notebook": "fair notebook",
    "seeds_notebook": "seeds' notebook",
}
FAIR_SILHOUETTE_SAMPLE = 10_000


@dataclass
class Settings:
    runs: int
    time_cap_s: dict[str, float]  # per method
    mem_cap_bytes: int
    duckdb_memory_limit: str
    runs_root: Path
    keep_db: bool
    env: dict[str, str]
    min_free_disk_bytes: int = 0
    dbt_threads: int = 1
    python_alone: bool = True  # rerun the Python models alone after run 1 (not in --smoke)


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def fmt_bytes(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= GiB:
        return f"{value / GiB:.2f} GiB"
    return f"{value / 1024**2:.0f} MiB"


def fmt_seconds(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 120:
        return f"{value / 60:.1f} min"
    return f"{value:.1f} s"


def fmt_int(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"
