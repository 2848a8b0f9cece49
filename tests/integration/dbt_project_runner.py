"""Run the dbt project into a throw-away DuckDB file and query the result."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import duckdb
from dbt.cli.main import dbtRunner, dbtRunnerResult

PROJECT_DIR = Path(__file__).resolve().parents[2]
SHARED_DATA = PROJECT_DIR.parent / "shared" / "data"
ONLINE_RETAIL = SHARED_DATA / "online_retail" / "online_retail.csv.gz"
#: The earlier as_of_date of the two-build scenario (conftest.two_builds): one month before the
#: sample's last order, so the second build (default as_of_date) sees one more month.
EARLIER_AS_OF = date(2025, 12, 1)


def run_dbt(args: Sequence[str], database: Path, vars: dict | None = None) -> dbtRunnerResult:
    """Invoke dbt in-process against `database`; raise if the command did not succeed."""
    result = invoke_dbt(args, database, vars)
    if result.exception is not None:
        raise result.exception
    if not result.success:
        raise AssertionError("dbt " + " ".join(args) + " failed:\n" + failure_text(result))
    return result


def failure_text(result: dbtRunnerResult) -> str:
    """The error messages of a dbt invocation, one per failed node."""
    if result.exception is not None:
        return str(result.exception)
    return "\n".join(
        f"{r.node.unique_id}: {r.status} {r.message}"
        for r in (result.result or [])
        if str(r.status) not in ("success", "pass", "skipped")
    )


def invoke_dbt(args: Sequence[str], database: Path, vars: dict | None = None) -> dbtRunnerResult:
    """Invoke dbt in-process against `database` and return its result, failed or not."""
    os.environ["DBT_DUCKDB_PATH"] = str(database)
    os.environ["DO_NOT_TRACK"] = "1"
    target_path = database.parent / f"target_{database.stem}"
    cli_args = [
        *args,
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(PROJECT_DIR),
        "--target",
        "ci",
        "--target-path",
        str(target_path),
        "--log-path",
        str(database.parent / "logs"),
    ]
    if vars:
        cli_args += ["--vars", json.dumps(vars)]
    cwd = os.getcwd()
    os.chdir(PROJECT_DIR)
    try:
        result = dbtRunner().invoke(cli_args)
    finally:
        os.chdir(cwd)
    return result


def output_root(database: Path) -> Path:
    """Default var export_path: output/<database name> beside the database file."""
    return database.parent / "output" / database.stem


def export_dir(database: Path) -> Path:
    """The Parquet files of the current published build."""
    return output_root(database) / "current" / "marts"


def query(database: Path, sql: str) -> list[tuple]:
    """Rows of `sql` run against the built database."""
    with duckdb.connect(str(database)) as connection:
        return connection.sql(sql).fetchall()


def scalar(database: Path, sql: str):
    """The single value of `sql`."""
    rows = query(database, sql)
    assert len(rows) == 1 and len(rows[0]) == 1, rows
    return rows[0][0]


def execute(database: Path, sql: str) -> None:
    """Run a statement that returns nothing (COPY, CREATE ...) against the database."""
    with duckdb.connect(str(database)) as connection:
        connection.execute(sql)


def dbt_subprocess_command(
    database: Path, args: Sequence[str], vars: dict | None = None
) -> list[str]:
    """The command line of `dbt <args>` in a new process, with the same flags as run_dbt."""
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
        "--no-use-colors",
    ]
    return command + (["--vars", json.dumps(vars)] if vars else [])


def run_dbt_subprocess(args: Sequence[str], database: Path, vars: dict | None = None) -> None:
    """`dbt <args>` in a new process, with the same flags as run_dbt; fail with its log. For
    databases that another process reads during the build, or that several commands build in
    turn: in-process dbt-duckdb keeps the file open, which would lock a later process out."""
    command = dbt_subprocess_command(database, args, vars)
    build = subprocess.run(
        command,
        env={**os.environ, "DBT_DUCKDB_PATH": str(database), "DO_NOT_TRACK": "1"},
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert build.returncode == 0, build.stdout[-4000:] + build.stderr[-2000:]
