"""Medians over a method's runs, and ``results.json``: every run of every method per input."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

from .common import METHODS, Settings, now_iso

RESULTS_SCHEMA_VERSION = 2


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
    if method == "project":
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


def record(results: dict, item, manifest: dict, method: str, summary: dict) -> None:
    """Store ``summary`` of ``method`` on input ``item`` (an ``inputs.Input``)."""
    entry = results["sizes"].setdefault(item.label, {})
    entry.update(
        {
            "kind": item.kind,
            "input_format": item.input_format,
            "lines_requested": item.lines_requested,
            "lines": manifest["lines"],
            "customers": manifest["customers"],
            "visits": manifest["visits"],
            "input_bytes": sum(manifest.get("file_bytes", {}).values()) or None,
            "build": manifest.get("build") or manifest.get("generation"),
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
    ordered = dict(sorted(results["sizes"].items(), key=lambda item: item[1]["lines"]))
    results["sizes"] = ordered
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(results, indent=2) + "\n")
    tmp.replace(path)
