"""The published set under faults, and two shops side by side.

A `dbt build` killed (SIGKILL) half-way through the marts leaves the serving copy and the
Parquet files of the last good build, whole: one build id in every table and file. The next
build cleans what was left (a __dbt_tmp table, an unfinished publish folder) and publishes
whole. (Kills at every step inside the publish itself: tests/unit/test_publish.py.) Two shops
built into two files in one folder keep separate outputs, reports included."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from .dbt_project_runner import PROJECT_DIR, dbt_subprocess_command

pytestmark = pytest.mark.integration

NO_TESTS = ["--exclude", "resource_type:test", "resource_type:unit_test"]
#: A line dbt prints once customer_segment_scores is rebuilt, before customer_segments.
MID_MARTS = "OK created sql table model main.customer_segment_scores"


def dbt_command(database: Path, args: list[str], vars: dict | None = None) -> list[str]:
    return dbt_subprocess_command(database, args, vars)


def environment(database: Path) -> dict[str, str]:
    return {**os.environ, "DBT_DUCKDB_PATH": str(database), "DO_NOT_TRACK": "1"}


def build(database: Path, vars: dict | None = None) -> None:
    """A whole `dbt build` (data tests left out, they run elsewhere) in its own process."""
    result = subprocess.run(
        dbt_command(database, ["build", *NO_TESTS], vars),
        env=environment(database),
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def build_killed_at(database: Path, line: str, vars: dict | None = None) -> list[str]:
    """Start a build and SIGKILL it as soon as it prints `line`; the lines it printed."""
    process = subprocess.Popen(
        dbt_command(database, ["build", *NO_TESTS], vars),
        env=environment(database),
        cwd=PROJECT_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    printed = []
    for output in process.stdout:
        printed.append(output)
        if line in output:
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=120)
    assert process.returncode == -signal.SIGKILL, "".join(printed[-40:])
    return printed


def root_of(database: Path) -> Path:
    return database.parent / "output" / database.stem


def build_ids_everywhere(root: Path) -> set[str]:
    """Every build id a reader of root/current can see: the folder, build.json, each table
    of the serving copy, each Parquet file (rows and footer)."""
    current = root / "current"
    seen = {current.resolve().name, json.loads((current / "build.json").read_text())["build_id"]}
    with duckdb.connect(str(current / "serving.duckdb"), read_only=True) as connection:
        for (table,) in connection.sql("select table_name from duckdb_tables()").fetchall():
            rows = connection.sql(f"select distinct build_id from {table}").fetchall()
            seen |= {build_id for (build_id,) in rows}
    for parquet in (current / "marts").glob("*.parquet"):
        seen |= set(pq.read_table(parquet, columns=["build_id"]).column(0).to_pylist())
        seen.add(pq.read_metadata(parquet).metadata[b"build_id"].decode())
    return seen


def served_counts(root: Path) -> dict[str, int]:
    with duckdb.connect(str(root / "current" / "serving.duckdb"), read_only=True) as connection:
        return dict(connection.sql("select table_name, row_count from build_manifest").fetchall())


@pytest.fixture(scope="module")
def shops(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """shop_one: a good build as of 2025-11-01, then a build killed half-way through the marts,
    then a good build. shop_two, in the same folder: one build with k forced to 4."""
    folder = tmp_path_factory.mktemp("shops")
    one, two = folder / "shop_one.duckdb", folder / "shop_two.duckdb"
    state: dict = {"one": one, "two": two}
    build(one, {"as_of_date": "2025-11-01"})
    state["first_build"] = (root_of(one) / "current").resolve().name
    state["first_counts"] = served_counts(root_of(one))
    state["killed_output"] = build_killed_at(one, MID_MARTS)
    state["after_kill"] = {
        "build_ids": build_ids_everywhere(root_of(one)),
        "counts": served_counts(root_of(one)),
    }
    # Leftovers of an interrupted build, for the next build to clean.
    with duckdb.connect(str(one)) as connection:
        connection.execute("create table main.customer_segments__dbt_tmp as select 1 as x")
    (root_of(one) / "builds" / "20250101T000000Z-0000dead.tmp" / "marts").mkdir(parents=True)
    build(one)
    build(two, {"segment_k": 4})
    return state


def test_a_killed_build_leaves_the_last_good_set_whole(shops):
    assert any(MID_MARTS in line for line in shops["killed_output"])
    assert shops["after_kill"]["build_ids"] == {shops["first_build"]}
    assert shops["after_kill"]["counts"] == shops["first_counts"]


def test_the_next_build_cleans_leftovers_and_publishes_whole(shops):
    one = shops["one"]
    root = root_of(one)
    current = (root / "current").resolve().name
    assert current != shops["first_build"]
    assert build_ids_everywhere(root) == {current}
    # The current build and the previous one are kept; the unfinished publish is gone.
    assert sorted(path.name for path in (root / "builds").iterdir()) == sorted(
        [shops["first_build"], current]
    )
    with duckdb.connect(str(one), read_only=True) as connection:
        leftovers = connection.sql(
            "select table_name from information_schema.tables"
            " where table_name like '%dbt_tmp' or table_name like '%dbt_backup'"
        ).fetchall()
    assert leftovers == []


def test_two_shops_keep_separate_outputs(shops):
    one, two = root_of(shops["one"]), root_of(shops["two"])
    assert one.parent == two.parent and one != two
    manifests = [json.loads((root / "current" / "build.json").read_text()) for root in (one, two)]
    assert [m["shop"] for m in manifests] == ["shop_one", "shop_two"]
    assert manifests[0]["build_id"] != manifests[1]["build_id"]
    segments = []
    for root in (one, two):
        path = root / "current" / "marts" / "segment_profiles.parquet"
        assert pq.read_metadata(path).metadata[b"shop"].decode() == root.name
        with duckdb.connect() as connection:
            segments.append(
                connection.sql(
                    f"select count(*) from read_parquet('{path}') where segment_id > 0"
                ).fetchone()[0]
            )
    assert segments == [5, 4]


def test_two_shops_get_their_own_reports(shops):
    for database in (shops["one"], shops["two"]):
        result = subprocess.run(
            [sys.executable, "-m", "segments.cli", "export", "--database", str(database)],
            cwd=database.parent,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        workbook = root_of(database) / "report" / "segments.xlsx"
        assert f"Workbook: {workbook}" in result.stdout
        assert workbook.exists()
