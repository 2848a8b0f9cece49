"""Session-wide dbt builds, one per input, shared by the integration tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from .dbt_project_runner import ONLINE_RETAIL, run_dbt


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
