"""The project's run: ``dbt build`` of the whole project into a fresh DuckDB file, per-node
timings from dbt's run_results.json, and the Python models run again alone for their memory."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
from pathlib import Path

from .common import BENCH, ROOT, Settings
from .inputs import Input
from .measure import measure, write_samples


def dbt_executable() -> str:
    beside = Path(sys.executable).parent / "dbt"
    if beside.exists():
        return str(beside)
    found = shutil.which("dbt")
    if not found:
        raise SystemExit("dbt not found beside the Python interpreter nor on PATH")
    return found


def run_project(item: Input, data: Path, index: int, settings: Settings) -> dict:
    """One ``dbt build`` into a fresh DuckDB file; per-node timings from run_results.json."""
    run_dir = settings.runs_root / item.label / f"project-{index}"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    database = run_dir / "bench.duckdb"  # DuckDB spills to bench.duckdb.tmp/ beside it
    dbt_vars = {**item.paths(data), "input_format": item.input_format}
    env = {
        **settings.env,
        "DBT_DUCKDB_PATH": str(database),
        "BENCH_DUCKDB_MEMORY_LIMIT": settings.duckdb_memory_limit,
        "BENCH_DBT_THREADS": str(settings.dbt_threads),
    }

    def dbt(*args: str, name: str = "") -> list[str]:
        return [
            dbt_executable(),
            *args,
            "--project-dir",
            str(ROOT),
            "--profiles-dir",
            str(BENCH),
            "--target",
            "bench",
            "--target-path",
            str(run_dir / f"target{name}"),
            "--log-path",
            str(run_dir / f"logs{name}"),
            "--vars",
            json.dumps(dbt_vars),
        ]

    result = measure(
        dbt("build"),
        cwd=ROOT,
        env=env,
        log_path=run_dir / "dbt.log",
        time_cap_s=settings.time_cap_s["project"],
        mem_cap_bytes=settings.mem_cap_bytes,
        min_free_disk_bytes=settings.min_free_disk_bytes,
    )
    write_samples(run_dir / "rss.csv", result.samples)
    run = result.summary()
    run["nodes"] = _node_timings(run_dir / "target", result.samples)
    run["python_step"] = _python_step(run["nodes"], result.samples)
    if result.status == "ok" and database.exists():
        run["database_bytes"] = database.stat().st_size
        run.update(_customer_counts(database))
        has_python = any(n["language"] == "python" for n in run["nodes"])
        if index == 1 and has_python and settings.python_alone:
            # The Python models again, alone, in a fresh dbt process on the built database:
            # their memory without SQL nodes running beside them (in case the build used 2 threads).
            alone = measure(
                dbt("run", "--select", "path:python_models", "--threads", "1", name="-python"),
                cwd=ROOT,
                env=env,
                log_path=run_dir / "dbt-python.log",
                time_cap_s=settings.time_cap_s["project"],
                mem_cap_bytes=settings.mem_cap_bytes,
                min_free_disk_bytes=settings.min_free_disk_bytes,
            )
            run["python_step_alone"] = alone.summary()
    elif result.status == "failed":
        failed = [n["unique_id"] for n in run["nodes"] if n["status"] in ("error", "fail")]
        if failed:
            run["note"] += f" (failed nodes: {', '.join(failed[:5])})"
    if not settings.keep_db:
        database.unlink(missing_ok=True)
        Path(str(database) + ".wal").unlink(missing_ok=True)
        shutil.rmtree(Path(str(database) + ".tmp"), ignore_errors=True)
    return run


def _node_timings(target: Path, samples: list[tuple[float, int]]) -> list[dict]:
    """Per node: execution time, and the process-tree RSS at its start and peak while it ran."""
    results_path = target / "run_results.json"
    if not results_path.exists():
        return []
    languages = {}
    manifest_path = target / "manifest.json"
    if manifest_path.exists():
        nodes = json.loads(manifest_path.read_text()).get("nodes", {})
        languages = {uid: node.get("language", "sql") for uid, node in nodes.items()}
    rows = []
    for result in json.loads(results_path.read_text())["results"]:
        uid = result["unique_id"]
        row = {
            "unique_id": uid,
            "resource_type": uid.split(".", 1)[0],
            "language": languages.get(uid, "sql"),
            "status": result["status"],
            "execution_time_s": round(result.get("execution_time") or 0.0, 3),
        }
        stamps = [
            dt.datetime.fromisoformat(t[key]).replace(tzinfo=dt.UTC).timestamp()
            for t in result.get("timing", [])
            for key in ("started_at", "completed_at")
            if t.get(key)
        ]
        if stamps and samples:
            row["started_s"], row["completed_s"] = min(stamps), max(stamps)
            row.update(_rss_window(samples, row["started_s"], row["completed_s"]))
        rows.append(row)
    return rows


def _rss_window(samples: list[tuple[float, int]], start: float, end: float) -> dict:
    """Process-tree RSS just before ``start`` and its peak between ``start`` and ``end``."""
    before = [rss for t, rss in samples if t <= start]
    at_start = before[-1] if before else samples[0][1]
    during = [rss for t, rss in samples if start <= t <= end + 0.2]
    return {"rss_at_start_bytes": at_start, "peak_rss_bytes": max([at_start, *during])}


def _python_step(nodes: list[dict], samples: list[tuple[float, int]]) -> dict | None:
    """The Python models' phase: from the first one's start to the last one's end.

    dbt-duckdb runs Python models inside the dbt process, so their memory is the rise of the
    process RSS over this window (with 2 threads, SQL nodes may overlap it).
    """
    python = [n for n in nodes if n["language"] == "python" and "started_s" in n]
    if not python or not samples:
        return None
    start = min(n["started_s"] for n in python)
    end = max(n["completed_s"] for n in python)
    window = _rss_window(samples, start, end)
    return {
        "models": len(python),
        "wall_s": round(end - start, 2),
        "model_time_s": round(sum(n["execution_time_s"] for n in python), 2),
        **window,
        "rise_bytes": window["peak_rss_bytes"] - window["rss_at_start_bytes"],
    }


def _customer_counts(database: Path) -> dict:
    try:
        import duckdb

        with duckdb.connect(str(database), read_only=True) as connection:
            total, active = connection.sql(
                "select count(*), count(*) filter (where is_active) "
                "from intermediate.int_customer_features"
            ).fetchone()
        return {"customers": total, "active_customers": active}
    except Exception as error:
        return {"customer_count_error": str(error)[:200]}
