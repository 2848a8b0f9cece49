"""Session-wide dbt builds shared by the integration tests: one per input, and one database
built twice ("an earlier date, then now")."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .dbt_project_runner import (
    EARLIER_AS_OF,
    ONLINE_RETAIL,
    output_root,
    query,
    run_dbt,
    run_dbt_subprocess,
)

READER = Path(__file__).with_name("parquet_reader.py")


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`dbt build` on the bundled sample, as `make build` runs it."""
    database = tmp_path_factory.mktemp("sample") / "sample.duckdb"
    run_dbt(["build"], database)
    return database


@pytest.fixture(scope="session")
def online_retail_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`dbt build` on the full UCI Online Retail file, configured by vars alone."""
    if not ONLINE_RETAIL.exists():
        pytest.skip(
            f"UCI Online Retail not found at {ONLINE_RETAIL}: "
            "clone the project beside ../shared to run the real-data tests"
        )
    database = tmp_path_factory.mktemp("online_retail") / "online_retail.duckdb"
    run_dbt(
        ["build"],
        database,
        vars={"input_format": "online_retail", "transactions_path": str(ONLINE_RETAIL)},
    )
    return database


@pytest.fixture(scope="session")
def online_retail_backtest_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """UCI Online Retail built as of 2011-09-01: the 90 days after it are in the file, so
    segment_backtest measures the segments (the issue's acceptance backtest)."""
    if not ONLINE_RETAIL.exists():
        pytest.skip(f"UCI Online Retail not found at {ONLINE_RETAIL}")
    database = tmp_path_factory.mktemp("online_retail_backtest") / "backtest.duckdb"
    run_dbt(
        ["build"],
        database,
        vars={
            "input_format": "online_retail",
            "transactions_path": str(ONLINE_RETAIL),
            "as_of_date": "2011-09-01",
        },
    )
    return database


@pytest.fixture(scope="session")
def two_builds(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The sample built as of EARLIER_AS_OF, then with the default as_of_date (one month more)
    into the same database, while a separate reader process polls the Parquet exports. Returns
    the database, what the first build produced, the reader's log and the second build's time
    window. Both builds run in their own process: in-process dbt-duckdb keeps the database
    open, which would lock the second one out. Tests that build this database again must use
    run_dbt_subprocess too, and leave its tables as they found them."""
    database = tmp_path_factory.mktemp("two_builds") / "two_builds.duckdb"
    # The first build only lays down history; the second one runs every test.
    run_dbt_subprocess(
        ["build", "--exclude", "resource_type:test", "resource_type:unit_test"],
        database,
        vars={"as_of_date": EARLIER_AS_OF.isoformat()},
    )
    first = {
        "segments": dict(query(database, "select customer_id, segment_id from customer_segments")),
        "names": dict(query(database, "select customer_id, segment_name from customer_segments")),
        "returners": dict(
            query(database, "select customer_id, is_frequent_returner from customer_segments")
        ),
        "scores": dict(
            query(database, "select customer_id, segment_id from customer_segment_scores")
        ),
        "segment_names": dict(
            query(database, "select segment_id, segment_name from segmentation.segment_definitions")
        ),
        "exports": dict(query(database, "select mart_name, row_count from public_mart_exports")),
    }
    stop_file = database.parent / "stop_reader"
    reader = subprocess.Popen(
        [sys.executable, str(READER), str(output_root(database)), str(database), str(stop_file)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        build_started = time.time()
        run_dbt_subprocess(["build"], database)
        build_finished = time.time()
    finally:
        stop_file.touch()
        reader_out, reader_err = reader.communicate(timeout=60)
    assert reader.returncode == 0, reader_err
    return {
        "database": database,
        "first": first,
        "reader": json.loads(reader_out),
        "build_window": (build_started, build_finished),
    }
