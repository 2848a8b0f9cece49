"""Benchmark the dbt pipeline against the notebook way on generated shops of growing size.

For each size the synthetic shop is generated once into ``bench/data/<size>/`` (reused while its
manifest matches), then each method runs ``--runs`` times as a subprocess in its own process
group while this harness polls the whole group's resident memory:

* ``pipeline``: ``dbt build`` end to end into a fresh DuckDB file (profile ``bench/profiles.yml``:
  ``--dbt-threads`` 1, DuckDB ``--duckdb-memory-limit`` 4GB, spilling beside the database); after
  run 1 the Python models are run again alone, to measure their memory without SQL beside them;
* ``notebook``: ``bench/notebook_way.py`` (pandas + scikit-learn, silhouette on every customer).

Wall time and peak RSS of the process tree are recorded per run and the median is reported. A
run past ``--time-cap`` (or over ``--mem-cap`` of resident memory, or with less than
``--min-free-disk`` left) is stopped and recorded as ``timeout`` (``oom``, ``disk``) instead of a
number; later runs of that method at that size are skipped.
Results go to ``bench/results/results.json`` (merged with earlier sizes) and the tables between
the ``<!-- ...:start -->`` / ``<!-- ...:end -->`` markers of ``BENCHMARKS.md``.

Examples::

    python bench/run.py --sizes 1m 10m --runs 3
    python bench/run.py --sizes 100m --methods pipeline
    python bench/run.py --smoke --out /tmp/bench-smoke   # CI: 20k lines, 1 run, exit 1 on failure
    python bench/run.py --render                         # rewrite BENCHMARKS.md from results.json

Exit status: 1 if a pipeline run fails (or, with --smoke, if either method does not succeed);
a notebook-way run stopped at a cap is a result, not a failure.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import os
import platform
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
BENCHMARKS_MD = ROOT / "BENCHMARKS.md"
GENERATOR = ROOT / "src" / "segments" / "sample"
METHODS = ("pipeline", "notebook")
SEED = 42
END_DATE = "2025-12-31"
GiB = 1024**3
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
SMOKE_SIZE = "20k"
RESULTS_SCHEMA_VERSION = 1
OUT_OF_MEMORY = r"MemoryError|bad_alloc|Out of Memory Error|Cannot allocate memory"


# --- sizes and machine ---------------------------------------------------------------------------


def parse_size(text: str) -> tuple[str, int]:
    """'20k' -> ('20k', 20000), '10m' -> ('10m', 10000000), '5000' -> ('5000', 5000)."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([km]?)", text.strip().lower())
    if not match:
        raise argparse.ArgumentTypeError(f"size must look like 20k, 1m, 100m or 5000: {text!r}")
    number, unit = match.groups()
    lines = int(float(number) * {"": 1, "k": 1_000, "m": 1_000_000}[unit])
    if lines < 1:
        raise argparse.ArgumentTypeError(f"size must be positive: {text!r}")
    return text.strip().lower(), lines


