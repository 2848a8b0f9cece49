"""Benchmark the project against two notebook ways, side by side, on the same input files.

For each input (generated shops of a given size, or the UCI Online Retail file repeated N times)
the files are built once into ``bench/data/<input>/`` (reused while the manifest matches), then
each method runs ``--runs`` times as a subprocess in its own process group while the harness
polls the whole group's resident memory and how busy the rest of the machine is:

* ``project``: ``dbt build`` end to end into a fresh DuckDB file (profile ``bench/profiles.yml``:
  ``--dbt-threads`` 1, DuckDB ``--duckdb-memory-limit`` 4GB, spilling beside the database); after
  run 1 the Python models are run again alone, to measure their memory without SQL beside them;
* ``fair_notebook``: ``bench/notebook_way.py`` with the silhouette on a 10,000-customer sample;
* ``seeds_notebook``: the same with the silhouette on every customer (the seed notebooks' way).

The methods take turns within an input (run 1 of each, then run 2 of each, ...), so a busy
spell on the shared machine does not fall on one method only. A run past its time cap (or over
``--mem-cap`` of resident memory, or with less than ``--min-free-disk`` left) is stopped and
recorded as ``timeout`` (``oom``, ``disk``) instead of a number; later runs of that method on
that input are skipped. Results go to ``bench/results/results.json`` (merged by input and
method) and the tables between the ``<!-- ...:start -->`` / ``<!-- ...:end -->`` markers of
``BENCHMARKS.md``.

Examples::

    python bench/run.py --sizes 1m 10m online-retail-x20 --runs 3   # make bench
    python bench/run.py --sizes 100m --methods project --runs 1      # make bench-100m
    python bench/run.py --smoke --out /tmp/bench-smoke   # CI: 20k lines, 1 run, exit 1 on failure
    python bench/run.py --render                         # rewrite BENCHMARKS.md from results.json

Exit status: 1 if a project run fails (or, with --smoke, if any method does not succeed);
a notebook run stopped at a cap is a result, not a failure.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from importlib import metadata
from pathlib import Path

from harness.common import (
    BENCH,
    BENCHMARKS_MD,
    METHOD_TITLES,
    METHODS,
    ROOT,
    Settings,
    fmt_bytes,
    fmt_seconds,
)
from harness.inputs import Input, ensure_input, parse_bytes, parse_input
from harness.markdown import results_table, write_markdown
from harness.peers import run_notebook
from harness.project import run_project
from harness.results import load_results, record, save_results, summarise

SMOKE_SIZE = "20k"


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


def run_once(method: str, item: Input, data: Path, index: int, settings: Settings) -> dict:
    if method == "project":
        return run_project(item, data, index, settings)
    return run_notebook(method, item, data, index, settings)


def bench_input(item: Input, data: Path, methods: list[str], settings: Settings) -> dict:
    """``settings.runs`` runs of every method on one input, interleaved; summaries by method."""
    runs: dict[str, list[dict]] = {method: [] for method in methods}
    stopped: dict[str, int] = {}
    for index in range(1, settings.runs + 1):
        for method in methods:
            if method in stopped:
                runs[method].append(
                    {"status": "skipped", "note": f"run {stopped[method]} hit the cap", "n": index}
                )
                continue
            print(f"[{item.label}] {method} run {index}/{settings.runs} ...", flush=True)
            run = run_once(method, item, data, index, settings)
            runs[method].append(run)
            print(
                f"[{item.label}] {method} run {index}: {run['status']} "
                f"{fmt_seconds(run['wall_s'])}, peak {fmt_bytes(run['peak_rss_bytes'])}, "
                f"others busy {run['other_cpu_cores']:.2f} cores {run['note']}",
                flush=True,
            )
            if run["status"] in ("timeout", "oom", "disk"):
                stopped[method] = index
    return {
        method: summarise(method, method_runs, settings) for method, method_runs in runs.items()
    }


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
        type=parse_input,
        default=[parse_input(s) for s in ("1m", "10m", "online-retail-x20")],
        help="inputs: generated order lines (20k, 1m, 10m, 100m, ...) or online-retail-xN "
        "(default: 1m 10m online-retail-x20)",
    )
    parser.add_argument("--runs", type=int, default=3, help="runs per method and input (median)")
    parser.add_argument(
        "--methods",
        nargs="+",
        choices=METHODS,
        default=list(METHODS),
        help="what to run: " + ", ".join(f"{m} ({METHOD_TITLES[m]})" for m in METHODS),
    )
    parser.add_argument(
        "--time-cap",
        type=float,
        default=1800,
        help="seconds before a fair-notebook run is stopped and recorded as '> cap'",
    )
    parser.add_argument(
        "--seeds-time-cap",
        type=float,
        default=900,
        help="same, for the seeds' notebook (quadratic: it hits the cap from 10M lines on)",
    )
    parser.add_argument(
        "--project-time-cap", type=float, default=3 * 3600, help="same, for dbt build"
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
        help=f"CI check: {SMOKE_SIZE} lines, 1 run of each method, exit 1 unless all succeed; "
        "never rewrites BENCHMARKS.md",
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="write results.json (and the inputs and run directories) here instead of "
        "bench/results; BENCHMARKS.md is then left alone",
    )
    parser.add_argument("--data-dir", type=Path, help="where inputs are built and reused")
    parser.add_argument("--keep-db", action="store_true", help="keep each run's DuckDB file")
    parser.add_argument("--no-markdown", action="store_true", help="do not rewrite BENCHMARKS.md")
    parser.add_argument(
        "--no-python-alone",
        action="store_true",
        help="skip re-running the Python models alone after the project's first run",
    )
    parser.add_argument(
        "--render",
        action="store_true",
        help="run nothing: rewrite the tables in BENCHMARKS.md from bench/results/results.json",
    )
    return parser


def subprocess_env() -> dict[str, str]:
    """The environment of every measured run: this one, without dbt or bench settings."""
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
    return env


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
        args.sizes, args.runs = [parse_input(SMOKE_SIZE)], 1
        args.time_cap = min(args.time_cap, 300)
        args.seeds_time_cap = min(args.seeds_time_cap, 300)
        args.project_time_cap = min(args.project_time_cap, 300)
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
    env = subprocess_env()
    settings = Settings(
        runs=args.runs,
        time_cap_s={
            "project": args.project_time_cap,
            "fair_notebook": args.time_cap,
            "seeds_notebook": args.seeds_time_cap,
        },
        mem_cap_bytes=args.mem_cap,
        duckdb_memory_limit=args.duckdb_memory_limit,
        runs_root=runs_root,
        keep_db=args.keep_db,
        env=env,
        min_free_disk_bytes=args.min_free_disk,
        dbt_threads=args.dbt_threads,
        python_alone=not (args.smoke or args.no_python_alone),
    )
    results = load_results(results_path) if not args.smoke else load_results(Path("/nonexistent"))
    results["machine"] = machine_info()
    methods = [m for m in METHODS if m in args.methods]
    failures = []
    measured: list[str] = []
    for item in args.sizes:
        manifest = ensure_input(item, data_root, env)
        summaries = bench_input(item, data_root / item.label, methods, settings)
        for method, summary in summaries.items():
            record(results, item, manifest, method, summary)
            acceptable = ("ok",) if args.smoke or method == "project" else ("ok", "timeout", "oom")
            if summary["status"] not in acceptable:
                failures.append(f"{item.label} {method}: {summary['status']} {summary['notes']}")
        measured.append(item.label)
        if not args.smoke:
            # another invocation may have written other inputs meanwhile: keep them
            on_disk = load_results(results_path)["sizes"]
            results["sizes"] = on_disk | {label: results["sizes"][label] for label in measured}
        save_results(results, results_path)
    if update_markdown:
        write_markdown(results, BENCHMARKS_MD)
        print(f"updated {BENCHMARKS_MD.relative_to(ROOT)}")
    print(f"results: {results_path}")
    labels = {item.label for item in args.sizes}
    print(
        results_table(
            {**results, "sizes": {k: v for k, v in results["sizes"].items() if k in labels}}
        )
    )
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
