"""The BI and CRM marts end to end: contracts, the dynamic pivot, history across two builds with
different as_of_dates, and Parquet exports that another process reads while `dbt build` holds
the DuckDB file. The data invariants (shares sum to 1, revenue reconciles, every customer in
exactly one segment, history matches the current table) are dbt singular tests in tests/dbt/,
run by every `dbt build`; here we prove they fail on tampered data."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from .dbt_project_runner import (
    EARLIER_AS_OF,
    execute,
    export_dir,
    invoke_dbt,
    output_root,
    query,
    run_dbt_subprocess,
    scalar,
)

pytestmark = pytest.mark.integration

#: Public marts with an enforced contract (the wide pivot's columns follow the data).
CONTRACTED_MARTS = (
    "customer_segments",
    "customer_segment_changes",
    "customer_segment_scores",
    "segment_profiles",
    "segment_country_summary",
    "segment_category_summary",
    "segment_monthly_summary",
    "customer_rfm_cells",
    "segment_backtest",
)
EXPORTED_MARTS = (*CONTRACTED_MARTS, "segment_monthly_revenue_wide")
#: What the serving copy holds besides the public marts: what the report reads.
PUBLISHED_TABLES = (
    *EXPORTED_MARTS,
    "customer_features",
    "order_line_reconciliation",
    "segment_definitions",
    "segment_k_selection",
    "segment_validation",
    "segment_pca_projection",
    "segment_pca_loadings",
    "segment_transforms",
    "segment_model_current",
    "segment_reserved",
    "segment_features",
    "segment_feature_status",
)


@pytest.fixture(
    scope="module",
    params=["sample_db", pytest.param("online_retail_db", marks=pytest.mark.real_data)],
)
def built_db(request: pytest.FixtureRequest) -> Path:
    """The cheap checks run on the bundled sample and on the full UCI Online Retail file."""
    return request.getfixturevalue(request.param)


# --- contracts -------------------------------------------------------------------------


def test_public_marts_have_enforced_contracts(sample_db):
    manifest_path = sample_db.parent / f"target_{sample_db.stem}" / "manifest.json"
    nodes = json.loads(manifest_path.read_text())["nodes"]
    models = {node["name"]: node for node in nodes.values() if node["resource_type"] == "model"}
    for name in CONTRACTED_MARTS:
        node = models[name]
        assert node["config"]["contract"]["enforced"], name
        assert node["access"] == "public", name
        undocumented = [c for c, spec in node["columns"].items() if not spec.get("data_type")]
        assert not undocumented, (name, undocumented)
    assert models["segment_monthly_revenue_wide"]["access"] == "public"


def test_contracted_columns_match_the_tables(sample_db):
    """The built tables have exactly the contract's columns, in order."""
    manifest_path = sample_db.parent / f"target_{sample_db.stem}" / "manifest.json"
    nodes = json.loads(manifest_path.read_text())["nodes"]
    for name in CONTRACTED_MARTS:
        node = nodes[f"model.customer_segments.{name}"]
        columns = [c for (c,) in query(sample_db, f"select column_name from (describe {name})")]
        assert columns == list(node["columns"]), name


# --- the invariant tests can fail ---------------------------------------------------------

#: Singular dbt test -> a statement that breaks its invariant in one place (one failing row).
TAMPERING = {
    "assert_profile_shares_sum_to_one": (
        "update segment_profiles set customer_share = customer_share + 0.01 where segment_id = 0"
    ),
    "assert_mart_revenue_reconciles": (
        "update segment_monthly_summary set net_revenue = net_revenue + 1"
        " where month_start_date = (select max(month_start_date) from segment_monthly_summary)"
    ),
    "assert_active_customers_in_exactly_one_segment": (
        "delete from customer_segment_scores"
        " where customer_id = (select min(customer_id) from customer_segment_scores)"
    ),
}


def test_invariant_tests_fail_on_tampered_data(sample_db, tmp_path):
    """The sample build passed these tests; on a copy with each invariant broken once, `dbt
    test` fails each of them with exactly one offending row."""
    execute(sample_db, "checkpoint")
    # Same file name: views in the copy name their tables by catalog, the file's stem.
    tampered = tmp_path / sample_db.name
    shutil.copyfile(sample_db, tampered)
    with duckdb.connect(str(tampered)) as connection:
        for statement in TAMPERING.values():
            connection.execute(statement)
    result = invoke_dbt(["test", "--select", *TAMPERING], tampered)
    assert result.exception is None, result.exception
    outcomes = {
        r.node.name: (str(r.status), r.failures)
        for r in result.result
        if r.node.resource_type == "test"  # not the on-run-start hook
    }
    assert outcomes == {name: ("fail", 1) for name in TAMPERING}


