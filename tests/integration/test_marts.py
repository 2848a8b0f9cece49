"""The BI and CRM marts: contracts, shares and revenue that add up, every customer in exactly
one segment, history across two builds with different as_of_dates, and Parquet exports that
another process reads while `dbt build` holds the DuckDB file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from .dbt_project_runner import PROJECT_DIR, query, scalar

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
)
EXPORTED_MARTS = (*CONTRACTED_MARTS, "segment_monthly_revenue_wide")
FIRST_AS_OF = date(2025, 11, 1)
READER = Path(__file__).with_name("parquet_reader.py")
REVENUE_TOLERANCE = 0.01


@pytest.fixture(
    scope="module",
    params=["sample_db", pytest.param("online_retail_db", marks=pytest.mark.real_data)],
)
def built_db(request: pytest.FixtureRequest) -> Path:
    """The cheap checks run on the bundled sample and on the full UCI Online Retail file."""
    return request.getfixturevalue(request.param)


def export_dir(database: Path) -> Path:
    """Default var export_path (output/marts), taken from the database file's folder."""
    return database.parent / "output" / "marts"


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


# --- profiles and pivots add up (sample and UCI) ---------------------------------------


def test_profile_shares_sum_to_one(built_db):
    customers, revenue, segments = query(
        built_db,
        "select sum(customer_share), sum(revenue_share), count(*) from segment_profiles",
    )[0]
    assert customers == pytest.approx(1.0, abs=1e-9)
    assert revenue == pytest.approx(1.0, abs=1e-9)
    k = scalar(built_db, "select count(*) from segmentation.segment_definitions")
    assert segments == k + 1  # the segments plus segment 0, the inactive customers


def test_revenue_reconciles_across_marts(built_db):
    lines = scalar(built_db, "select sum(net_amount) from intermediate.int_order_lines_in_window")
    for sql in (
        "select sum(net_revenue) from customer_features",
        "select sum(net_revenue) from segment_profiles",
        "select sum(net_revenue) from segment_country_summary",
        "select sum(net_revenue) from segment_monthly_summary",
        "select sum(net_revenue_total) from segment_monthly_revenue_wide",
    ):
        assert float(scalar(built_db, sql)) == pytest.approx(float(lines), abs=REVENUE_TOLERANCE), (
            sql
        )


def test_profile_counts_and_inactive_segment(built_db):
    rows = query(
        built_db,
        """
        select
            profiles.segment_id,
            profiles.customer_count,
            count(customer_segments.customer_id)
        from segment_profiles as profiles
        left join customer_segments on profiles.segment_id = customer_segments.segment_id
        group by all
        """,
    )
    assert all(customers == counted for _, customers, counted in rows)
    inactive = scalar(built_db, "select count(*) from customer_features where not is_active")
    assert dict((sid, n) for sid, n, _ in rows)[0] == inactive
    name, campaign = query(
        built_db,
        "select segment_name, recommended_campaign from segment_profiles where segment_id = 0",
    )[0]
    assert name == "Inactive customers" and "suppress" in campaign


def test_pivot_shares_sum_to_one(built_db):
    for sql in (
        "select segment_id, sum(segment_customer_share) from segment_country_summary group by 1",
        "select country, sum(country_customer_share) from segment_country_summary group by 1",
        "select segment_id, sum(segment_spend_share) from segment_category_summary group by 1",
        "select month_start_date, sum(month_revenue_share) from segment_monthly_summary"
        " group by 1 having sum(net_revenue) <> 0",
    ):
        for key, total in query(built_db, sql):
            assert total == pytest.approx(1.0, abs=1e-9), (sql, key)


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


# --- membership (sample and UCI) -------------------------------------------------------


def test_every_customer_in_customer_segments(built_db):
    missing, extra = query(
        built_db,
        """
        select
            (select count(*) from customer_features
             where customer_id not in (select customer_id from customer_segments)),
            (select count(*) from customer_segments
             where customer_id not in (select customer_id from customer_features))
        """,
    )[0]
    assert (missing, extra) == (0, 0)
    assert scalar(built_db, "select count(*) from customer_segments") == scalar(
        built_db, "select count(distinct customer_id) from customer_segments"
    )


def test_every_active_customer_in_exactly_one_segment(built_db):
    active = scalar(built_db, "select count(*) from customer_features where is_active")
    assert scalar(built_db, "select count(distinct customer_id) from customer_segment_scores") == (
        active
    )
    assert scalar(built_db, "select count(*) from customer_segment_scores") == active
    mismatched = scalar(
        built_db,
        """
        select count(*)
        from customer_features
        left join customer_segment_scores using (customer_id)
        left join customer_segments using (customer_id)
        where
            customer_features.is_active <> customer_segments.is_active
            or customer_segments.segment_id
                <> coalesce(customer_segment_scores.segment_id, 0)
            or (customer_features.is_active) <> (customer_segments.segment_id > 0)
        """,
    )
    assert mismatched == 0


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
    assert set(exports) == set(EXPORTED_MARTS)
    for mart in EXPORTED_MARTS:
        path = export_dir(built_db) / f"{mart}.parquet"
        parquet_rows = scalar(built_db, f"select count(*) from read_parquet('{path}')")
        assert parquet_rows == exports[mart] == scalar(built_db, f"select count(*) from {mart}")
    assert not list(export_dir(built_db).glob(".*.tmp")), "temporary export files left behind"


