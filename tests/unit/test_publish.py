"""Publishing the serving copy: folder per warehouse, one build id everywhere, an atomic swap,
and a process killed at every step of a publish leaves the previous build whole."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from dbt_common.exceptions import DbtRuntimeError

from segments.publish import (
    BUILDS,
    CURRENT,
    MANIFEST_TABLE,
    PublishedTable,
    clean_leftovers,
    current_build_id,
    new_build_id,
    output_root,
    publish,
    serving_database,
    shop_name,
)
from segments.publish.lock_check import check_writable, lock_message

FIRST = "20250101T000000Z-00000001"
SECOND = "20250102T000000Z-00000002"
#: The steps publish() reports, in order, for the two tables of `build_db`.
STEPS = [
    "cleaned",
    "table:customer_segments",
    "table:segment_profiles",
    "serving copy written",
    "build folder complete",
    "swapped",
]


def build_db(path: Path, customers: int) -> Path:
    """A stand-in for the build's warehouse: two tables whose sizes say which build it is."""
    with duckdb.connect(str(path)) as connection:
        connection.execute(
            "create or replace table customer_segments as select cast(range as varchar)"
            f" as customer_id, range % 3 as segment_id from range({customers})"
        )
        connection.execute(
            "create or replace table segment_profiles as select range as segment_id"
            f" from range({customers // 10})"
        )
    return path


def run_publish(database: Path, root: Path, build_id: str, on_step=None) -> list[dict]:
    with duckdb.connect(str(database)) as connection:
        tables = [
            PublishedTable("customer_segments", "customer_segments"),
            PublishedTable("segment_profiles", "segment_profiles"),
        ]
        return publish(connection, tables, root, build_id, "shop", str(database), on_step)


def build_ids_everywhere(root: Path) -> set[str]:
    """Every build id a reader of `root/current` can see: in each table of the serving copy,
    in each Parquet file (column and footer metadata), in build.json and the folder name."""
    current = root / CURRENT
    seen = {current.resolve().name, json.loads((current / "build.json").read_text())["build_id"]}
    with duckdb.connect(str(serving_database(root)), read_only=True) as connection:
        for (table,) in connection.sql("select table_name from duckdb_tables()").fetchall():
            ids = connection.sql(f"select distinct build_id from {table}").fetchall()
            seen |= {build_id for (build_id,) in ids}
    for parquet in (current / "marts").glob("*.parquet"):
        seen |= set(pq.read_table(parquet).column("build_id").to_pylist())
        seen.add(pq.read_metadata(parquet).metadata[b"build_id"].decode())
    return seen


def test_output_root_is_one_folder_per_database_file(tmp_path):
    assert output_root(tmp_path / "shop_a.duckdb") == tmp_path / "output" / "shop_a"
    assert output_root(tmp_path / "shop_b.duckdb") == tmp_path / "output" / "shop_b"
    assert output_root(tmp_path / "a.duckdb", "exports") == tmp_path / "exports"
    assert output_root(tmp_path / "a.duckdb", "/srv/bi") == Path("/srv/bi")
    assert shop_name(tmp_path / "online_retail.duckdb") == "online_retail"


def test_build_id_sorts_by_time():
    first = new_build_id("ABCDEF12-3456", dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC))
    assert first == "20250102T030405Z-abcdef12"
    later = new_build_id("00000000", dt.datetime(2025, 1, 2, 3, 4, 6, tzinfo=dt.UTC))
    assert sorted([later, first]) == [first, later]


def test_publish_writes_one_stamped_set_and_points_current_at_it(tmp_path):
    database = build_db(tmp_path / "shop.duckdb", 30)
    root = tmp_path / "output" / "shop"
    steps: list[str] = []
    rows = run_publish(database, root, FIRST, steps.append)
    assert steps == STEPS
    assert [(row["table_name"], row["row_count"]) for row in rows] == [
        ("customer_segments", 30),
        ("segment_profiles", 3),
    ]
    assert os.readlink(root / CURRENT) == f"{BUILDS}/{FIRST}"
    assert current_build_id(root) == FIRST
    assert build_ids_everywhere(root) == {FIRST}
    manifest = json.loads((root / CURRENT / "build.json").read_text())
    assert manifest["shop"] == "shop"
    assert manifest["tables"] == {"customer_segments": 30, "segment_profiles": 3}
    with duckdb.connect(str(serving_database(root)), read_only=True) as connection:
        assert connection.sql(f"select sum(row_count) from {MANIFEST_TABLE}").fetchone() == (33,)
        # Same rows as the source, in key order, plus the build id.
        assert connection.sql("select customer_id from customer_segments limit 3").fetchall() == [
            ("0",),
            ("1",),
            ("10",),
        ]
    assert not list(root.rglob("*.tmp")) and not list(root.rglob("*.wal"))


