"""CI runs the benchmark harness only as a smoke test, at a tiny size (BENCHMARKS.md has the
real numbers): the project and both notebook ways must complete and be measured."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .dbt_project_runner import PROJECT_DIR

pytestmark = pytest.mark.integration


def test_bench_harness_smoke(tmp_path):
    completed = subprocess.run(
        [
            sys.executable,
            str(PROJECT_DIR / "bench" / "run.py"),
            "--smoke",
            "--out",
            str(tmp_path),
            "--data-dir",
            str(tmp_path / "data"),
        ],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    smoke = json.loads((tmp_path / "results.json").read_text())["sizes"]["20k"]
    assert smoke["lines"] > 15_000 and smoke["customers"] > 300
    for method in ("project", "fair_notebook", "seeds_notebook"):
        measured = smoke[method]
        assert measured["status"] == "ok" and measured["runs_ok"] == 1
        assert measured["median_wall_s"] > 0 and measured["median_peak_rss_bytes"] > 0
    # the three ran on the same lines: the notebooks read every line the project staged
    assert smoke["fair_notebook"]["raw_lines"] == smoke["seeds_notebook"]["raw_lines"]
    assert smoke["fair_notebook"]["raw_lines"] == smoke["lines"]
    assert smoke["project"]["customers"] >= smoke["fair_notebook"]["customers"] > 300