# --- two builds into one database: history, and readers during the second build ---------


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Build as of 2025-11-01, then with the default as_of_date into the same database while
    a separate reader process polls the Parquet exports. Both builds run in their own process:
    in-process dbt-duckdb keeps the database open, which would lock the second one out."""
    database = tmp_path_factory.mktemp("history") / "history.duckdb"
    # The first build only lays down history; the second one runs every test.
    _dbt_subprocess(
        ["build", "--exclude", "resource_type:test", "resource_type:unit_test"],
        database,
        vars={"as_of_date": FIRST_AS_OF.isoformat()},
    )
    first = {
        "segments": dict(query(database, "select customer_id, segment_id from customer_segments")),
        "names": dict(query(database, "select customer_id, segment_name from customer_segments")),
        "exports": dict(query(database, "select mart_name, row_count from public_mart_exports")),
    }
    stop_file = database.parent / "stop_reader"
    reader = subprocess.Popen(
        [sys.executable, str(READER), str(export_dir(database)), str(database), str(stop_file)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        build_started = time.time()
        _dbt_subprocess(["build"], database)
        build_finished = time.time()
    finally:
        stop_file.touch()
        reader_out, reader_err = reader.communicate(timeout=60)
    assert reader.returncode == 0, reader_err
    return {
        "database": database,
        "first": first,
        "reader": json.loads(reader_out),
        "build_window": (build_started, build_finished),
    }


def _dbt_subprocess(args: list[str], database: Path, vars: dict | None = None) -> None:
    """`dbt <args>` in a new process, with the same flags as run_dbt; fail with its log."""
    command = [
        sys.executable,
        "-c",
        "from dbt.cli.main import cli; cli()",
        *args,
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(PROJECT_DIR),
        "--target",
        "ci",
        "--target-path",
        str(database.parent / f"target_{database.stem}"),
        "--log-path",
        str(database.parent / "logs"),
    ]
    if vars:
        command += ["--vars", json.dumps(vars)]
    build = subprocess.run(
        command,
        env={**os.environ, "DBT_DUCKDB_PATH": str(database), "DO_NOT_TRACK": "1"},
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert build.returncode == 0, build.stdout[-4000:] + build.stderr[-2000:]


def test_changed_customers_get_one_change_row(two_builds):
    database, first = two_builds["database"], two_builds["first"]["segments"]
    second_as_of = scalar(database, "select as_of_date from intermediate.int_analysis_window")
    assert second_as_of > FIRST_AS_OF
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
        assert current[customer_id][1] == FIRST_AS_OF, customer_id
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
    assert {first_rows[c] for c in first["segments"]} == {FIRST_AS_OF}
    # The cursor moves for a row whose synced columns changed, and only for those.
    for customer_id, segment_id, name, updated_at in query(
        database, "select customer_id, segment_id, segment_name, updated_at from customer_segments"
    ):
        unchanged = (
            first["segments"].get(customer_id) == segment_id
            and first["names"].get(customer_id) == name
        )
        assert (updated_at.date() == FIRST_AS_OF) == unchanged, customer_id


def test_history_rerun_is_deterministic(two_builds):
    """Rebuilding the history for the same as_of_date replaces that date's rows: the table is
    unchanged, and it holds exactly one row per customer of each build's date."""
    database = two_builds["database"]
    history = "scoring.customer_segment_membership_history"
    before = query(database, f"select * from {history} order by all")
    _dbt_subprocess(["run", "--select", "customer_segment_membership_history"], database)
    after = query(database, f"select * from {history} order by all")
    assert after == before
    second_as_of = scalar(database, "select max(as_of_date) from customer_features")
    per_date = dict(query(database, f"select as_of_date, count(*) from {history} group by 1"))
    assert set(per_date) == {FIRST_AS_OF, second_as_of}
    assert per_date[second_as_of] == scalar(database, "select count(*) from customer_segments")


def test_parquet_readable_while_dbt_builds(two_builds):
    reader, (started, finished) = two_builds["reader"], two_builds["build_window"]
    database, first = two_builds["database"], two_builds["first"]["exports"]
    assert not reader["errors"], reader["errors"][:5]
    assert sorted(reader["files"]) == sorted(f"{mart}.parquet" for mart in EXPORTED_MARTS)
    second = dict(query(database, "select mart_name, row_count from public_mart_exports"))
    during = [read for read in reader["reads"] if started < read["at"] < finished]
    for mart in EXPORTED_MARTS:
        counts = {read["rows"] for read in during if read["mart"] == mart}
        assert len([read for read in during if read["mart"] == mart]) >= 10, mart
        # Every read saw a whole file: the previous build's or this build's.
        assert counts <= {first[mart], second[mart]}, (mart, counts)
    # While the files were being replaced, the database itself was locked by dbt.
    assert any(probe["locked"] for probe in reader["lock_probes"]), reader["lock_probes"]
