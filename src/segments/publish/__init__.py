"""Publishing: the serving copy that readers open, swapped in whole at the end of a build.

dbt rebuilds the warehouse table by table, and DuckDB locks the file while it writes, so
readers (BI tools, CRM syncs, the report) never read the build's own file. At the end of a
build that passed, the published tables are copied into a new folder, stamped with one
build id:

    <output root>/
        current -> builds/<build id>      the only path readers use (a symlink)
        builds/<build id>/serving.duckdb  every published table, schema main, + build_manifest
        builds/<build id>/marts/*.parquet the same tables as Parquet (build id in each file)
        builds/<build id>/build.json      shop, source database, build id, row counts
        report/                           written by `segments report`

The folder is filled under ``builds/<build id>.tmp``, renamed when complete, and ``current``
is then replaced by a new symlink in one ``os.replace``: a reader sees the previous build or
this one, whole, never a mix. A build killed before the swap leaves ``current`` untouched;
its ``.tmp`` folder (and builds older than the previous one) are removed by the next build
that publishes. The output root is derived from the database file, so two shops built into
two files never share a folder.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

CURRENT = "current"
BUILDS = "builds"
MARTS = "marts"
REPORT = "report"
SERVING_DATABASE = "serving.duckdb"
MANIFEST = "build.json"
MANIFEST_TABLE = "build_manifest"
TEMPORARY_SUFFIX = ".tmp"
BUILD_ID_PATTERN = re.compile(r"^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}$")
_ATTACH_ALIAS = "segments_publish"


@dataclass(frozen=True)
class PublishedTable:
    """A table copied into the serving copy: its name there and what it is read from in
    the build's warehouse (a table name or a parenthesised query)."""

    name: str
    source: str


def output_root(database: str | Path | None, export_path: str | None = None) -> Path:
    """The folder of one warehouse's outputs: var export_path when set (a relative path is
    taken from the database file's folder), else ``output/<database file stem>`` beside
    the database file. In-memory or unknown databases use the working directory."""
    base = Path(database).resolve().parent if database else Path.cwd()
    if export_path:
        path = Path(export_path)
        return path if path.is_absolute() else base / path
    return base / "output" / shop_name(database)


def shop_name(database: str | Path | None) -> str:
    """The name a warehouse's outputs carry: the database file's name without extension."""
    return Path(database).stem if database else "memory"


def new_build_id(unique_hex: str, now: dt.datetime | None = None) -> str:
    """A sortable build id: UTC time of the publish, then 8 hex digits of `unique_hex` (a
    random uuid) so two publishes within one second still differ."""
    now = now or dt.datetime.now(dt.UTC)
    digits = re.sub(r"[^0-9a-f]", "", unique_hex.lower())[:8].ljust(8, "0")
    return f"{now.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}-{digits}"


def current_build(root: str | Path) -> Path | None:
    """The published build folder readers see now, or None before the first publish."""
    link = Path(root) / CURRENT
    if not link.exists():
        return None
    return link.resolve()


def current_build_id(root: str | Path) -> str | None:
    """The build id readers see now (the name of the current build folder)."""
    build = current_build(root)
    return build.name if build else None


def serving_database(root: str | Path) -> Path:
    """The path readers open: ``<root>/current/serving.duckdb`` (through the symlink, so a
    new connection always gets the latest published build)."""
    return Path(root) / CURRENT / SERVING_DATABASE


