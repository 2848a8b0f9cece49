"""Bad input gets a clear message naming the file, column or var, never a bare stack trace."""

from __future__ import annotations

import gzip

import duckdb
import pandas as pd
import pytest

from segments.model import SegmentationConfig, build_training_assignments

from .dbt_project_runner import PROJECT_DIR, failure_text, invoke_dbt, query, run_dbt, scalar

pytestmark = pytest.mark.integration

SAMPLE_LINES = PROJECT_DIR / "seeds" / "sample" / "order_lines.csv.gz"


def sample_lines() -> pd.DataFrame:
    with gzip.open(SAMPLE_LINES, "rt") as handle:
        return pd.read_csv(handle, dtype=str, keep_default_na=False)


def test_missing_required_column_names_the_file_and_column(tmp_path):
    lines = sample_lines().drop(columns=["unit_price"]).head(200)
    path = tmp_path / "no_price.csv"
    lines.to_csv(path, index=False)
    result = invoke_dbt(["build"], tmp_path / "db.duckdb", vars={"transactions_path": str(path)})
    assert not result.success
    message = failure_text(result)
    assert "missing required column(s): unit_price" in message
    assert str(path) in message


def test_missing_input_file_is_named(tmp_path):
    path = tmp_path / "nowhere" / "*.parquet"
    result = invoke_dbt(["build"], tmp_path / "db.duckdb", vars={"transactions_path": str(path)})
    assert not result.success
    assert "Input file not found for order_lines" in failure_text(result)
    assert str(path) in failure_text(result)


def test_unknown_input_format_is_named(tmp_path):
    result = invoke_dbt(["build"], tmp_path / "db.duckdb", vars={"input_format": "sap"})
    assert not result.success
    assert "Invalid var input_format: got 'sap', expected one of canonical, online_retail" in (
        failure_text(result)
    )


def test_fewer_customers_than_k_is_a_clear_error(tmp_path):
    lines = sample_lines()
    few = lines[lines["customer_id"].isin(["C00001", "C00002", "C00003"])]
    path = tmp_path / "three_customers.csv"
    few.to_csv(path, index=False)
    result = invoke_dbt(["build"], tmp_path / "db.duckdb", vars={"transactions_path": str(path)})
    assert not result.success
    message = failure_text(result)
    assert "SegmentationInputError: Only 3 eligible customers" in message
    assert "segment_min_chosen_k" in message
    # The error is raised by the project, not from inside scikit-learn.
    assert "sklearn" not in message


def test_empty_build_gives_empty_typed_tables(tmp_path):
    database = tmp_path / "empty.duckdb"
    run_dbt(["build", "--empty"], database)
    assert scalar(database, "select count(*) from customer_segment_scores") == 0
    assert scalar(database, "select count(*) from segmentation.segment_k_selection") == 0
    columns = {
        c for (c,) in query(database, "select column_name from (describe customer_features)")
    }
    assert {"customer_id", "recency_days", "is_active"} <= columns


def test_rejected_rows_of_the_sample_have_reasons(sample_db):
    """The generator planted known dirty rows; each lands in rejected_transactions."""
    from segments.sample import generate_sample

    planted = generate_sample().dirty_counts
    rejected = dict(
        query(
            sample_db,
            "select rejection_reason, sum(source_line_count) from rejected_transactions group by 1",
        )
    )
    assert rejected == {
        "missing_customer_id": planted["empty_customer_id"],
        "unparseable_ordered_at": planted["unparseable_ordered_at"],
        "zero_quantity": planted["zero_quantity"],
        "zero_price_sale": planted["zero_unit_price"],
        "negative_unit_price": planted["negative_unit_price"],
    }
    duplicates = scalar(
        sample_db,
        "select line_count from order_line_reconciliation where outcome = 'duplicate'",
    )
    assert duplicates == planted["exact_duplicate"]


def test_gaussian_mixture_scores_in_sql_with_probabilities(tmp_path):
    database = tmp_path / "gmm.duckdb"
    run_dbt(["build"], database, vars={"segment_algorithm": "gmm", "segment_k": 5})
    low, high, nulls = query(
        database,
        "select min(membership_probability), max(membership_probability),"
        " count(*) filter (where membership_probability is null) from customer_segment_scores",
    )[0]
    assert nulls == 0 and 0.2 <= low <= high <= 1.0
    assert scalar(database, "select count(distinct segment_id) from customer_segment_scores") == 5
    # SQL scores the mixture exactly as the library does (diagonal Gaussian posterior).
    with duckdb.connect(str(database)) as connection:
        training = connection.sql(
            "select * from intermediate.int_segment_training_sample order by customer_id"
        ).df()
        transforms = connection.sql("select * from segmentation.segment_transforms").df()
        centroids = connection.sql(
            "select model_version, segment_id, feature_name, centroid_value, variance, weight"
            " from scoring.segment_model_current"
        ).df()
        sql_side = connection.sql(
            "select customer_id, segment_id from customer_segment_scores"
        ).df()
    python_side = build_training_assignments(
        training, transforms, centroids, SegmentationConfig(algorithm="gmm")
    )
    joined = python_side.merge(sql_side, on="customer_id", suffixes=("_python", "_sql"))
    assert len(joined) == len(training)
    assert (joined["segment_id_python"] == joined["segment_id_sql"]).mean() > 0.999


def test_visits_spelled_differently_or_unparseable_collapse_and_are_counted(tmp_path):
    """Visits are deduplicated after typing: padding and timestamp spellings of one session
    are one row, and a customer's unparseable timestamps are one invalid row. The
    (customer_id, visited_at) key test passes (the build would fail otherwise)."""
    visits = tmp_path / "visits.csv"
    visits.write_text(
        "customer_id,visited_at\n"
        "C00001,2024-01-05 10:00:00\n"
        "C00001,2024-01-05 10:00:00\n"
        '" C00001 ",2024-01-05 10:00:00\n'
        "C00001,2024-01-05T10:00:00\n"
        "C00001,not a date\n"
        "C00001,31/02/2024\n"
        ",2024-01-06 09:00:00\n"
        "C00002,2024-01-07 08:00:00\n"
    )
    database = tmp_path / "db.duckdb"
    run_dbt(["build", "--select", "stg_shop__visits"], database, vars={"visits_path": str(visits)})
    rows = query(
        database,
        "select customer_id, cast(visited_at as varchar), is_valid "
        "from staging.stg_shop__visits order by all",
    )
    assert rows == [
        ("C00001", "2024-01-05 10:00:00", True),
        ("C00001", None, False),
        ("C00002", "2024-01-07 08:00:00", True),
        (None, "2024-01-06 09:00:00", False),
    ]
