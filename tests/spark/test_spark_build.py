"""The project on Apache Spark: the sample builds with dbt-spark (every seed, model and Python
model, no data test or unit test failed or skipped), every SQL model also runs with ANSI mode
on, and the tables agree with the DuckDB build of the same sample, customer by customer."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pandas as pd
import pytest

pytest.importorskip("pyspark")

import duckdb

#: Tables compared whole between the engines, with their key (SQL and Python models).
COMPARED_TABLES = {
    "customer_features": ("main", "customer_id"),
    "rejected_transactions": ("main", None),
    "customer_segments": ("main", "customer_id"),
    "customer_segment_scores": ("main", "customer_id"),
    "segment_profiles": ("main", "segment_id"),
    "segment_category_summary": ("main", "segment_category_id"),
    "segment_monthly_summary": ("main", "segment_month_id"),
    "segment_definitions": ("segmentation", "segment_id"),
    "segment_k_selection": ("segmentation", "k"),
}
#: Columns that differ between any two builds (wall-clock time), or between engines by design:
#: the raw line number is the line's position on DuckDB, monotonically_increasing_id() on
#: Spark (macro source_line_number).
UNCOMPARED_COLUMNS = {"trained_at", "order_line_id", "source_line_number"}


def duckdb_frame(builds, schema: str, table: str) -> pd.DataFrame:
    # Read-write: dbt-duckdb keeps its connection open in this process, and DuckDB refuses
    # a second connection to the file with another configuration (read-only).
    with duckdb.connect(str(builds.duckdb_path)) as connection:
        return connection.sql(f"select * from {schema}.{table}").df()


def spark_frame(spark, schema: str, table: str) -> pd.DataFrame:
    return spark.table(f"{schema}.{table}").toPandas()


def comparable(frame: pd.DataFrame, key: str | None) -> pd.DataFrame:
    """Sorted by key (every column when None), Decimal as float, dates as datetime64 (as
    DuckDB's .df() gives them), UNCOMPARED_COLUMNS dropped."""
    frame = frame.drop(columns=[c for c in frame.columns if c in UNCOMPARED_COLUMNS])
    for column in frame.columns:
        values = frame[column]
        if values.dtype == object and values.map(lambda v: isinstance(v, Decimal)).any():
            frame[column] = values.astype("float64")
        elif values.dtype == object and values.map(lambda v: isinstance(v, dt.date)).any():
            frame[column] = pd.to_datetime(values).astype("datetime64[us]")  # Spark's dates
        elif str(values.dtype).startswith("datetime64"):
            frame[column] = values.astype("datetime64[us]")
    frame = frame.astype({c: "float64" for c in frame.select_dtypes("number").columns})
    keys = key or list(frame.columns)
    return frame.sort_values(keys, kind="mergesort", na_position="first").reset_index(drop=True)


def row_checksum(frame) -> tuple[int, int]:
    """Row count and the sum of every row's hash over all its columns: one pass that has to
    compute every column of every row (a bare count(*) would let Spark prune the columns),
    and equal for equal multisets of rows whatever their order. Doubles are rounded to 6
    decimals first: a sum of doubles evaluated again may add up in another order, which
    changes the last bits, not the answer."""
    columns = ", ".join(
        f"round(`{name}`, 6)" if dtype in ("double", "float") else f"`{name}`"
        for name, dtype in frame.dtypes
    )
    row = frame.selectExpr(
        "count(*) as row_count", f"coalesce(sum(hash({columns})), 0) as hash_sum"
    ).first()
    return int(row["row_count"]), int(row["hash_sum"])


# --- the build itself -----------------------------------------------------------------


def test_every_node_built_and_every_test_passed(builds):
    """run_results of the Spark build: every seed, model, snapshot-equivalent, data test and
    unit test of the manifest ran and succeeded; none was skipped."""
    results = json.loads((builds.target_path / "run_results.json").read_text())["results"]
    manifest = json.loads((builds.target_path / "manifest.json").read_text())
    statuses = {result["unique_id"]: result["status"] for result in results}
    expected = {
        unique_id
        for unique_id, node in {**manifest["nodes"], **manifest.get("unit_tests", {})}.items()
        if node["resource_type"] in {"model", "seed", "snapshot", "test", "unit_test"}
        and node["config"].get("enabled", True)
    }
    assert expected - set(statuses) == set()
    not_ok = {
        uid: status
        for uid, status in statuses.items()
        if status not in {"success", "pass"} and not uid.startswith("exposure.")
    }
    assert not_ok == {}
    kinds = {uid.split(".")[0] for uid in statuses}
    assert {"model", "seed", "test", "unit_test"} <= kinds


def test_python_models_ran_as_on_a_cluster(builds, spark):
    """The Python models were executed from their compiled file (dbtObj over spark.table,
    dbt-spark's write footer) and saved as Parquet tables."""
    manifest = json.loads((builds.target_path / "manifest.json").read_text())
    python_models = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["language"] == "python"
    ]
    assert len(python_models) >= 6
    for node in python_models:
        script = builds.target_path / "run" / "customer_segments" / node["original_file_path"]
        code = script.read_text()
        assert "dbt = dbtObj(spark.table)" in code and "df = model(dbt, spark)" in code
        details = {
            row["col_name"]: row["data_type"]
            for row in spark.sql(f"describe table extended {node['relation_name']}").collect()
        }
        assert details["Provider"] == "parquet", node["name"]
        assert spark.table(node["relation_name"]).count() > 0, node["name"]


