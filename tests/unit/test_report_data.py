"""Reading the report's data from a DuckDB warehouse (read-only) or a Parquet folder, marts
first and derived otherwise. The tiny warehouse built here is shared by the other
test_report_* modules."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from segments import registry
from segments.report.data import (
    DuckDBWarehouse,
    ParquetWarehouse,
    default_database,
    load_report_data,
    open_warehouse,
)

MODEL_VERSION = "abc123def456"
AS_OF = pd.Timestamp("2025-12-31")


def customer_features() -> pd.DataFrame:
    """Nine customers: four frequent big spenders, three rare buyers, two inactive."""
    rows = [
        # id, country, top_category, recency, orders, revenue, returns, active
        ("C01", "France", "Books", 5, 20, 1000.0, 0.02, True),
        ("C02", "France", "Books", 10, 24, 1200.0, 0.00, True),
        ("C03", "Spain", "Home", 8, 28, 1400.0, 0.05, True),
        ("C04", "United Kingdom", "Home", 12, 24, 1200.0, 0.01, True),
        ("C05", "United Kingdom", "Books", 200, 2, 60.0, 0.00, True),
        ("C06", "United Kingdom", "Toys", 250, 2, 40.0, 0.10, True),
        ("C07", "Spain", "Toys", 300, 3, 80.0, 0.00, True),
        ("C08", "France", "Toys", 500, 1, 20.0, 0.00, False),
        ("C09", None, "Books", 600, 1, 30.0, 0.00, False),
    ]
    frame = pd.DataFrame(
        rows,
        columns=[
            "customer_id",
            "country",
            "top_category",
            "recency_days",
            "order_count",
            "net_revenue",
            "return_rate",
            "is_active",
        ],
    )
    frame["average_order_value"] = frame["net_revenue"] / frame["order_count"]
    frame["as_of_date"] = AS_OF
    frame["inactive_reason"] = frame["is_active"].map(
        {True: None, False: "no_purchase_within_inactive_after_days"}
    )
    return frame


def segment_scores() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["C01", "C02", "C03", "C04", "C05", "C06", "C07"],
            "model_version": MODEL_VERSION,
            "segment_id": [1, 1, 1, 1, 2, 2, 2],
            "distance_to_centroid": 0.5,
        }
    )


def segment_definitions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "model_version": MODEL_VERSION,
            "segment_id": [1, 2],
            "segment_name": ["Premium Loyalists", "Infrequent Buyers"],
            "description": ["Buy often and spend a lot.", "Buy rarely."],
            "recommended_campaign": ["VIP previews.", "Reminder emails."],
            "stability_class": ["stable", "dissolved"],
            "stability_jaccard": [0.95, 0.4],
            "training_customers": [4, 3],
        }
    )


def k_selection() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "model_version": MODEL_VERSION,
            "k": [2, 3, 4],
            "inertia": [10.0, 6.0, 5.0],
            "silhouette": [0.6, 0.5, 0.4],
            "davies_bouldin": [0.5, 0.7, 0.9],
            "calinski_harabasz": [30.0, 20.0, 10.0],
            "is_elbow": [False, True, False],
            "is_chosen": [True, False, False],
        }
    )


def validation() -> pd.DataFrame:
    metrics = {
        "silhouette": 0.6,
        "ward_adjusted_rand_index": 0.9,
        "pca_explained_variance_pc1": 0.7,
        "pca_explained_variance_pc2": 0.2,
        "smallest_segment_share": 3 / 7,
        "largest_segment_share": 4 / 7,
    }
    return pd.DataFrame(
        {
            "model_version": MODEL_VERSION,
            "metric_name": list(metrics),
            "metric_value": list(metrics.values()),
        }
    )


def pca_projection() -> pd.DataFrame:
    scores = segment_scores()
    return pd.DataFrame(
        {
            "model_version": MODEL_VERSION,
            "customer_id": scores["customer_id"],
            "segment_id": scores["segment_id"],
            "pc1": [1.0, 1.2, 1.1, 0.9, -1.0, -1.1, -0.9],
            "pc2": [0.1, -0.1, 0.0, 0.2, 0.3, -0.2, 0.0],
        }
    )


def pca_loadings() -> pd.DataFrame:
    """Each model feature's weight in the map's axes: axis 1 is mostly spend and orders
    (and recent buying), axis 2 mostly days since the last order."""
    return pd.DataFrame(
        {
            "model_version": MODEL_VERSION,
            "feature_name": ["recency_days", "order_count", "net_revenue"],
            "feature_position": [0, 1, 2],
            "pc1_loading": [-0.52, 0.58, 0.62],
            "pc2_loading": [0.80, 0.55, -0.24],
        }
    )


def transforms() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "model_version": MODEL_VERSION,
            "feature_name": ["recency_days", "order_count", "net_revenue"],
            "feature_position": [0, 1, 2],
        }
    )


def country_summary() -> pd.DataFrame:
    """Shaped like the segment_country_summary mart (a subset of its columns)."""
    return pd.DataFrame(
        {
            "segment_country_id": ["1|France", "1|Spain", "2|Spain", "0|France"],
            "segment_id": [1, 1, 2, 0],
            "segment_name": ["Premium Loyalists", "Premium Loyalists", "Infrequent Buyers", "x"],
            "country": ["France", "Spain", "Spain", "France"],
            "customer_count": [2, 1, 1, 1],
            "net_revenue": [2200.0, 1400.0, 80.0, 20.0],
        }
    )


def write_warehouse(path: Path, with_country_mart: bool = False) -> Path:
    """A DuckDB file laid out like the dbt build (schemas main and segmentation)."""
    tables = {
        "main.customer_features": customer_features(),
        "main.customer_segment_scores": segment_scores(),
        "segmentation.segment_definitions": segment_definitions(),
        "segmentation.segment_k_selection": k_selection(),
        "segmentation.segment_validation": validation(),
        "segmentation.segment_pca_projection": pca_projection(),
        "segmentation.segment_pca_loadings": pca_loadings(),
        "segmentation.segment_transforms": transforms(),
    }
    if with_country_mart:
        tables["main.segment_country_summary"] = country_summary()
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema if not exists segmentation")
        for name, frame in tables.items():
            connection.register("frame", frame)
            connection.execute(f"create table {name} as select * from frame")
            connection.unregister("frame")
    return path


@pytest.fixture
def warehouse_path(tmp_path: Path) -> Path:
    return write_warehouse(tmp_path / "tiny.duckdb", with_country_mart=True)


def test_derives_customers_and_profiles_without_the_marts(warehouse_path):
    with DuckDBWarehouse(warehouse_path) as warehouse:
        data = load_report_data(warehouse)
    customers = data.customers.set_index("customer_id")
    assert customers.loc["C08", "segment_id"] == 0
    assert customers.loc["C08", "segment_name"] == "Inactive customers"
    assert customers.loc["C01", "segment_name"] == "Premium Loyalists"
    assert data.profiles["segment_id"].tolist() == [0, 1, 2]
    assert data.profiles["customer_count"].tolist() == [2, 4, 3]
    assert data.profiles["customer_share"].sum() == pytest.approx(1.0)
    assert data.profiles["revenue_share"].sum() == pytest.approx(1.0)
    assert data.model_features == ["recency_days", "order_count", "net_revenue"]
    assert data.kpis == {
        "customers": 9,
        "active_customers": 7,
        "segments": 2,
        "net_revenue": pytest.approx(5030.0),
        "as_of_date": AS_OF.date(),
        "model_version": MODEL_VERSION,
    }
    assert data.used_marts == ["segment_country_summary"]
    assert set(data.summaries) == {"country"}
    assert data.k_selection["k"].tolist() == [2, 3, 4]
    assert data.validation["silhouette"] == pytest.approx(0.6)


def test_the_seeds_are_read_from_the_warehouse_reference_schema(tmp_path):
    """segment_reserved and segment_features as dbt seeded them win over the seed files."""
    path = write_warehouse(tmp_path / "seeded.duckdb")
    registry_table = registry.feature_registry()
    # The warehouse's registry reports return_rate only (the file also has
    # average_order_value, which the data holds too).
    registry_table["is_reported"] = registry_table["feature_name"] == "return_rate"
    reserved = pd.DataFrame(
        {
            "segment_id": [0],
            "segment_name": ["Sleeping"],
            "description": ["Not bought lately"],
            "recommended_campaign": ["Wake them up"],
        }
    )
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema reference")
        for name, frame in (("segment_reserved", reserved), ("segment_features", registry_table)):
            connection.register("frame", frame)
            connection.execute(f"create table reference.{name} as select * from frame")
            connection.unregister("frame")
    with DuckDBWarehouse(path) as warehouse:
        data = load_report_data(warehouse)
    assert data.customers.set_index("customer_id").loc["C08", "segment_name"] == "Sleeping"
    inactive = data.profiles.set_index("segment_id").loc[0]
    assert inactive["description"] == "Not bought lately"
    assert inactive["recommended_campaign"] == "Wake them up"
    assert data.inactive["segment_name"] == "Sleeping"
    # The model's features first, then the reported ones present in the data.
    assert data.features == ["recency_days", "order_count", "net_revenue", "return_rate"]


def test_the_warehouse_is_opened_read_only(warehouse_path):
    with (
        DuckDBWarehouse(warehouse_path) as warehouse,
        pytest.raises(duckdb.Error, match="read-only"),
    ):
        warehouse.connection.execute("create table main.x as select 1 as y")


def test_a_missing_database_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="dbt build"):
        DuckDBWarehouse(tmp_path / "nothing.duckdb")


def test_default_database_follows_dbt_duckdb_path(monkeypatch):
    monkeypatch.delenv("DBT_DUCKDB_PATH", raising=False)
    assert default_database() == Path("segments.duckdb")
    monkeypatch.setenv("DBT_DUCKDB_PATH", "/data/x.duckdb")
    assert default_database() == Path("/data/x.duckdb")


def test_parquet_folder_uses_the_marts(tmp_path):
    folder = tmp_path / "marts"
    folder.mkdir()
    features = customer_features()
    segments = features[["customer_id", "is_active"]].assign(
        model_version=MODEL_VERSION,
        segment_id=[1, 1, 1, 1, 2, 2, 2, 0, 0],
        segment_name=["Premium Loyalists"] * 4 + ["Infrequent Buyers"] * 3 + ["Inactive"] * 2,
    )
    profiles = pd.DataFrame(
        {
            "segment_id": [0, 1, 2],
            "model_version": MODEL_VERSION,
            "segment_name": ["Inactive customers", "Premium Loyalists", "Infrequent Buyers"],
            "customer_count": [2, 4, 3],
            "customer_share": [2 / 9, 4 / 9, 3 / 9],
            "net_revenue": [50.0, 4800.0, 180.0],
            "revenue_share": [50 / 5030, 4800 / 5030, 180 / 5030],
            "as_of_date": AS_OF,
        }
    )
    segments.to_parquet(folder / "customer_segments.parquet")
    profiles.to_parquet(folder / "segment_profiles.parquet")
    country_summary().to_parquet(folder / "segment_country_summary.parquet")

    with open_warehouse(parquet_dir=folder) as warehouse:
        data = load_report_data(warehouse)
    assert data.used_marts == ["customer_segments", "segment_profiles", "segment_country_summary"]
    assert data.kpis["net_revenue"] == pytest.approx(5030.0)
    assert data.kpis["model_version"] == MODEL_VERSION
    assert data.profiles["segment_name"].tolist() == profiles["segment_name"].tolist()
    # No customer-level features in the folder: no heatmap, no traits, no diagnostics.
    assert data.zscores.empty
    assert data.k_selection is None


def test_an_empty_parquet_folder_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"\.parquet"):
        ParquetWarehouse(tmp_path)


def test_parquet_folders_written_by_spark_are_read_as_tables(tmp_path):
    """Spark writes a mart as a folder of part files (plus _SUCCESS): read like a file."""
    spark_mart = tmp_path / "customer_segments"
    spark_mart.mkdir()
    frame = pd.DataFrame({"customer_id": ["c1", "c2", "c3"], "segment_id": [1, 2, 1]})
    frame.iloc[:2].to_parquet(spark_mart / "part-00000.snappy.parquet")
    frame.iloc[2:].to_parquet(spark_mart / "part-00001.snappy.parquet")
    (spark_mart / "_SUCCESS").write_text("")
    pd.DataFrame({"segment_id": [1, 2]}).to_parquet(tmp_path / "segment_profiles.parquet")

    warehouse = ParquetWarehouse(tmp_path)
    assert warehouse.tables() == {"customer_segments", "segment_profiles"}
    read = warehouse.read("customer_segments").sort_values("customer_id")
    assert read["customer_id"].tolist() == ["c1", "c2", "c3"]
    assert read["segment_id"].tolist() == [1, 2, 1]
