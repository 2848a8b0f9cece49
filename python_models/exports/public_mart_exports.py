"""Publish the public marts (and what the report reads) as one serving copy: one row per
published table.

Runs last, after every public mart and its tests passed. Copies the tables into a new
DuckDB file and Parquet folder stamped with one build id, then swaps them in atomically
(see segments.publish): readers open <output root>/current/serving.duckdb or
current/marts/*.parquet and never the build's own file, so they never block a build and
never see a mix of two builds.
"""

from __future__ import annotations

import uuid

import pandas as pd

from segments.publish import PublishedTable, new_build_id, output_root, publish, shop_name


def model(dbt, session):
    dbt.config(materialized="table")
    database = session.sql(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchone()[0]
    # The public marts, then the tables the report also reads (features, model
    # diagnostics, the segment 0 and feature registry seeds). dbt needs each ref
    # spelled out as a literal.
    sources = {
        "customer_segments": dbt.ref("customer_segments"),
        "customer_segment_changes": dbt.ref("customer_segment_changes"),
        "customer_segment_scores": dbt.ref("customer_segment_scores"),
        "segment_profiles": dbt.ref("segment_profiles"),
        "segment_country_summary": dbt.ref("segment_country_summary"),
        "segment_category_summary": dbt.ref("segment_category_summary"),
        "segment_monthly_summary": dbt.ref("segment_monthly_summary"),
        "segment_monthly_revenue_wide": dbt.ref("segment_monthly_revenue_wide"),
        "customer_rfm_cells": dbt.ref("customer_rfm_cells"),
        "segment_backtest": dbt.ref("segment_backtest"),
        "customer_features": dbt.ref("customer_features"),
        "order_line_reconciliation": dbt.ref("order_line_reconciliation"),
        "segment_definitions": dbt.ref("segment_definitions"),
        "segment_k_selection": dbt.ref("segment_k_selection"),
        "segment_validation": dbt.ref("segment_validation"),
        "segment_pca_projection": dbt.ref("segment_pca_projection"),
        "segment_pca_loadings": dbt.ref("segment_pca_loadings"),
        "segment_transforms": dbt.ref("segment_transforms"),
        "segment_model_current": dbt.ref("segment_model_current"),
        "segment_reserved": dbt.ref("segment_reserved"),
        "segment_features": dbt.ref("segment_features"),
        "segment_feature_status": dbt.ref("segment_feature_status"),
    }
    tables = [
        PublishedTable(name=name, source=f"({relation.sql_query()})")
        for name, relation in sources.items()
    ]
    rows = publish(
        session,
        tables,
        root=output_root(database, dbt.config.meta_get("export_path")),
        build_id=new_build_id(uuid.uuid4().hex),
        shop=shop_name(database),
        source_database=str(database or ""),
    )
    frame = pd.DataFrame(rows).rename(columns={"table_name": "mart_name"})
    return frame.astype({"mart_name": "string", "file_path": "string"})
