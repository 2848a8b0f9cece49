"""Inputs by vars alone: Parquet globs and the Online Retail II spelling."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest

from .dbt_project_runner import PROJECT_DIR, SHARED_DATA, query, run_dbt, scalar

pytestmark = pytest.mark.integration

SAMPLE = PROJECT_DIR / "seeds" / "sample"
ONLINE_RETAIL_II = SHARED_DATA / "online_retail_ii" / "online_retail_ii_2009-12.csv.gz"


def test_parquet_glob_input_gives_the_same_features_as_csv(sample_db, tmp_path):
    parts = tmp_path / "lines"
    parts.mkdir()
    with gzip.open(SAMPLE / "order_lines.csv.gz", "rt") as handle:
        lines = pd.read_csv(handle, dtype=str, keep_default_na=False)
    for index, chunk in enumerate((lines.iloc[::2], lines.iloc[1::2])):
        chunk.to_parquet(parts / f"part-{index}.parquet", index=False)
    database = tmp_path / "parquet.duckdb"
    run_dbt(
        ["run", "--select", "+int_customer_features"],
        database,
        vars={
            "transactions_path": str(parts / "*.parquet"),
            "customers_path": str(SAMPLE / "customers.csv.gz"),
            "visits_path": str(SAMPLE / "visits.csv.gz"),
        },
    )
    columns = "customer_id, order_count, net_revenue, return_rate, visits_per_month"
    features_sql = f"select {columns} from intermediate.int_customer_features order by customer_id"
    assert query(database, features_sql) == query(sample_db, features_sql)


@pytest.mark.real_data
def test_online_retail_ii_spelling(tmp_path):
    if not ONLINE_RETAIL_II.exists():
        pytest.skip(f"Online Retail II extract not found at {ONLINE_RETAIL_II}")
    database = tmp_path / "retail_ii.duckdb"
    run_dbt(
        [
            "build",
            "--select",
            "+int_customer_features",
            "order_line_reconciliation",
            "--indirect-selection",
            "cautious",
        ],
        database,
        vars={"input_format": "online_retail", "transactions_path": str(ONLINE_RETAIL_II)},
    )
    # Published profile of the extract: 45,228 lines, 1,015 cancellations, 13,468 without id.
    assert scalar(database, "select sum(line_count) from order_line_reconciliation") == 45_228
    assert (
        scalar(
            database,
            "select count(*) from staging.stg_shop__order_lines where is_cancellation",
        )
        == 1_015
    )
    assert (
        scalar(
            database,
            "select line_count from order_line_reconciliation"
            " where rejection_reason = 'missing_customer_id'",
        )
        == 13_468
    )
    assert scalar(database, "select count(*) from intermediate.int_customer_features") > 900