def parse_bytes(text: str) -> int:
    """'10GiB' / '10g' / '512m' -> bytes (binary units)."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?", text.strip().lower())
    if not match:
        raise argparse.ArgumentTypeError(f"memory size like 10GiB or 512MiB: {text!r}")
    number, unit, _ = match.groups()
    return int(float(number) * 1024 ** " kmgt".index(unit or " "))


def machine_info() -> dict:
    """Cores, memory, OS and the versions of what is measured."""
    meminfo = {}
    for line in Path("/proc/meminfo").read_text().splitlines():
        key, _, value = line.partition(":")
        meminfo[key] = int(value.split()[0]) * 1024
    versions = {}
    for package in ("dbt-core", "dbt-duckdb", "duckdb", "pandas", "scikit-learn", "numpy"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "cpu_count": os.cpu_count(),
        "mem_total_bytes": meminfo.get("MemTotal"),
        "mem_available_bytes_at_start": meminfo.get("MemAvailable"),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
    }


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


# --- measuring a process tree --------------------------------------------------------------------


def _group_rss(pgid: int) -> int:
    """Resident bytes of every process in process group ``pgid`` (read from /proc/*/stat)."""
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2 :].split()
        # fields[0] is field 3 of proc(5): state; pgrp is field 5, rss (pages) field 24
        if int(fields[2]) == pgid:
            total += int(fields[21]) * PAGE_SIZE
    return total


def _busy_cpu_seconds() -> float:
    """CPU seconds the whole machine has spent busy (all cores), from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / CLOCK_TICKS


@dataclass
class Measurement:
    status: str  # ok | failed | timeout | oom
    exit_code: int | None
    wall_s: float
    peak_rss_bytes: int
    cpu_s: float
    other_cpu_cores: float  # average busy cores of everything else on the machine
    load_avg_1m_at_start: float
    note: str = ""
    samples: list[tuple[float, int]] = field(default_factory=list, repr=False)

    def summary(self) -> dict:
        return {
            "status": self.status,
            "exit_code": self.exit_code,
            "wall_s": round(self.wall_s, 2),
            "peak_rss_bytes": self.peak_rss_bytes,
            "cpu_s": round(self.cpu_s, 1),
            "other_cpu_cores": round(self.other_cpu_cores, 2),
            "load_avg_1m_at_start": round(self.load_avg_1m_at_start, 2),
            "note": self.note,
        }


def measure(
    command: list[str],
    *,
    cwd: Path,
    env: dict[str, str],
    log_path: Path,
    time_cap_s: float,
    mem_cap_bytes: int,
    as_limit_bytes: int | None = None,
    min_free_disk_bytes: int = 0,
    interval_s: float = 0.2,
) -> Measurement:
    """Run ``command`` in its own process group; poll the group's RSS; stop it at a cap.

    The peak is the larger of the polled sum over the group and the kernel's max RSS of the
    child (``wait4``), which catches a spike between two polls of a single process. The run is
    also stopped when free space on the file system of ``log_path`` falls below
    ``min_free_disk_bytes`` (DuckDB spills to disk under its memory limit).
    """

    def limit_address_space() -> None:
        if as_limit_bytes is not None:
            resource.setrlimit(resource.RLIMIT_AS, (as_limit_bytes, as_limit_bytes))

    log_path.parent.mkdir(parents=True, exist_ok=True)
    load_at_start = os.getloadavg()[0]
    self_cpu_0 = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
    busy_0 = _busy_cpu_seconds()
    started = time.perf_counter()
    samples: list[tuple[float, int]] = []
    peak = 0
    killed = ""
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=limit_address_space if as_limit_bytes else None,
        )
        pgid = process.pid
        while True:
            pid, wait_status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            rss = _group_rss(pgid)
            samples.append((time.time(), rss))
            peak = max(peak, rss)
            elapsed = time.perf_counter() - started
            if not killed and rss > mem_cap_bytes:
                killed = "oom"
                _kill_group(pgid, signal.SIGKILL)
            elif not killed and shutil.disk_usage(log_path.parent).free < min_free_disk_bytes:
                killed = "disk"
                _kill_group(pgid, signal.SIGKILL)
            elif not killed and elapsed > time_cap_s:
                killed = "timeout"
                _kill_group(pgid, signal.SIGTERM)
                deadline = time.perf_counter() + 10
                while time.perf_counter() < deadline and _group_rss(pgid):
                    time.sleep(0.2)
                _kill_group(pgid, signal.SIGKILL)
            time.sleep(interval_s)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(wait_status)
    _kill_group(pgid, signal.SIGKILL)  # leftovers of a finished run, if any
    busy = _busy_cpu_seconds() - busy_0
    self_cpu = sum(resource.getrusage(resource.RUSAGE_SELF)[:2]) - self_cpu_0
    child_cpu = usage.ru_utime + usage.ru_stime
    peak = max(peak, usage.ru_maxrss * 1024)
    tail = _tail(log_path)
    if killed:
        status = killed
        note = {
            "timeout": f"stopped after {time_cap_s:.0f} s (time cap)",
            "oom": f"stopped at {fmt_bytes(peak)} resident (memory cap {fmt_bytes(mem_cap_bytes)})",
            "disk": f"stopped: free disk space below {fmt_bytes(min_free_disk_bytes)}",
        }[killed]
    elif process.returncode == 0:
        status, note = "ok", ""
    elif memory_error := re.search(OUT_OF_MEMORY, tail):
        line = tail[tail.rfind("\n", 0, memory_error.start()) + 1 :].split("\n", 1)[0]
        status, note = "oom", "ran out of memory: " + line.strip()[:300]
    elif process.returncode == -signal.SIGKILL:
        status, note = "oom", "killed by SIGKILL (kernel OOM killer?)"
    else:
        status, note = "failed", f"exit {process.returncode}: " + _last_error_line(tail)
    return Measurement(
        status=status,
        exit_code=process.returncode,
        wall_s=wall,
        peak_rss_bytes=peak,
        cpu_s=child_cpu,
        other_cpu_cores=max(0.0, (busy - child_cpu - self_cpu) / wall) if wall else 0.0,
        load_avg_1m_at_start=load_at_start,
        note=note,
        samples=samples,
    )


def _kill_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _tail(path: Path, size: int = 20_000) -> str:
    with open(path, "rb") as handle:
        handle.seek(max(0, path.stat().st_size - size))
        return handle.read().decode("utf-8", "replace")


def _last_error_line(text: str) -> str:
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in reversed(lines):
        if re.search(r"error|Error|ERROR|exception|Exception|FAIL", line):
            return line[:300]
    return lines[-1][:300] if lines else ""


def _write_samples(path: Path, samples: list[tuple[float, int]]) -> None:
    path.write_text("epoch_s,rss_bytes\n" + "".join(f"{t:.2f},{r}\n" for t, r in samples))


# --- inputs --------------------------------------------------------------------------------------


def _generator_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in sorted(GENERATOR.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def ensure_data(label: str, lines: int, data_root: Path, env: dict[str, str]) -> dict:
    """Generate the shop for ``lines`` order lines into ``data_root/label`` unless it is there."""
    out = data_root / label
    manifest_path = out / "manifest.json"
    wanted = {
        "lines_requested": lines,
        "seed": SEED,
        "end_date": END_DATE,
        "generator_sha256": _generator_fingerprint(),
    }
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        parts_present = all(Path(p).exists() for paths in manifest["paths"].values() for p in paths)
        if {k: manifest.get(k) for k in wanted} == wanted and parts_present:
            print(f"[{label}] reusing {out} ({manifest['lines']:,} lines)", flush=True)
            return manifest
        print(f"[{label}] manifest of {out} does not match; regenerating", flush=True)
    manifest_path.unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    print(f"[{label}] generating {lines:,} order lines into {out} ...", flush=True)
    info_path = out / "generator_info.json"
    code = (
        "import json, sys; from pathlib import Path; "
        "from segments.sample import write_large_parquet; "
        f"info = write_large_parquet(Path({str(out)!r}), {lines}, seed={SEED}, "
        f"end_date={END_DATE!r}); "
        f"Path({str(info_path)!r}).write_text(json.dumps(info))"
    )
    result = measure(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        log_path=out / "generator.log",
        time_cap_s=4 * 3600,
        mem_cap_bytes=12 * GiB,
    )
    if result.status != "ok":
        raise SystemExit(f"[{label}] generating the inputs failed: {result.note}")
    info = json.loads(info_path.read_text())
    info_path.unlink()
    sizes = {
        name: sum(Path(p).stat().st_size for p in paths) for name, paths in info["paths"].items()
    }
    manifest = {
        **wanted,
        **info,
        "file_bytes": sizes,
        "generated_at": now_iso(),
        "generation": {"wall_s": round(result.wall_s, 1), "peak_rss_bytes": result.peak_rss_bytes},
    }
    manifest_path.write_text(json.dumps(manifest, indent=2))
    print(
        f"[{label}] {info['lines']:,} lines, {info['customers']:,} customers, "
        f"{info['visits']:,} visits in {result.wall_s:.0f} s",
        flush=True,
    )
    return manifest


# --- the two methods -----------------------------------------------------------------------------


@dataclass
class Settings:
    runs: int
    time_cap_s: dict[str, float]
    mem_cap_bytes: int
    duckdb_memory_limit: str
    runs_root: Path
    keep_db: bool
    env: dict[str, str]
    min_free_disk_bytes: int = 0
    dbt_threads: int = 1
    python_alone: bool = True  # rerun the Python models alone after run 1 (not in --smoke)


def dbt_executable() -> str:
    beside = Path(sys.executable).parent / "dbt"
    if beside.exists():
        return str(beside)
    found = shutil.which("dbt")
    if not found:
        raise SystemExit("dbt not found beside the Python interpreter nor on PATH")
    return found


def run_pipeline(label: str, data: Path, index: int, settings: Settings) -> dict:
    """One ``dbt build`` into a fresh DuckDB file; per-node timings from run_results.json."""
    run_dir = settings.runs_root / label / f"pipeline-{index}"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    database = run_dir / "bench.duckdb"  # DuckDB spills to bench.duckdb.tmp/ beside it
    dbt_vars = {
        "transactions_path": str(data / "order_lines" / "*.parquet"),
        "customers_path": str(data / "customers" / "*.parquet"),
        "visits_path": str(data / "visits" / "*.parquet"),
    }
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
        time_cap_s=settings.time_cap_s["pipeline"],
        mem_cap_bytes=settings.mem_cap_bytes,
        min_free_disk_bytes=settings.min_free_disk_bytes,
    )
    _write_samples(run_dir / "rss.csv", result.samples)
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
                time_cap_s=settings.time_cap_s["pipeline"],
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


def run_notebook(label: str, data: Path, index: int, settings: Settings) -> dict:
    """One run of bench/notebook_way.py; its stage timings come from the progress file."""
    run_dir = settings.runs_root / label / f"notebook-{index}"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    progress_path = run_dir / "progress.json"
    result = measure(
        [
            sys.executable,
            str(BENCH / "notebook_way.py"),
            "--data",
            str(data),
            "--result",
            str(progress_path),
        ],
        cwd=ROOT,
        env=settings.env,
        log_path=run_dir / "notebook.log",
        time_cap_s=settings.time_cap_s["notebook"],
        mem_cap_bytes=settings.mem_cap_bytes,
        # a backstop for a spike between two polls; generous, since libraries reserve address
        # space they never touch
        as_limit_bytes=max(2 * settings.mem_cap_bytes, settings.mem_cap_bytes + 8 * GiB),
    )
    _write_samples(run_dir / "rss.csv", result.samples)
    run = result.summary()
    if progress_path.exists():
        progress = json.loads(progress_path.read_text())
        run["stages"] = progress.get("stages", {})
        run["silhouette"] = progress.get("silhouette", {})
        for key in ("raw_lines", "clean_lines", "customers", "best_k"):
            if key in progress:
                run[key] = progress[key]
        if result.status != "ok" and run["stages"]:
            run["note"] += f"; last stage finished: {list(run['stages'])[-1]}"
    return run


RUNNERS = {"pipeline": run_pipeline, "notebook": run_notebook}


def bench_method(method: str, label: str, data: Path, settings: Settings) -> dict:
    """``settings.runs`` runs of one method at one size, summarised."""
    runs = []
    for index in range(1, settings.runs + 1):
        print(f"[{label}] {method} run {index}/{settings.runs} ...", flush=True)
        run = RUNNERS[method](label, data, index, settings)
        runs.append(run)
        print(
            f"[{label}] {method} run {index}: {run['status']} {fmt_seconds(run['wall_s'])}, "
            f"peak {fmt_bytes(run['peak_rss_bytes'])}, others busy "
            f"{run['other_cpu_cores']:.2f} cores {run['note']}",
            flush=True,
        )
        if run["status"] in ("timeout", "oom", "disk"):
            for skipped in range(index + 1, settings.runs + 1):
                runs.append({"status": "skipped", "note": f"run {index} hit the cap", "n": skipped})
            break
    return summarise(method, runs, settings)


def summarise(method: str, runs: list[dict], settings: Settings) -> dict:
    measured = [r for r in runs if r["status"] != "skipped"]
    ok = [r for r in measured if r["status"] == "ok"]
    statuses = sorted({r["status"] for r in measured})
    if len(ok) == len(measured):
        status = "ok"
    elif "timeout" in statuses:
        status = "timeout"
    elif "oom" in statuses:
        status = "oom"
    elif "disk" in statuses:
        status = "disk"
    else:
        status = "failed"
    summary = {
        "method": method,
        "status": status,
        "date": now_iso(),
        "runs_requested": settings.runs,
        "runs_measured": len(measured),
        "runs_ok": len(ok),
        "time_cap_s": settings.time_cap_s[method],
        "mem_cap_bytes": settings.mem_cap_bytes,
        "median_wall_s": round(statistics.median(r["wall_s"] for r in ok), 2) if ok else None,
        "median_peak_rss_bytes": int(statistics.median(r["peak_rss_bytes"] for r in ok))
        if ok
        else None,
        "max_other_cpu_cores": max((r["other_cpu_cores"] for r in measured), default=0.0),
        "notes": sorted({r["note"] for r in measured if r.get("note")}),
        "runs": runs,
    }
    if method == "pipeline":
        summary["duckdb_memory_limit"] = settings.duckdb_memory_limit
        summary["dbt_threads"] = settings.dbt_threads
        summary["nodes"] = _median_nodes(ok)
        alone = [r["python_step_alone"] for r in ok if r.get("python_step_alone")]
        if alone:
            summary["python_step_alone"] = alone[0]
        steps = [r["python_step"] for r in ok if r.get("python_step")]
        if steps:
            summary["python_step"] = {
                key: round(statistics.median(s[key] for s in steps), 2)
                for key in steps[0]
                if key != "models"
            } | {"models": steps[0]["models"]}
        for key in ("customers", "active_customers", "database_bytes"):
            values = [r[key] for r in ok if key in r]
            if values:
                summary[key] = values[0] if key != "database_bytes" else max(values)
    else:
        for key in ("customers", "best_k", "raw_lines", "clean_lines"):
            values = [r[key] for r in measured if key in r]
            if values:
                summary[key] = values[0]
        if ok:
            summary["median_stages_s"] = {
                stage: round(statistics.median(r["stages"].get(stage, 0.0) for r in ok), 2)
                for stage in ok[0].get("stages", {})
            }
        elif measured:
            summary["stages_s_first_run"] = measured[0].get("stages", {})
    return summary


def _median_nodes(runs: list[dict]) -> list[dict]:
    """Per node: median execution time and RSS figures over the successful runs."""
    by_node: dict[str, list[dict]] = {}
    for run in runs:
        for node in run.get("nodes", []):
            by_node.setdefault(node["unique_id"], []).append(node)
    rows = []
    for uid, nodes in by_node.items():
        row = {
            "unique_id": uid,
            "resource_type": nodes[0]["resource_type"],
            "language": nodes[0]["language"],
            "execution_time_s": round(statistics.median(n["execution_time_s"] for n in nodes), 3),
        }
        for key in ("rss_at_start_bytes", "peak_rss_bytes"):
            values = [n[key] for n in nodes if key in n]
            if values:
                row[key] = int(statistics.median(values))
        rows.append(row)
    return sorted(rows, key=lambda r: -r["execution_time_s"])


# --- results and BENCHMARKS.md -------------------------------------------------------------------


def load_results(path: Path) -> dict:
    if path.exists():
        results = json.loads(path.read_text())
        if results.get("schema_version") == RESULTS_SCHEMA_VERSION:
            return results
    return {"schema_version": RESULTS_SCHEMA_VERSION, "sizes": {}}


def record(results: dict, label: str, lines: int, manifest: dict, method: str, summary: dict):
    entry = results["sizes"].setdefault(label, {})
    entry.update(
        {
            "lines_requested": lines,
            "lines": manifest["lines"],
            "customers": manifest["customers"],
            "visits": manifest["visits"],
            "input_bytes": sum(manifest.get("file_bytes", {}).values()) or None,
            "generation": manifest.get("generation"),
        }
    )
    entry[method] = {**summary, "machine": results["machine"]}


def save_results(results: dict, path: Path) -> None:
    """Write results.json; per-run node lists are dropped (the summary keeps per-node medians,
    and every run's dbt run_results.json stays in its run directory)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for entry in results["sizes"].values():
        for method in METHODS:
            for run in (entry.get(method) or {}).get("runs", []):
                run.pop("nodes", None)
    ordered = dict(sorted(results["sizes"].items(), key=lambda item: item[1]["lines_requested"]))
    results["sizes"] = ordered
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(results, indent=2) + "\n")
    tmp.replace(path)


def _cell(summary: dict | None, key: str, formatter) -> str:
    if summary is None:
        return "not run"
    if summary["status"] == "ok":
        return formatter(summary[key])
    if summary["status"] == "failed" and summary[key] is not None:
        return f"{formatter(summary[key])} (*)"  # median of the runs that succeeded
    if summary["status"] == "timeout" and key == "median_wall_s":
        return f"> {fmt_seconds(summary['time_cap_s'])} (cap)"
    capped = any(r.get("note", "").startswith("stopped at") for r in summary["runs"])
    if summary["status"] == "oom" and capped and key == "median_peak_rss_bytes":
        return f"> {fmt_bytes(summary['mem_cap_bytes'])} (cap)"
    peak = max((r.get("peak_rss_bytes", 0) for r in summary["runs"]), default=0)
    if key == "median_peak_rss_bytes" and peak:
        return f"≥ {fmt_bytes(peak)} ({summary['status']})"
    return summary["status"]


def _runs_cell(summary: dict | None) -> str:
    if not summary:
        return "-"
    skipped = summary["runs_requested"] - summary["runs_measured"]
    text = f"{summary['runs_ok']}/{summary['runs_measured']} ok"
    return text + (f" ({skipped} skipped: cap)" if skipped else "")


def speedup(entry: dict) -> str:
    pipeline, notebook = entry.get("pipeline"), entry.get("notebook")
    if not pipeline or not notebook or pipeline["median_wall_s"] is None:
        return "-"
    if notebook["status"] == "ok":
        return f"{notebook['median_wall_s'] / pipeline['median_wall_s']:.1f}x"
    if notebook["status"] == "timeout":
        return f"> {notebook['time_cap_s'] / pipeline['median_wall_s']:.1f}x"
    return f"- (notebook {notebook['status']})"


def results_table(results: dict) -> str:
    machine = results["machine"]
    lines = [
        f"Machine: {machine['cpu_count']} cores, {fmt_bytes(machine['mem_total_bytes'])} RAM, "
        f"{machine['platform']}; Python {machine['python']}, "
        + ", ".join(f"{k} {v}" for k, v in machine["versions"].items() if v)
        + f". Table written {now_iso()}.",
        "",
        "| size | order lines | customers | pipeline wall | pipeline peak RSS "
        "| notebook wall | notebook peak RSS | speed-up | runs (pipeline / notebook) | date |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    notes = []
    for label, entry in results["sizes"].items():
        pipeline, notebook = entry.get("pipeline"), entry.get("notebook")
        runs = " / ".join(_runs_cell(s) for s in (pipeline, notebook))
        dates = sorted({s["date"][:10] for s in (pipeline, notebook) if s})
        lines.append(
            f"| {label} | {fmt_int(entry['lines'])} | {fmt_int(entry['customers'])} "
            f"| {_cell(pipeline, 'median_wall_s', fmt_seconds)} "
            f"| {_cell(pipeline, 'median_peak_rss_bytes', fmt_bytes)} "
            f"| {_cell(notebook, 'median_wall_s', fmt_seconds)} "
            f"| {_cell(notebook, 'median_peak_rss_bytes', fmt_bytes)} "
            f"| {speedup(entry)} | {runs} | {', '.join(dates)} |"
        )
        for method, summary in (("pipeline", pipeline), ("notebook", notebook)):
            if not summary:
                continue
            for note in summary["notes"]:
                notes.append(f"- {label} {method}: {note}")
            if summary["max_other_cpu_cores"] >= 0.25:
                notes.append(
                    f"- {label} {method}: shared machine, other processes kept up to "
                    f"{summary['max_other_cpu_cores']:.1f} of {machine['cpu_count']} cores busy "
                    "during a run (timings are inflated accordingly)"
                )
    settings = {
        (entry["pipeline"].get("duckdb_memory_limit"), entry["pipeline"].get("dbt_threads", 2))
        for entry in results["sizes"].values()
        if entry.get("pipeline")
    }
    for limit, threads in sorted(settings, key=str):
        sizes = [
            label
            for label, entry in results["sizes"].items()
            if entry.get("pipeline")
            and entry["pipeline"].get("duckdb_memory_limit") == limit
            and entry["pipeline"].get("dbt_threads", 2) == threads
        ]
        notes.insert(
            0,
            f"- pipeline settings ({', '.join(sizes)}): DuckDB memory_limit {limit}, "
            f"{threads} dbt threads",
        )
    if any(
        s and s["status"] == "failed" and s["runs_ok"]
        for e in results["sizes"].values()
        for s in (e.get("pipeline"), e.get("notebook"))
    ):
        notes.append("- (*) some runs failed: the median is over the runs that succeeded")
    if notes:
        lines += ["", "Notes:", "", *notes]
    return "\n".join(lines)


def profile_tables(results: dict, top: int = 12) -> str:
    """'Where the time goes' for every size of at least 1M lines with a successful pipeline."""
    blocks = []
    for label, entry in results["sizes"].items():
        pipeline = entry.get("pipeline")
        if not pipeline or pipeline["median_wall_s"] is None or entry["lines"] < 1_000_000:
            continue
        nodes = pipeline.get("nodes", [])
        wall = pipeline["median_wall_s"]
        node_total = sum(n["execution_time_s"] for n in nodes)
        threads = pipeline.get("dbt_threads", 2)
        overlap = (
            f"{threads} threads, so nodes overlap"
            if threads > 1
            else "1 thread: the rest is dbt start-up, parsing and hooks"
        )
        blocks.append(
            f"**{label}** ({fmt_int(entry['lines'])} lines): wall {fmt_seconds(wall)}, "
            f"sum of node times {fmt_seconds(node_total)} ({overlap}); "
            f"medians over {pipeline['runs_ok']} run(s)."
        )
        blocks += [
            "",
            "| node | type | time | share of wall | RSS at start → peak |",
            "|---|---|---:|---:|---:|",
        ]
        for node in nodes[:top]:
            kind = node["resource_type"] + (" (python)" if node["language"] == "python" else "")
            blocks.append(
                f"| `{node_name(node)}` | {kind} "
                f"| {fmt_seconds(node['execution_time_s'])} "
                f"| {100 * node['execution_time_s'] / wall:.0f}% "
                f"| {fmt_bytes(node.get('rss_at_start_bytes'))} → "
                f"{fmt_bytes(node.get('peak_rss_bytes'))} |"
            )
        groups: dict[str, float] = {}
        for node in nodes:
            kind = node["resource_type"] + (" (python)" if node["language"] == "python" else "")
            groups[kind] = groups.get(kind, 0.0) + node["execution_time_s"]
        summary = ", ".join(
            f"{kind} {fmt_seconds(seconds)}"
            for kind, seconds in sorted(groups.items(), key=lambda i: -i[1])
        )
        blocks += ["", f"By type (sum of node times): {summary}."]
        step = pipeline.get("python_step")
        if step:
            blocks.append(
                f"Python models ({step['models']}, run inside the dbt process): "
                f"{fmt_seconds(step['model_time_s'])} of node time over a "
                f"{fmt_seconds(step['wall_s'])} window; process RSS "
                f"{fmt_bytes(step['rss_at_start_bytes'])} → {fmt_bytes(step['peak_rss_bytes'])} "
                f"(+{fmt_bytes(step['rise_bytes'])}; SQL nodes run beside them)."
            )
        alone = pipeline.get("python_step_alone")
        if alone:
            blocks.append(
                "Python models run alone (`dbt run --select path:python_models --threads 1`, "
                f"fresh process, run 1): {alone['status']}, {fmt_seconds(alone['wall_s'])} "
                f"wall, peak RSS {fmt_bytes(alone['peak_rss_bytes'])}."
            )
        blocks.append("")
    blocks += _growth_table(results)
    return "\n".join(blocks).strip() or "_No pipeline run of 1M lines or more yet._"


def _growth_table(results: dict, top: int = 10) -> list[str]:
    """Node times at the two largest sizes side by side: which nodes grow faster than the data."""
    measured = [
        (label, entry)
        for label, entry in results["sizes"].items()
        if (entry.get("pipeline") or {}).get("median_wall_s") and entry["lines"] >= 1_000_000
    ]
    if len(measured) < 2:
        return []
    (small_label, small), (big_label, big) = measured[-2], measured[-1]
    factor = big["lines"] / small["lines"]
    before = {n["unique_id"]: n["execution_time_s"] for n in small["pipeline"]["nodes"]}
    rows = [
        f"**Growth {small_label} → {big_label}** ({factor:.1f}x the lines; a ratio above that "
        "is worse than linear):",
        "",
        f"| node | {small_label} | {big_label} | ratio |",
        "|---|---:|---:|---:|",
    ]
    wall_ratio = big["pipeline"]["median_wall_s"] / small["pipeline"]["median_wall_s"]
    rows.append(
        f"| **whole build (wall)** | {fmt_seconds(small['pipeline']['median_wall_s'])} "
        f"| {fmt_seconds(big['pipeline']['median_wall_s'])} | {wall_ratio:.1f}x |"
    )
    for node in big["pipeline"]["nodes"][:top]:
        old = before.get(node["unique_id"])
        if not old:
            continue
        rows.append(
            f"| `{node_name(node)}` | {fmt_seconds(old)} "
            f"| {fmt_seconds(node['execution_time_s'])} "
            f"| {node['execution_time_s'] / old:.1f}x |"
        )
    return [*rows, ""]


def node_name(node: dict) -> str:
    """A node's name without project and hash: the generic test's full name, the unit test's
    model and test name."""
    parts = node["unique_id"].split(".")
    return parts[2] if node["resource_type"] == "test" else ".".join(parts[2:])


def _python_step_memory(entry: dict) -> int | None:
    """Peak RSS of the Python models run alone, if measured."""
    alone = (entry.get("pipeline") or {}).get("python_step_alone")
    return alone["peak_rss_bytes"] if alone and alone["status"] == "ok" else None


def training_sample_size() -> int | None:
    """var segment_training_sample_size from dbt_project.yml (the Python step's row bound)."""
    text = (ROOT / "dbt_project.yml").read_text()
    match = re.search(r"^\s*segment_training_sample_size:\s*(\d+)", text, re.MULTILINE)
    return int(match.group(1)) if match else None


def targets_block(results: dict) -> str:
    sizes = results["sizes"]

    def ok(label: str, method: str) -> dict | None:
        summary = sizes.get(label, {}).get(method)
        return summary if summary and summary["runs_ok"] else None

    rows = ["| target | result | verdict |", "|---|---|---|"]
    big = ok("100m", "pipeline")
    if big:
        peak = big["median_peak_rss_bytes"]
        verdict = "met" if peak <= 6 * GiB else f"missed by {fmt_bytes(peak - 6 * GiB)}"
        result = f"peak {fmt_bytes(peak)}, wall {fmt_seconds(big['median_wall_s'])}"
    else:
        status = sizes.get("100m", {}).get("pipeline", {}).get("status", "not run")
        result, verdict = (
            f"100M pipeline: {status}",
            "not measured" if status == "not run" else "missed",
        )
    rows.append(f"| 100M lines build end to end, peak ≤ 6 GiB | {result} | {verdict} |")

    small = ok("10m", "pipeline")
    if small and big:
        ratio = big["median_wall_s"] / small["median_wall_s"]
        line_ratio = sizes["100m"]["lines"] / sizes["10m"]["lines"]
        verdict = "met" if ratio <= line_ratio else f"missed ({ratio / line_ratio:.2f}x linear)"
        result = (
            f"{fmt_seconds(small['median_wall_s'])} → {fmt_seconds(big['median_wall_s'])}: "
            f"{ratio:.1f}x time for {line_ratio:.1f}x lines"
        )
    else:
        result, verdict = "needs 10M and 100M pipeline results", "not measured"
    rows.append(f"| time grows no worse than linearly 10M → 100M | {result} | {verdict} |")

    entry = sizes.get("10m", {})
    notebook = entry.get("notebook")
    if small and notebook:
        text = speedup(entry)
        if notebook["status"] == "ok":
            factor = notebook["median_wall_s"] / small["median_wall_s"]
            verdict = "met" if factor >= 3 else f"missed ({factor:.1f}x < 3x)"
        elif notebook["status"] in ("timeout", "oom"):
            verdict = f"met (notebook way {notebook['status']})"
        else:
            verdict = "not measured (notebook way failed)"
        result = f"pipeline {fmt_seconds(small['median_wall_s'])}, speed-up {text}"
    else:
        result, verdict = "needs 10M pipeline and notebook results", "not measured"
    rows.append(f"| 10M: pipeline ≥ 3x faster than the notebook way | {result} | {verdict} |")

    cap = training_sample_size()
    memory = [
        (label, entry, _python_step_memory(entry))
        for label, entry in sizes.items()
        if ok(label, "pipeline") and entry["lines"] >= 1_000_000
    ]
    memory = [m for m in memory if m[2] is not None]
    full = [m for m in memory if cap and m[1]["pipeline"].get("active_customers", 0) >= cap]
    result = (
        ", ".join(
            f"{label}: {fmt_bytes(peak)} ({fmt_int(entry['pipeline'].get('active_customers'))} "
            "active)"
            for label, entry, peak in memory
        )
        + f"; peak RSS of the Python models run alone (dbt run, 1 thread); sample cap "
        f"{fmt_int(cap)}"
    )
    if len(full) >= 2:
        values = [m[2] for m in full]
        growth = max(values) / max(min(values), 1)
        customers_growth = full[-1][1]["customers"] / full[0][1]["customers"]
        verdict = (
            f"met above the sample cap ({growth:.2f}x memory for {customers_growth:.0f}x customers)"
            if growth <= 1.25
            else f"missed ({growth:.2f}x memory for {customers_growth:.0f}x customers)"
        )
    elif memory:
        verdict = "not measured (needs two sizes with more active customers than the sample cap)"
    else:
        result, verdict = "needs Python models in the build at sizes ≥ 1M", "not measured"
    rows.append(f"| Python step memory flat as customers grow | {result} | {verdict} |")
    return "\n".join(rows)


def replace_between(text: str, name: str, body: str) -> str:
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if not pattern.search(text):
        return text.rstrip() + f"\n\n{start}\n{body}\n{end}\n"
    return pattern.sub(lambda _: f"{start}\n{body}\n{end}", text)


def write_markdown(results: dict, path: Path) -> None:
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    text = replace_between(text, "results", results_table(results))
    text = replace_between(text, "profile", profile_tables(results))
    text = replace_between(text, "targets", targets_block(results))
    path.write_text(text)


# --- command line --------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python bench/run.py",
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--sizes",
        nargs="+",
        type=parse_size,
        default=[parse_size("1m"), parse_size("10m")],
        help="order-line counts: 20k, 1m, 10m, 100m, ... (default: 1m 10m)",
    )
    parser.add_argument("--runs", type=int, default=3, help="runs per method and size (median)")
    parser.add_argument(
        "--methods", nargs="+", choices=METHODS, default=list(METHODS), help="what to run"
    )
    parser.add_argument(
        "--time-cap",
        type=float,
        default=1800,
        help="seconds before a notebook-way run is stopped and recorded as '> cap'",
    )
    parser.add_argument(
        "--pipeline-time-cap", type=float, default=3 * 3600, help="same, for dbt build"
    )
    parser.add_argument(
        "--mem-cap",
        type=parse_bytes,
        default=parse_bytes("10GiB"),
        help="resident memory of a run's process tree at which it is stopped (default 10GiB)",
    )
    parser.add_argument(
        "--dbt-threads", type=int, default=1, help="dbt threads for the build (default 1)"
    )
    parser.add_argument(
        "--min-free-disk",
        type=parse_bytes,
        default=parse_bytes("8GiB"),
        help="stop a run when free disk space falls below this (DuckDB spills; default 8GiB)",
    )
    parser.add_argument(
        "--duckdb-memory-limit", default="4GB", help="DuckDB memory_limit for dbt (default 4GB)"
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help=f"CI check: {SMOKE_SIZE} lines, 1 run of each method, exit 1 unless both succeed; "
        "never rewrites BENCHMARKS.md",
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="write results.json (and the inputs and run directories) here instead of "
        "bench/results; BENCHMARKS.md is then left alone",
    )
    parser.add_argument("--data-dir", type=Path, help="where inputs are generated and reused")
    parser.add_argument("--keep-db", action="store_true", help="keep each run's DuckDB file")
    parser.add_argument("--no-markdown", action="store_true", help="do not rewrite BENCHMARKS.md")
    parser.add_argument(
        "--render",
        action="store_true",
        help="run nothing: rewrite the tables in BENCHMARKS.md from bench/results/results.json",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.render:
        results = load_results(BENCH / "results" / "results.json")
        if not results["sizes"]:
            raise SystemExit("no results in bench/results/results.json")
        write_markdown(results, BENCHMARKS_MD)
        print(f"updated {BENCHMARKS_MD.relative_to(ROOT)}")
        return 0
    if args.smoke:
        args.sizes, args.runs = [parse_size(SMOKE_SIZE)], 1
        args.time_cap = min(args.time_cap, 300)
        args.pipeline_time_cap = min(args.pipeline_time_cap, 300)
    if args.runs < 1:
        raise SystemExit("--runs must be at least 1")
    if args.out is not None:
        out = args.out.resolve()
        data_root = args.data_dir or out / "data"
        runs_root = out / "runs"
    else:
        out = BENCH / ("runs/smoke" if args.smoke else "results")
        data_root = args.data_dir or BENCH / "data"
        runs_root = BENCH / "runs"
    update_markdown = not (args.smoke or args.out is not None or args.no_markdown)
    results_path = out / "results.json"

    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DBT_", "BENCH_DUCKDB_"))
    }
    env.update(
        {
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")])),
            "DO_NOT_TRACK": "1",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DBT_USE_COLORS": "false",
            "PYTHONUNBUFFERED": "1",
        }
    )
    settings = Settings(
        runs=args.runs,
        time_cap_s={"pipeline": args.pipeline_time_cap, "notebook": args.time_cap},
        mem_cap_bytes=args.mem_cap,
        duckdb_memory_limit=args.duckdb_memory_limit,
        runs_root=runs_root,
        keep_db=args.keep_db,
        env=env,
        min_free_disk_bytes=args.min_free_disk,
        dbt_threads=args.dbt_threads,
        python_alone=not args.smoke,
    )
    results = load_results(results_path) if not args.smoke else load_results(Path("/nonexistent"))
    results["machine"] = machine_info()
    failures = []
    for label, lines in args.sizes:
        manifest = ensure_data(label, lines, data_root, env)
        for method in args.methods:
            summary = bench_method(method, label, data_root / label, settings)
            record(results, label, lines, manifest, method, summary)
            save_results(results, results_path)
            acceptable = ("ok",) if args.smoke or method == "pipeline" else ("ok", "timeout", "oom")
            if summary["status"] not in acceptable:
                failures.append(f"{label} {method}: {summary['status']} {summary['notes']}")
    if update_markdown:
        write_markdown(results, BENCHMARKS_MD)
        print(f"updated {BENCHMARKS_MD.relative_to(ROOT)}")
    print(f"results: {results_path}")
    print(
        results_table(
            {**results, "sizes": {label: results["sizes"][label] for label, _ in args.sizes}}
        )
    )
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
