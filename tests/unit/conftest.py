"""Fixtures shared by the unit tests."""

from __future__ import annotations

import pytest

from segments.report.data import DuckDBWarehouse, load_report_data

from .test_report_data import write_warehouse


@pytest.fixture(scope="module")
def report_data(tmp_path_factory):
    """The report's data loaded from a tiny warehouse laid out like the dbt build (one per
    test module, so a module may change its copy)."""
    path = write_warehouse(tmp_path_factory.mktemp("report") / "tiny.duckdb", True)
    with DuckDBWarehouse(path) as warehouse:
        return load_report_data(warehouse)
