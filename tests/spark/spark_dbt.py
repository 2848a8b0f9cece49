"""dbt on Apache Spark in this process: dbt-spark's session method, with the Python models run
the way dbt-databricks runs them on a cluster.

dbt-spark hands a Python model to a Databricks cluster: the model file compiled with dbt's
`dbtObj` (refs resolved through `spark.table`) plus dbt-spark's `py_write_table` footer, which
calls `model(dbt, spark)` and saves the returned frame with `saveAsTable`. Here that same
program is executed against the local SparkSession instead of being posted to a cluster, by a
submission helper registered for the adapter's default submission method. Everything else
(SQL models, seeds, tests, incremental logic, contracts) is plain dbt-spark.

Python models can be built by `dbt build` directly; the script that runs for each is kept under
target/run/ like any compiled model.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parents[2]


class LocalSessionPythonJobHelper:
    """A PythonJobHelper that executes the submitted program against the local SparkSession,
    as a Databricks notebook command would (a `spark` global, nothing else)."""

    def __init__(self, parsed_model: dict, credentials: Any) -> None:
        self.model_name = parsed_model["alias"]
        self.credentials = credentials

    def submit(self, compiled_code: str) -> None:
        from pyspark.sql import SparkSession

        spark = SparkSession.builder.getOrCreate()
        namespace = {"spark": spark, "__name__": "__main__"}
        exec(compile(compiled_code, f"<dbt python model {self.model_name}>", "exec"), namespace)


def install_local_python_submission() -> None:
    """Route dbt-spark's Python model submission (both methods) to the local session."""
    from dbt.adapters.spark.impl import SparkAdapter

    SparkAdapter.python_submission_helpers = property(  # type: ignore[method-assign]
        lambda self: {
            "all_purpose_cluster": LocalSessionPythonJobHelper,
            "job_cluster": LocalSessionPythonJobHelper,
        }
    )


def run_dbt(args: list[str], *, target: str = "spark") -> Any:
    """dbt <args> --target <target> in this process; raises on an error, returns the result."""
    from dbt.cli.main import dbtRunner

    install_local_python_submission()
    result = dbtRunner().invoke(
        [
            *args,
            "--target",
            target,
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
        ]
    )
    if result.exception is not None:
        raise result.exception
    if not result.success:
        failed = [
            f"{r.node.unique_id}: {r.status}: {r.message}"
            for r in (result.result or [])
            if str(r.status) not in ("success", "pass", "skipped")
        ]
        raise AssertionError("dbt " + " ".join(args) + " failed:\n" + "\n".join(failed))
    return result


if __name__ == "__main__":  # manual use: python tests/spark/spark_dbt.py build -s ...
    import sys

    os.chdir(PROJECT_DIR)
    run_dbt(sys.argv[1:])