# --- the pivot and the segment 0 row (sample and UCI) ------------------------------------


def test_inactive_segment_is_named_and_suppressed(built_db):
    name, campaign = query(
        built_db,
        "select segment_name, recommended_campaign from segment_profiles where segment_id = 0",
    )[0]
    assert name == "Inactive customers" and "suppress" in campaign


def test_wide_pivot_has_a_column_per_segment(built_db):
    columns = {
        c
        for (c,) in query(
            built_db, "select column_name from (describe segment_monthly_revenue_wide)"
        )
    }
    segment_ids = {sid for (sid,) in query(built_db, "select segment_id from segment_profiles")}
    assert columns == {
        "month_start_date",
        "net_revenue_total",
        *(f"net_revenue_segment_{sid}" for sid in segment_ids),
    }


# --- history and exports (sample and UCI) --------------------------------------------------


def test_single_build_history(built_db):
    """After one build every customer has one change: the first assignment, as of that date."""
    as_of = scalar(built_db, "select as_of_date from intermediate.int_analysis_window")
    rows = query(
        built_db,
        "select count(*), count(distinct customer_id), bool_and(is_first_assignment),"
        " min(changed_at), max(changed_at) from customer_segment_changes",
    )[0]
    customers = scalar(built_db, "select count(*) from customer_segments")
    assert rows[:3] == (customers, customers, True)
    assert rows[3].date() == rows[4].date() == as_of
    since = query(built_db, "select distinct segment_since, updated_at from customer_segments")
    assert [(s, u.date()) for s, u in since] == [(as_of, as_of)]


def test_exports_match_the_marts(built_db):
    exports = dict(query(built_db, "select mart_name, row_count from public_mart_exports"))
    assert set(exports) == set(PUBLISHED_TABLES)
    build_id = (output_root(built_db) / "current").resolve().name
    serving = output_root(built_db) / "current" / "serving.duckdb"
    for mart in PUBLISHED_TABLES:
        path = export_dir(built_db) / f"{mart}.parquet"
        parquet = query(
            built_db, f"select count(*), count(distinct build_id) from read_parquet('{path}')"
        )
        assert parquet == [(exports[mart], 1 if exports[mart] else 0)], mart
        assert pq.read_metadata(path).metadata[b"build_id"].decode() == build_id, mart
        schema = scalar(
            built_db,
            "select min(table_schema) from information_schema.tables"
            f" where table_name = '{mart}'"
            " and table_schema in ('main', 'segmentation', 'scoring', 'reference')",
        )
        assert scalar(built_db, f"select count(*) from {schema}.{mart}") == exports[mart], mart
    with duckdb.connect(str(serving), read_only=True) as connection:
        served = dict(connection.sql("select table_name, row_count from build_manifest").fetchall())
        assert served == exports
        for mart in PUBLISHED_TABLES:
            ids = connection.sql(f"select distinct build_id from {mart}").fetchall()
            assert ids == ([(build_id,)] if exports[mart] else []), mart
    assert not list(output_root(built_db).rglob("*.tmp")), "temporary files left behind"


# --- two builds into one database (conftest.two_builds): history, readers during the build


def test_changed_customers_get_one_change_row(two_builds):
    database, first = two_builds["database"], two_builds["first"]["segments"]
    second_as_of = scalar(database, "select as_of_date from intermediate.int_analysis_window")
    assert second_as_of > EARLIER_AS_OF
    current = {
        customer_id: (segment_id, since)
        for customer_id, segment_id, since in query(
            database, "select customer_id, segment_id, segment_since from customer_segments"
        )
    }
    moves = {
        customer_id: (from_id, to_id, changed_at.date())
        for customer_id, from_id, to_id, changed_at in query(
            database,
            "select customer_id, from_segment_id, to_segment_id, changed_at"
            " from customer_segment_changes where not is_first_assignment",
        )
    }
    changed = {c for c, old in first.items() if c in current and current[c][0] != old}
    assert changed, "the two as_of_dates should move some customers"
    # Exactly one change row per changed customer (moves is keyed by customer: no duplicates).
    move_count = scalar(
        database, "select count(*) from customer_segment_changes where not is_first_assignment"
    )
    assert move_count == len(moves) == len(changed)
    for customer_id in changed:
        assert moves[customer_id] == (first[customer_id], current[customer_id][0], second_as_of)
        assert current[customer_id][1] == second_as_of
    for customer_id in set(first) - changed:
        assert current[customer_id][1] == EARLIER_AS_OF, customer_id
    for customer_id in set(current) - set(first):  # new since the first build
        assert current[customer_id][1] == second_as_of, customer_id


