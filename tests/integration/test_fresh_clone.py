"""A fresh clone, as a new analytics engineer gets it: dbt parse, ls, compile, docs generate
and source freshness before any build; then a production build and a slim-CI run
(`state:modified+ --defer --state`) of a changed mart; the schema rule per target."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from .dbt_project_runner import PROJECT_DIR

pytestmark = pytest.mark.integration

#: What a clone has: everything but local state (virtualenv, dbt's target/, outputs, files).
NOT_IN_A_CLONE = shutil.ignore_patterns(
    ".git", ".venv", "target", "target_*", "logs", "output", "*.duckdb", "*.duckdb.wal",
    "__pycache__", ".pytest_cache", ".ruff_cache", "*.egg-info", "bench",
)  # fmt: skip
CHANGED_MART = Path("models/marts/segment_country_summary.sql")


def dbt(clone: Path, *args: str, database: str = "segments.duckdb", **env: str):
    """`dbt <args>` in its own process in `clone`, as a user runs it from the project root."""
    return subprocess.run(
        [sys.executable, "-c", "from dbt.cli.main import cli; cli()", *args],
        cwd=clone,
        env={
            **os.environ,
            "DBT_PROFILES_DIR": str(clone),
            "DBT_PROJECT_DIR": str(clone),
            "DBT_DUCKDB_PATH": str(clone / database),
            "DO_NOT_TRACK": "1",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def succeeded(result: subprocess.CompletedProcess) -> bool:
    return result.returncode == 0


def explain(result: subprocess.CompletedProcess) -> str:
    return result.stdout[-3000:] + result.stderr[-2000:]


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("clone") / "project"
    shutil.copytree(PROJECT_DIR, path, ignore=NOT_IN_A_CLONE)
    assert not (path / "target").exists() and not list(path.glob("*.duckdb"))
    return path


@pytest.fixture(scope="module")
def before_any_build(clone: Path) -> dict[str, subprocess.CompletedProcess]:
    """The commands a new user tries first, in order, before any `dbt build`."""
    results = {}
    for command in (["parse"], ["ls"], ["compile"], ["docs", "generate"]):
        results[" ".join(command)] = dbt(clone, *command)
    # Freshness last: it runs the on-run-start hook that creates the input views.
    results["source freshness"] = dbt(clone, "source", "freshness")
    return results


@pytest.mark.parametrize("command", ["parse", "ls", "compile", "docs generate"])
def test_command_works_before_any_build(before_any_build, command):
    result = before_any_build[command]
    assert succeeded(result), explain(result)


def test_compile_resolves_the_input_columns_from_the_files(before_any_build, clone):
    compiled = next((clone / "target" / "compiled").rglob("stg_shop__order_lines.sql"))
    sql = compiled.read_text()
    # The real column names of the sample file, quoted, under their canonical names.
    assert '"unit_price" as unit_price' in sql
    assert '"discount_amount" as discount_amount' in sql
    catalog = json.loads((clone / "target" / "catalog.json").read_text())
    assert not catalog["errors"], catalog["errors"]
    assert (clone / "target" / "index.html").exists()


def canonical_input_columns(input_name: str) -> list[str]:
    """The canonical columns of an input, as macros/resolve_input_columns.sql maps them."""
    macro = (PROJECT_DIR / "macros" / "resolve_input_columns.sql").read_text()
    block = re.search(rf"'{input_name}': \{{\s*'canonical': \{{(.*?)\}}", macro, re.DOTALL)
    assert block, f"no canonical layout of {input_name} in resolve_input_columns.sql"
    return re.findall(r"'(\w+)': \[", block.group(1))


def test_docs_show_the_source_columns_before_any_build(before_any_build, clone):
    """The input contract is in the docs of a fresh clone: every source column documented,
    the same names, in the same order, as the macro that maps the input files."""
    manifest = json.loads((clone / "target" / "manifest.json").read_text())
    for name in ("order_lines", "customers", "visits"):
        source = manifest["sources"][f"source.customer_segments.shop.{name}"]
        assert list(source["columns"]) == canonical_input_columns(name), name
        undocumented = [c for c, column in source["columns"].items() if not column["description"]]
        assert undocumented == [], name
    assert canonical_input_columns("order_lines")[:3] == ["order_id", "customer_id", "ordered_at"]


def test_source_freshness_passes_on_the_sample(before_any_build, clone):
    result = before_any_build["source freshness"]
    assert succeeded(result), explain(result)
    sources = json.loads((clone / "target" / "sources.json").read_text())["results"]
    statuses = {r["unique_id"].rsplit(".", 1)[-1]: r["status"] for r in sources}
    # Every input with a timestamp has a rule; the sample is old, so a warning, not an error.
    assert set(statuses) == {"order_lines", "customers", "visits"}
    assert set(statuses.values()) <= {"pass", "warn"}, statuses
    loaded = {r["unique_id"].rsplit(".", 1)[-1]: r["max_loaded_at"] for r in sources}
    # The sample's unparseable 2025-02-30 is skipped, not a cast error; the latest real
    # order line is in 2025.
    assert loaded["order_lines"].startswith("2025-"), loaded


@pytest.fixture(scope="module")
def production(clone: Path, before_any_build) -> Path:
    """A production build (target prod, its own file and schemas), its manifest kept as the
    state slim CI compares against."""
    result = dbt(
        clone,
        "build",
        "--target",
        "prod",
        "--exclude",
        "resource_type:test",
        "resource_type:unit_test",
        database="prod.duckdb",
    )
    assert succeeded(result), explain(result)
    state = clone.parent / "prod_state"
    shutil.copytree(clone / "target", state, ignore=shutil.ignore_patterns("*.duckdb"))
    return state


def test_prod_target_uses_its_own_schemas(production, clone):
    with duckdb.connect(str(clone / "prod.duckdb"), read_only=True) as connection:
        schemas = {
            row[0]
            for row in connection.sql(
                "select distinct table_schema from information_schema.tables"
            ).fetchall()
        }
    # dbt's rule <target.schema>_<custom schema>; the raw input views stay in var raw_schema.
    assert {"analytics", "analytics_staging", "analytics_intermediate"} <= schemas, schemas
    assert {"analytics_segmentation", "analytics_scoring", "analytics_reference"} <= schemas
    assert not {"main", "staging", "intermediate"} & schemas
    assert (clone / "output" / "prod" / "current" / "serving.duckdb").exists()


@pytest.fixture(scope="module")
def slim_ci(production: Path, clone: Path) -> subprocess.CompletedProcess:
    """Change one mart, then build only it and what depends on it, deferring the rest to
    production's tables (attached read-only by the slim_ci target)."""
    mart = clone / CHANGED_MART
    mart.write_text(mart.read_text() + "\n{# changed in a pull request #}\n")
    return dbt(
        clone,
        "build",
        "--target",
        "slim_ci",
        "--select",
        "state:modified+",
        "--defer",
        "--state",
        str(production),
        database="ci.duckdb",
        DBT_DEFER_DUCKDB_PATH=str(clone / "prod.duckdb"),
    )


