"""The peers the project is compared with: ``bench/notebook_way.py`` run two ways.

* ``fair_notebook``: the silhouette of each k on a 10,000-customer sample
  (``silhouette_score(..., sample_size=10000)``), as a practitioner would write it once
  customers pass ~20k;
* ``seeds_notebook``: the silhouette on every customer, as the seed notebooks do (quadratic).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from .common import BENCH, FAIR_SILHOUETTE_SAMPLE, ROOT, GiB, Settings
from .inputs import Input
from .measure import measure, write_samples

SILHOUETTE_SAMPLE = {"fair_notebook": FAIR_SILHOUETTE_SAMPLE, "seeds_notebook": 0}


def run_notebook(method: str, item: Input, data: Path, index: int, settings: Settings) -> dict:
    """One run of bench/notebook_way.py; its stage timings come from the progress file."""
    run_dir = settings.runs_root / item.label / f"{method}-{index}"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    progress_path = run_dir / "progress.json"
    result = measure(
        [
            sys.executable,
            str(BENCH / "notebook_way.py"),
            "--data",
            str(data),
            "--input-format",
            item.input_format,
            "--silhouette-sample",
            str(SILHOUETTE_SAMPLE[method]),
            "--result",
            str(progress_path),
        ],
        cwd=ROOT,
        env=settings.env,
        log_path=run_dir / "notebook.log",
        time_cap_s=settings.time_cap_s[method],
        mem_cap_bytes=settings.mem_cap_bytes,
        # a backstop for a spike between two polls; generous, since libraries reserve address
        # space they never touch
        as_limit_bytes=max(2 * settings.mem_cap_bytes, settings.mem_cap_bytes + 8 * GiB),
    )
    write_samples(run_dir / "rss.csv", result.samples)
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