def clean_leftovers(root: str | Path) -> list[Path]:
    """Remove what killed or superseded builds left: unfinished ``.tmp`` folders and
    symlinks, and every build folder except the current one. Returns what was removed.

    Called at the start of a publish, when the current build is about to become the
    previous one: after the swap, the current and the previous build are kept (a reader
    that opened the previous one keeps a valid file)."""
    root = Path(root)
    builds = root / BUILDS
    current = current_build(root)
    removed: list[Path] = []
    for path in sorted(root.glob(f".{CURRENT}.*{TEMPORARY_SUFFIX}")):
        path.unlink(missing_ok=True)
        removed.append(path)
    if builds.is_dir():
        for path in sorted(builds.iterdir()):
            if current is not None and path.resolve() == current:
                continue
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def publish(
    connection,
    tables: Sequence[PublishedTable],
    root: str | Path,
    build_id: str,
    shop: str,
    source_database: str,
    on_step: Callable[[str], None] | None = None,
) -> list[dict]:
    """Copy `tables` from the build's DuckDB connection into a new serving copy and Parquet
    folder stamped with `build_id`, then make it the current build in one atomic swap.

    Every table gets a trailing ``build_id`` column; the serving copy also holds
    ``build_manifest`` (one row per table). `on_step(name)` is called after each step
    (fault-injection tests kill the process there). Returns one row per table:
    table_name, row_count, file_path."""
    if not BUILD_ID_PATTERN.match(build_id):
        raise ValueError(f"build id {build_id!r} is not of the form 20250101T000000Z-0123abcd")
    step = on_step or (lambda name: None)
    root = Path(root)
    builds = root / BUILDS
    builds.mkdir(parents=True, exist_ok=True)
    clean_leftovers(root)
    step("cleaned")
    staging = builds / f"{build_id}{TEMPORARY_SUFFIX}"
    final = builds / build_id
    (staging / MARTS).mkdir(parents=True)
    published_at = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    rows = []
    connection.execute(f"attach '{_sql_text(staging / SERVING_DATABASE)}' as {_ATTACH_ALIAS}")
    try:
        for table in tables:
            connection.execute(
                f"create table {_ATTACH_ALIAS}.main.{table.name} as "
                f"select *, '{build_id}' as build_id from {table.source} as source order by all"
            )
            parquet = staging / MARTS / f"{table.name}.parquet"
            connection.execute(
                f"copy {_ATTACH_ALIAS}.main.{table.name} to '{_sql_text(parquet)}' "
                "(format parquet, compression zstd, "
                f"kv_metadata {{build_id: '{build_id}', shop: '{_sql_text(shop)}'}})"
            )
            row_count = pq.read_metadata(parquet).num_rows
            rows.append(
                {
                    "table_name": table.name,
                    "row_count": row_count,
                    "file_path": str(final / MARTS / parquet.name),
                }
            )
            step(f"table:{table.name}")
        _write_manifest_table(connection, rows, build_id, shop, source_database, published_at)
        connection.execute(f"checkpoint {_ATTACH_ALIAS}")
    finally:
        connection.execute(f"detach {_ATTACH_ALIAS}")
    step("serving copy written")
    manifest = {
        "build_id": build_id,
        "shop": shop,
        "source_database": source_database,
        "published_at": published_at.isoformat() + "Z",
        "tables": {row["table_name"]: row["row_count"] for row in rows},
    }
    (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    os.rename(staging, final)
    step("build folder complete")
    _swap_current(root, final)
    step("swapped")
    return rows


def _write_manifest_table(connection, rows, build_id, shop, source_database, published_at):
    connection.execute(
        f"create table {_ATTACH_ALIAS}.main.{MANIFEST_TABLE} (table_name varchar primary key,"
        " row_count bigint, file_path varchar, shop_name varchar, source_database varchar,"
        " published_at timestamp, build_id varchar)"
    )
    connection.executemany(
        f"insert into {_ATTACH_ALIAS}.main.{MANIFEST_TABLE} values (?, ?, ?, ?, ?, ?, ?)",
        [
            [
                row["table_name"],
                row["row_count"],
                row["file_path"],
                shop,
                source_database,
                published_at,
                build_id,
            ]
            for row in rows
        ],
    )


def _swap_current(root: Path, build: Path) -> None:
    """Point ``current`` at `build` in one rename of a fresh symlink (atomic on POSIX).
    Where symlinks cannot be made (Windows without developer mode), ``current.txt`` names
    the build folder instead, replaced in one rename too."""
    temporary = root / f".{CURRENT}.{os.getpid()}{TEMPORARY_SUFFIX}"
    temporary.unlink(missing_ok=True)
    try:
        os.symlink(Path(BUILDS) / build.name, temporary, target_is_directory=True)
    except OSError:
        temporary.write_text(f"{BUILDS}/{build.name}\n")
        os.replace(temporary, root / f"{CURRENT}.txt")
        return
    os.replace(temporary, root / CURRENT)


def _sql_text(value: str | Path) -> str:
    """A value for a single-quoted SQL string literal."""
    return str(value).replace("'", "''")