def test_slim_ci_builds_only_what_changed(slim_ci, clone):
    assert succeeded(slim_ci), explain(slim_ci)
    run = json.loads((clone / "target" / "run_results.json").read_text())["results"]
    built = {r["unique_id"].split(".")[-1] for r in run if r["unique_id"].startswith("model.")}
    assert "segment_country_summary" in built
    assert "public_mart_exports" in built  # downstream of the changed mart
    assert "stg_shop__order_lines" not in built and "customer_segments" not in built
    with duckdb.connect(str(clone / "ci.duckdb"), read_only=True) as connection:
        tables = {
            row[0]
            for row in connection.sql(
                "select table_name from information_schema.tables where table_catalog = 'ci'"
            ).fetchall()
        }
        assert "segment_country_summary" in tables and "customer_segments" not in tables
        connection.execute(f"attach '{clone / 'prod.duckdb'}' as prod (read_only)")
        differences = connection.sql(
            "select count(*) from ((select * from ci.main.segment_country_summary"
            " except select * from prod.analytics.segment_country_summary)"
            " union all (select * from prod.analytics.segment_country_summary"
            " except select * from ci.main.segment_country_summary))"
        ).fetchone()
        rows = connection.sql("select count(*) from ci.main.segment_country_summary").fetchone()
    # The changed mart, rebuilt from production's upstream tables, equals production's.
    assert differences == (0,) and rows[0] > 0