def test_sql_models_run_with_ansi_mode(builds, spark):
    """Every SQL model's compiled query (the build's own compiled SQL, not compiled again),
    executed in full with spark.sql.ansi.enabled=true (as on Databricks SQL warehouses), runs
    without an error and gives the same rows as the table or view dbt-spark built with ANSI
    off (row count and row checksum, doubles to 6 decimals)."""
    manifest = json.loads((builds.target_path / "manifest.json").read_text())
    models = sorted(
        (
            node
            for node in manifest["nodes"].values()
            if node["resource_type"] == "model" and node["language"] == "sql"
        ),
        key=lambda node: node["unique_id"],
    )
    assert len(models) >= 25
    problems = {}
    for node in models:
        compiled = (
            builds.target_path / "compiled" / "customer_segments" / node["original_file_path"]
        ).read_text()
        spark.conf.set("spark.sql.ansi.enabled", "true")
        try:
            evaluated = row_checksum(spark.sql(compiled))
        except Exception as error:  # every model is tried; the failures are listed together
            problems[node["name"]] = f"fails with ANSI on: {str(error).splitlines()[0]}"
            continue
        finally:
            spark.conf.set("spark.sql.ansi.enabled", "false")
        built = row_checksum(spark.table(node["relation_name"]))
        if evaluated != built:
            problems[node["name"]] = f"ANSI on (rows, checksum) {evaluated}, built {built}"
    assert problems == {}


# --- the same answer as DuckDB -----------------------------------------------------------


def test_same_segments_as_duckdb(builds, spark):
    """k, the size of every segment, and every customer's segment id and name."""
    duck = comparable(duckdb_frame(builds, "main", "customer_segments"), "customer_id")
    sparked = comparable(spark_frame(spark, "main", "customer_segments"), "customer_id")
    assert len(duck) > 1000
    k_duck = duckdb_frame(builds, "segmentation", "segment_definitions")["segment_id"].nunique()
    k_spark = spark.table("segmentation.segment_definitions").count()
    assert k_spark == k_duck >= 3
    assert (
        sparked.groupby("segment_id").size().to_dict()
        == duck.groupby("segment_id").size().to_dict()
    )
    columns = ["customer_id", "segment_id", "segment_name", "is_active"]
    pd.testing.assert_frame_equal(sparked[columns], duck[columns], check_dtype=False)


@pytest.mark.parametrize("table", sorted(COMPARED_TABLES))
def test_table_equals_duckdb(builds, spark, table):
    """The whole table, column by column: same columns, rows, values (floats to 1e-9 relative)
    and nulls where DuckDB has nulls (NaN from pandas is written as null on both)."""
    schema, key = COMPARED_TABLES[table]
    duck = comparable(duckdb_frame(builds, schema, table), key)
    sparked = comparable(spark_frame(spark, schema, table), key)
    assert list(sparked.columns) == list(duck.columns)
    assert sparked.isna().sum().to_dict() == duck.isna().sum().to_dict()
    pd.testing.assert_frame_equal(sparked, duck, check_dtype=False, rtol=1e-9, atol=1e-9)
