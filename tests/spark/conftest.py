"""The Spark leg: one dbt-spark build of the bundled sample in this process (one JVM), and
the DuckDB build of the same sample to compare it with.

Run by `make test-spark` with .venv-spark (SPARK_LEG=1). There a missing pyspark or a skipped
test is a failure; in the main virtualenv (no pyspark) the modules here skip.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

SPARK_LEG = bool(os.environ.get("SPARK_LEG"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """In the Spark leg nothing may be skipped: a skip is reported as a failure."""
    outcome = yield
    report = outcome.get_result()
    if SPARK_LEG and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"skipped in the Spark leg, which must run everything: {report.longrepr}"


@dataclass(frozen=True)
class Builds:
    """Where the two builds of the sample are: the DuckDB file and the Spark session."""

    duckdb_path: Path
    spark_dir: Path
    target_path: Path


@pytest.fixture(scope="session")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Builds:
    """`dbt build` of the sample on DuckDB, then on Spark (seeds, models, Python models run
    as a Databricks cluster runs them, every data and unit test)."""
    pytest.importorskip("pyspark")
    from .spark_dbt import PROJECT_DIR, run_dbt

    root = tmp_path_factory.mktemp("spark_leg")
    duckdb_path = root / "sample.duckdb"
    spark_dir = root / "spark"
    target_path = root / "target_spark"
    os.environ["DBT_DUCKDB_PATH"] = str(duckdb_path)
    os.environ["DBT_SPARK_DIR"] = str(spark_dir)
    # One JVM builds and tests: Spark's own in-memory catalog instead of a Derby metastore
    # (about a minute of start-up, and slower lookups for every node).
    os.environ["DBT_SPARK_CATALOG"] = "in-memory"
    os.environ["DO_NOT_TRACK"] = "1"
    cwd = os.getcwd()
    os.chdir(PROJECT_DIR)  # input paths are taken from the project root, as dbt is run
    try:
        run_dbt(
            [
                "build",
                "--exclude-resource-type",
                "test",
                "unit_test",
                "--target-path",
                str(root / "target_duckdb"),
                "--log-path",
                str(root),
            ],
            target="ci",
        )
        run_dbt(["build", "--target-path", str(target_path), "--log-path", str(root)])
    finally:
        os.chdir(cwd)
    return Builds(duckdb_path, spark_dir, target_path)


@pytest.fixture(scope="session")
def spark(builds: Builds):
    """The SparkSession dbt-spark built into (same JVM, same metastore)."""
    from pyspark.sql import SparkSession

    return SparkSession.builder.getOrCreate()
