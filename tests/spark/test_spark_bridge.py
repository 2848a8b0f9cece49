"""What dbt-databricks hands a Python model: pyspark DataFrames. Through the bridge they become
the same pandas frames DuckDB gives (DECIMAL as float64, as DuckDB's .df() does), and the
build_* functions fit the same model from them."""

from __future__ import annotations

import pandas as pd
import pytest

pytest.importorskip("pyspark")

from segments.dbt_bridge import to_pandas
from segments.model.build import (
    build_centroids,
    build_k_selection,
    build_transforms,
)
from segments.model.config import SegmentationConfig

from ..unit.synthetic import persona_customers

CONFIG = SegmentationConfig(n_boot=0, n_init=2, k_max=5, as_of_date="2011-12-09")
#: Money and ratios arrive as DECIMAL from the warehouse on Spark unless cast.
DECIMAL_COLUMNS = ("net_revenue",)


@pytest.fixture(scope="module")
def customers() -> pd.DataFrame:
    frame = persona_customers(300, random_state=5, noise=0.3).drop(columns="persona")
    frame["net_revenue"] = frame["net_revenue"].round(6)
    return frame


@pytest.fixture(scope="module")
def spark_customers(spark, customers):
    """The customers as a Spark DataFrame, money as decimal(38,6) as a Spark SUM gives it."""
    frame = spark.createDataFrame(customers)
    for column in DECIMAL_COLUMNS:
        frame = frame.withColumn(column, frame[column].cast("decimal(38,6)"))
    return frame


def test_to_pandas_reads_a_spark_dataframe_like_duckdb(spark_customers, customers):
    assert dict(spark_customers.dtypes)["net_revenue"] == "decimal(38,6)"
    frame = to_pandas(spark_customers)
    assert isinstance(frame, pd.DataFrame)
    assert frame["net_revenue"].dtype == "float64"
    pd.testing.assert_frame_equal(
        frame.sort_values("customer_id").reset_index(drop=True),
        customers.sort_values("customer_id").reset_index(drop=True),
        check_dtype=False,
    )


def test_build_functions_fit_the_same_model_from_spark(spark_customers, customers):
    from_spark = to_pandas(spark_customers)
    transforms = build_transforms(from_spark, CONFIG)
    pd.testing.assert_frame_equal(transforms, build_transforms(customers, CONFIG))
    k_selection = build_k_selection(from_spark, transforms, CONFIG)
    pd.testing.assert_frame_equal(k_selection, build_k_selection(customers, transforms, CONFIG))
    centroids = build_centroids(from_spark, transforms, k_selection, CONFIG)
    expected = build_centroids(customers, transforms, k_selection, CONFIG)
    pd.testing.assert_frame_equal(centroids, expected)
    chosen_k = int(k_selection.loc[k_selection["is_chosen"], "k"].iloc[0])
    assert centroids["segment_id"].nunique() == chosen_k >= 2