def test_second_publish_keeps_current_and_previous_and_cleans_the_rest(tmp_path):
    database = build_db(tmp_path / "shop.duckdb", 30)
    root = tmp_path / "output" / "shop"
    run_publish(database, root, FIRST)
    (root / BUILDS / "20241231T000000Z-deadbeef").mkdir()  # an older build
    (root / BUILDS / f"{SECOND}.tmp").mkdir()  # a killed publish
    run_publish(database, root, SECOND)
    assert sorted(path.name for path in (root / BUILDS).iterdir()) == [FIRST, SECOND]
    assert current_build_id(root) == SECOND
    third = "20250103T000000Z-00000003"
    run_publish(database, root, third)
    assert sorted(path.name for path in (root / BUILDS).iterdir()) == [SECOND, third]


def test_a_reader_keeps_its_build_while_the_next_one_is_published(tmp_path):
    database = build_db(tmp_path / "shop.duckdb", 30)
    root = tmp_path / "output" / "shop"
    run_publish(database, root, FIRST)
    reader = duckdb.connect(str(serving_database(root)), read_only=True)
    try:
        build_db(database, 50)
        run_publish(database, root, SECOND)
        assert reader.sql("select count(*), min(build_id) from customer_segments").fetchone() == (
            30,
            FIRST,
        )
    finally:
        reader.close()
    with duckdb.connect(str(serving_database(root)), read_only=True) as fresh:
        assert fresh.sql("select count(*) from customer_segments").fetchone() == (50,)


def test_invalid_build_id_is_refused(tmp_path):
    database = build_db(tmp_path / "shop.duckdb", 10)
    with pytest.raises(ValueError, match="build id"):
        run_publish(database, tmp_path / "out", "x'; drop table t; --")


KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    sys.path.insert(0, {tests!r})
    from unit.test_publish import run_publish

    def kill_at(step):
        if step == {step!r}:
            os.kill(os.getpid(), signal.SIGKILL)

    run_publish(Path({database!r}), Path({root!r}), {build_id!r}, kill_at)
    """
)


@pytest.mark.parametrize("step", STEPS[:-1])
def test_publish_killed_at_any_step_leaves_the_previous_build_whole(tmp_path, step):
    database = build_db(tmp_path / "shop.duckdb", 30)
    root = tmp_path / "output" / "shop"
    run_publish(database, root, FIRST)
    build_db(database, 50)
    script = KILLER.format(
        tests=str(Path(__file__).parents[1]),
        step=step,
        database=str(database),
        root=str(root),
        build_id=SECOND,
    )
    killed = subprocess.run([sys.executable, "-c", script], capture_output=True, check=False)
    assert killed.returncode == -9, killed.stderr.decode()
    # Readers still see the first build, whole: one build id, the first build's row counts.
    assert current_build_id(root) == FIRST
    assert build_ids_everywhere(root) == {FIRST}
    with duckdb.connect(str(serving_database(root)), read_only=True) as connection:
        assert connection.sql("select count(*) from customer_segments").fetchone() == (30,)
    # The next publish removes what the killed one left, and publishes whole.
    third = "20250103T000000Z-00000003"
    run_publish(database, root, third)
    assert build_ids_everywhere(root) == {third}
    assert sorted(path.name for path in (root / BUILDS).iterdir()) == [FIRST, third]
    assert not list(root.glob(".*.tmp"))


def test_clean_leftovers_before_any_build(tmp_path):
    assert clean_leftovers(tmp_path / "nothing") == []


def test_locked_warehouse_is_one_line(tmp_path):
    database = build_db(tmp_path / "shop.duckdb", 10)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('open', flush=True);"
            " sys.stdin.read()",
            str(database),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(DbtRuntimeError) as error:
            check_writable(str(database))
    finally:
        holder.communicate("")
    message = str(error.value.msg)
    assert "\n" not in message
    assert f"The warehouse {database} is locked by " in message
    assert f"(PID {holder.pid})" in message
    assert str(tmp_path / "output" / "shop" / "current" / "serving.duckdb") in message
    check_writable(str(database))  # released: no error


def test_lock_message_without_a_pid():
    message = lock_message("/x/shop.duckdb", "IO Error: Could not set lock")
    assert message.startswith("The warehouse /x/shop.duckdb is locked by another process")
