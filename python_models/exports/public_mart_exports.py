"""Export every public mart as a Parquet file, replaced atomically: one row per export.

DuckDB blocks other processes while dbt writes; the files let BI tools and syncs read the
marts at any time. Each file is written under a temporary name in the same folder, checked,
then moved over the old one with os.replace (atomic on one file system), so a reader sees
either the previous build's file or this one, never a half-written file.

On Spark and Databricks (refs are Spark DataFrames) each mart is written by Spark's own
Parquet writer to a folder of its name (one part file, sorted by key): never collected to the
driver. Such a folder is replaced in place, not atomically; the report reads it like a file.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

DEFAULT_EXPORT_PATH = "output/marts"


def model(dbt, session):
    dbt.config(materialized="table")
    export_dir = export_directory(dbt.config.meta_get("export_path"), session)
    # Each mart with the key its rows are sorted by, so files are stable between reruns.
    marts = [
        ("customer_segments", dbt.ref("customer_segments"), "customer_id"),
        ("customer_segment_changes", dbt.ref("customer_segment_changes"), "segment_change_id"),
        ("customer_segment_scores", dbt.ref("customer_segment_scores"), "customer_id"),
        ("segment_profiles", dbt.ref("segment_profiles"), "segment_id"),
        ("segment_country_summary", dbt.ref("segment_country_summary"), "segment_country_id"),
        ("segment_category_summary", dbt.ref("segment_category_summary"), "segment_category_id"),
        ("segment_monthly_summary", dbt.ref("segment_monthly_summary"), "segment_month_id"),
        (
            "segment_monthly_revenue_wide",
            dbt.ref("segment_monthly_revenue_wide"),
            "month_start_date",
        ),
        ("customer_rfm_cells", dbt.ref("customer_rfm_cells"), "customer_id"),
        ("segment_backtest", dbt.ref("segment_backtest"), "backtest_segment_id"),
    ]
    rows = [
        {"mart_name": name, **export_mart(relation, key, export_dir / name)}
        for name, relation, key in marts
    ]
    return pd.DataFrame(rows).astype({"mart_name": "string", "file_path": "string"})


def export_directory(export_path: str | None, session) -> Path:
    """The export folder: var export_path, default output/marts; a relative path is taken
    from the DuckDB file's folder (the project root with the default profile)."""
    path = Path(export_path or DEFAULT_EXPORT_PATH)
    if not path.is_absolute() and hasattr(session, "sparkContext"):
        path = Path.cwd() / path  # Spark: the driver's working directory, dbt's project root
    elif not path.is_absolute():
        database = session.sql(
            "select path from duckdb_databases() where database_name = current_database()"
        ).fetchone()[0]
        base = Path(database).resolve().parent if database else Path.cwd()
        path = base / path
    path.mkdir(parents=True, exist_ok=True)
    return path


def export_mart(relation, key: str, target: Path) -> dict:
    """Write one mart sorted by key: a DuckDB relation atomically to target.parquet, a Spark
    DataFrame with Spark's writer to the folder target/."""
    if hasattr(relation, "toPandas"):
        relation.orderBy(key).coalesce(1).write.mode("overwrite").parquet(str(target))
        row_count = sum(pq.read_metadata(part).num_rows for part in target.glob("*.parquet"))
        return {"file_path": str(target), "row_count": row_count}
    return export_atomically(relation.order(key), target)


def export_atomically(relation, target: Path) -> dict:
    """Write `relation` to target.parquet through a temporary file in the same folder."""
    final = target.with_suffix(".parquet")
    temporary = final.with_name(f".{final.name}.{os.getpid()}.tmp")
    try:
        relation.write_parquet(str(temporary), compression="zstd")
        row_count = pq.read_metadata(temporary).num_rows
        os.replace(temporary, final)
    finally:
        temporary.unlink(missing_ok=True)
    return {"file_path": str(final), "row_count": row_count}
