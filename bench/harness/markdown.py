"""The tables of ``BENCHMARKS.md`` (between ``<!-- name:start -->`` / ``<!-- name:end -->``
markers), written from ``results.json``: the three-way comparison, where the project's time
goes, and the targets."""

from __future__ import annotations

import re
from pathlib import Path

from .common import (
    FAIR_SILHOUETTE_SAMPLE,
    METHOD_TITLES,
    METHODS,
    ROOT,
    GiB,
    fmt_bytes,
    fmt_int,
    fmt_seconds,
    now_iso,
)


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


def _method_cell(summary: dict | None) -> str:
    if summary is None:
        return "not run"
    wall = _cell(summary, "median_wall_s", fmt_seconds)
    peak = _cell(summary, "median_peak_rss_bytes", fmt_bytes)
    return wall if wall == peak else f"{wall} · {peak}"


def _runs_cell(summary: dict | None) -> str:
    if not summary:
        return "-"
    skipped = summary["runs_requested"] - summary["runs_measured"]
    text = f"{summary['runs_ok']}/{summary['runs_measured']}"
    return text + (f" (+{skipped} skipped)" if skipped else "")


def speedup(entry: dict, peer: str) -> str:
    """How many times faster the project is than ``peer`` on this input."""
    project, other = entry.get("project"), entry.get(peer)
    if not project or not other or project["median_wall_s"] is None:
        return "-"
    if other["status"] == "ok":
        return f"{other['median_wall_s'] / project['median_wall_s']:.1f}x"
    if other["status"] == "timeout":
        return f"> {other['time_cap_s'] / project['median_wall_s']:.1f}x"
    return f"- ({other['status']})"


def _label(label: str, entry: dict) -> str:
    if entry.get("kind") == "online_retail":
        return f"Online Retail x{label.rsplit('x', 1)[-1]}"
    return f"{label} generated"


def results_table(results: dict) -> str:
    machine = results["machine"]
    titles = [METHOD_TITLES[m] for m in METHODS]
    lines = [
        f"Machine: {machine['cpu_count']} cores, {fmt_bytes(machine['mem_total_bytes'])} RAM, "
        f"{machine['platform']}; Python {machine['python']}, "
        + ", ".join(f"{k} {v}" for k, v in machine["versions"].items() if v)
        + f". Table written {now_iso()}.",
        "",
        "Each cell: median wall time · median peak RSS of the process tree. "
        f'"{METHOD_TITLES["fair_notebook"]}": silhouette on a '
        f'{FAIR_SILHOUETTE_SAMPLE:,}-customer sample; "{METHOD_TITLES["seeds_notebook"]}": '
        "silhouette on every customer. \"x faster\": the peer's wall time over the project's. "
        '"others busy": the most CPU (in cores, of '
        f"{machine['cpu_count']}) that other processes on the machine used during a run of "
        "each method, in the same order.",
        "",
        f"| input | order lines | customers | {' | '.join(titles)} "
        "| x faster than fair | x faster than seeds' | runs ok | others busy (cores) | date |",
        "|---|---:|---:|" + "---:|" * len(METHODS) + "---:|---:|---|---|---|",
    ]
    notes = []
    for label, entry in results["sizes"].items():
        summaries = [entry.get(m) for m in METHODS]
        dates = sorted({s["date"][:10] for s in summaries if s})
        busy = " / ".join(f"{s['max_other_cpu_cores']:.1f}" if s else "-" for s in summaries)
        lines.append(
            f"| {_label(label, entry)} | {fmt_int(entry['lines'])} | {fmt_int(entry['customers'])} "
            f"| {' | '.join(_method_cell(s) for s in summaries)} "
            f"| {speedup(entry, 'fair_notebook')} | {speedup(entry, 'seeds_notebook')} "
            f"| {' · '.join(_runs_cell(s) for s in summaries)} | {busy} | {', '.join(dates)} |"
        )
        for method, summary in zip(METHODS, summaries, strict=True):
            for note in (summary or {}).get("notes", []):
                notes.append(f"- {_label(label, entry)}, {METHOD_TITLES[method]}: {note}")
    settings = {
        (entry["project"].get("duckdb_memory_limit"), entry["project"].get("dbt_threads", 1))
        for entry in results["sizes"].values()
        if entry.get("project")
    }
    for limit, threads in sorted(settings, key=str):
        notes.insert(
            0,
            f"- project settings: DuckDB memory_limit {limit}, {threads} dbt thread(s)",
        )
    if any(
        s and s["status"] == "failed" and s["runs_ok"]
        for e in results["sizes"].values()
        for s in (e.get(m) for m in METHODS)
    ):
        notes.append("- (*) some runs failed: the median is over the runs that succeeded")
    if notes:
        lines += ["", "Notes:", "", *notes]
    return "\n".join(lines)