def test_first_assignments_and_cursor(two_builds):
    database, first = two_builds["database"], two_builds["first"]
    first_rows = dict(
        query(
            database,
            "select customer_id, cast(changed_at as date) from customer_segment_changes"
            " where is_first_assignment",
        )
    )
    customers = scalar(database, "select count(*) from customer_segments")
    assert len(first_rows) == customers  # one first assignment per customer
    assert {first_rows[c] for c in first["segments"]} == {EARLIER_AS_OF}
    # The cursor moves for a row whose synced columns changed, and only for those.
    for customer_id, segment_id, name, returner, updated_at in query(
        database,
        "select customer_id, segment_id, segment_name, is_frequent_returner, updated_at"
        " from customer_segments",
    ):
        unchanged = (
            first["segments"].get(customer_id) == segment_id
            and first["names"].get(customer_id) == name
            and first["returners"].get(customer_id) == returner
        )
        assert (updated_at.date() == EARLIER_AS_OF) == unchanged, customer_id


def test_history_rerun_is_deterministic(two_builds):
    """Rebuilding the history for the same as_of_date replaces that date's rows: the table is
    unchanged, and it holds exactly one row per customer of each build's date."""
    database = two_builds["database"]
    history = "scoring.customer_segment_membership_history"
    before = query(database, f"select * from {history} order by all")
    run_dbt_subprocess(["run", "--select", "customer_segment_membership_history"], database)
    after = query(database, f"select * from {history} order by all")
    assert after == before
    second_as_of = scalar(database, "select max(as_of_date) from customer_features")
    per_date = dict(query(database, f"select as_of_date, count(*) from {history} group by 1"))
    assert set(per_date) == {EARLIER_AS_OF, second_as_of}
    assert per_date[second_as_of] == scalar(database, "select count(*) from customer_segments")


def test_parquet_readable_while_dbt_builds(two_builds):
    reader, (started, finished) = two_builds["reader"], two_builds["build_window"]
    database, first = two_builds["database"], two_builds["first"]["exports"]
    assert not reader["errors"], reader["errors"][:5]
    assert reader["files"] == sorted(f"{table}.parquet" for table in PUBLISHED_TABLES)
    second = dict(query(database, "select mart_name, row_count from public_mart_exports"))
    during = [read for read in reader["reads"] if started < read["at"] < finished]
    for mart in PUBLISHED_TABLES:
        counts = {read["rows"] for read in during if read["mart"] == mart}
        assert len([read for read in during if read["mart"] == mart]) >= 10, mart
        # Every read saw a whole file: the previous build's or this build's.
        assert counts <= {first[mart], second[mart]}, (mart, counts)
    # Every file read belonged to the build `current` pointed at: one build id per read.
    assert all(read["build_ids"] in ([read["build"]], []) for read in reader["reads"])
    assert len({read["build"] for read in reader["reads"]}) == 2
    # While the build was publishing, its own database was locked by dbt.
    assert any(probe["locked"] for probe in reader["lock_probes"]), reader["lock_probes"]


def test_a_reader_holding_the_serving_copy_never_blocks_the_build(two_builds):
    """The reader held the first build's serving.duckdb open for the whole second build: the
    build succeeded (the fixture checks it) and the reader kept its consistent view."""
    reader, database = two_builds["reader"], two_builds["database"]
    first_build = reader["held_start"]["build_id"]
    assert reader["held_end"] == reader["held_start"]
    assert reader["held_start"]["customers"] == len(two_builds["first"]["segments"])
    current = (output_root(database) / "current").resolve().name
    assert current != first_build
    serving = output_root(database) / "current" / "serving.duckdb"
    with duckdb.connect(str(serving), read_only=True) as connection:
        assert connection.sql("select distinct build_id from customer_segments").fetchall() == [
            (current,)
        ]