def profile_tables(results: dict, top: int = 12) -> str:
    """'Where the time goes' for every input of at least 1M lines the project built."""
    blocks = []
    for label, entry in results["sizes"].items():
        project = entry.get("project")
        if not project or project["median_wall_s"] is None or entry["lines"] < 1_000_000:
            continue
        nodes = project.get("nodes", [])
        if not nodes:  # dbt's run_results.json was not there to read
            continue
        wall = project["median_wall_s"]
        node_total = sum(n["execution_time_s"] for n in nodes)
        threads = project.get("dbt_threads", 2)
        overlap = (
            f"{threads} threads, so nodes overlap"
            if threads > 1
            else "1 thread: the rest is dbt start-up, parsing and hooks"
        )
        blocks.append(
            f"**{_label(label, entry)}** ({fmt_int(entry['lines'])} lines): "
            f"wall {fmt_seconds(wall)}, "
            f"sum of node times {fmt_seconds(node_total)} ({overlap}); "
            f"medians over {project['runs_ok']} run(s)."
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
        step = project.get("python_step")
        if step:
            blocks.append(
                f"Python models ({step['models']}, run inside the dbt process): "
                f"{fmt_seconds(step['model_time_s'])} of node time over a "
                f"{fmt_seconds(step['wall_s'])} window; process RSS "
                f"{fmt_bytes(step['rss_at_start_bytes'])} → {fmt_bytes(step['peak_rss_bytes'])} "
                f"(+{fmt_bytes(step['rise_bytes'])}; SQL nodes run beside them)."
            )
        alone = project.get("python_step_alone")
        if alone:
            blocks.append(
                "Python models run alone (`dbt run --select path:python_models --threads 1`, "
                f"fresh process, run 1): {alone['status']}, {fmt_seconds(alone['wall_s'])} "
                f"wall, peak RSS {fmt_bytes(alone['peak_rss_bytes'])}."
            )
        blocks.append("")
    blocks += _growth_table(results)
    return "\n".join(blocks).strip() or "_No project run of 1M lines or more yet._"


def _growth_table(results: dict, top: int = 10) -> list[str]:
    """Node times at the two largest sizes side by side: which nodes grow faster than the data."""
    measured = [
        (label, entry)
        for label, entry in results["sizes"].items()
        if (entry.get("project") or {}).get("median_wall_s")
        and entry["lines"] >= 1_000_000
        and entry.get("kind", "generated") == "generated"
    ]
    if len(measured) < 2:
        return []
    (small_label, small), (big_label, big) = measured[-2], measured[-1]
    factor = big["lines"] / small["lines"]
    before = {n["unique_id"]: n["execution_time_s"] for n in small["project"]["nodes"]}
    rows = [
        f"**Growth {small_label} → {big_label}** ({factor:.1f}x the lines; a ratio above that "
        "is worse than linear):",
        "",
        f"| node | {small_label} | {big_label} | ratio |",
        "|---|---:|---:|---:|",
    ]
    wall_ratio = big["project"]["median_wall_s"] / small["project"]["median_wall_s"]
    rows.append(
        f"| **whole build (wall)** | {fmt_seconds(small['project']['median_wall_s'])} "
        f"| {fmt_seconds(big['project']['median_wall_s'])} | {wall_ratio:.1f}x |"
    )
    for node in big["project"]["nodes"][:top]:
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
    alone = (entry.get("project") or {}).get("python_step_alone")
    return alone["peak_rss_bytes"] if alone and alone["status"] == "ok" else None


def training_sample_size() -> int | None:
    """var segment_training_sample_size from dbt_project.yml (the Python step's row bound)."""
    text = (ROOT / "dbt_project.yml").read_text()
    match = re.search(r"^\s*segment_training_sample_size:\s*(\d+)", text, re.MULTILINE)
    return int(match.group(1)) if match else None


def _ok(sizes: dict, label: str, method: str) -> dict | None:
    summary = sizes.get(label, {}).get(method)
    return summary if summary and summary["runs_ok"] else None


def _faster_target(sizes: dict, label: str, title: str) -> str:
    project, fair = _ok(sizes, label, "project"), sizes.get(label, {}).get("fair_notebook")
    if not project or not fair:
        return f"| {title} | needs project and fair notebook results | not measured |"
    entry = sizes[label]
    if fair["status"] == "ok":
        factor = fair["median_wall_s"] / project["median_wall_s"]
        verdict = "met" if factor >= 3 else f"missed: {factor:.1f}x, {3 / factor:.1f}x short"
    else:
        verdict = f"met (fair notebook {fair['status']})"
    result = (
        f"project {fmt_seconds(project['median_wall_s'])}, fair notebook "
        f"{_cell(fair, 'median_wall_s', fmt_seconds)}: {speedup(entry, 'fair_notebook')}"
    )
    return f"| {title} | {result} | {verdict} |"


def targets_block(results: dict) -> str:
    sizes = results["sizes"]
    rows = ["| target | result | verdict |", "|---|---|---|"]
    rows.append(
        _faster_target(sizes, "10m", "10M generated lines: ≥ 3x faster than the fair notebook")
    )
    retail = next((k for k, v in sizes.items() if v.get("kind") == "online_retail"), None)
    rows.append(
        _faster_target(
            sizes,
            retail or "online-retail-x20",
            "Online Retail x20: ≥ 3x faster than the fair notebook",
        )
    )
    big = _ok(sizes, "100m", "project")
    if big:
        wall, peak = big["median_wall_s"], big["median_peak_rss_bytes"]
        misses = []
        if wall > 300:
            misses.append(f"time {wall / 300:.1f}x the 5 min")
        if peak > 6 * GiB:
            misses.append(f"peak {fmt_bytes(peak - 6 * GiB)} over")
        verdict = "met" if not misses else "missed: " + ", ".join(misses)
        result = f"{fmt_seconds(wall)}, peak {fmt_bytes(peak)}"
    else:
        status = sizes.get("100m", {}).get("project", {}).get("status", "not run")
        result, verdict = (
            f"100M project: {status}",
            "not measured" if status == "not run" else "missed",
        )
    rows.append(f"| 100M lines end to end ≤ 5 min at ≤ 6 GiB peak | {result} | {verdict} |")

    generated = [
        (label, entry)
        for label, entry in sizes.items()
        if entry.get("kind", "generated") == "generated"
        and entry["lines"] >= 1_000_000
        and _ok(sizes, label, "project")
    ]
    if len(generated) >= 2:
        (small_label, small), (big_label, large) = generated[0], generated[-1]
        line_ratio = large["lines"] / small["lines"]
        time_ratio = large["project"]["median_wall_s"] / small["project"]["median_wall_s"]
        per_line = [
            f"{label} {1e6 * entry['project']['median_wall_s'] / entry['lines']:.1f} s"
            for label, entry in generated
        ]
        verdict = (
            "met"
            if time_ratio <= line_ratio * 1.05
            else (f"missed ({time_ratio / line_ratio:.2f}x linear)")
        )
        if time_ratio < line_ratio:
            verdict = "met (sublinear: fixed costs dominate the small sizes)"
        if large["lines"] < 50_000_000:
            verdict = f"not measured at 100M ({big_label}: {verdict})"
        result = (
            f"{small_label} → {big_label}: {time_ratio:.1f}x the time for {line_ratio:.1f}x the "
            f"lines; seconds per million lines: {', '.join(per_line)}"
        )
    else:
        result, verdict = "needs two generated sizes ≥ 1M", "not measured"
    rows.append(f"| time linear in lines, 1M → 100M | {result} | {verdict} |")

    cap = training_sample_size()
    memory = [
        (label, entry, _python_step_memory(entry))
        for label, entry in sizes.items()
        if _ok(sizes, label, "project")
        and entry["lines"] >= 1_000_000
        and entry.get("kind", "generated") == "generated"
    ]
    memory = [m for m in memory if m[2] is not None]
    full = [m for m in memory if cap and m[1]["project"].get("active_customers", 0) >= cap]
    result = (
        ", ".join(
            f"{label}: {fmt_bytes(peak)} ({fmt_int(entry['project'].get('active_customers'))} "
            "active)"
            for label, entry, peak in memory
        )
        + "; peak RSS of the Python models run alone (dbt run, 1 thread); training sample cap "
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
