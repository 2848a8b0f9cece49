"""A dbt-duckdb plugin that turns a locked warehouse into one line instead of a traceback.

DuckDB lets one process write a database file; when another program holds it (a DuckDB CLI,
a notebook, a BI tool pointed at the build's file instead of the serving copy), dbt-duckdb
fails with a ~230-line traceback. Listed under ``plugins`` in profiles.yml, this module
tries the file first, before dbt opens it, and raises a dbt error that dbt prints as one
line: which file, which process holds it, and what to do.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb
from dbt.adapters.duckdb.plugins import BasePlugin
from dbt_common.exceptions import DbtRuntimeError

from segments.publish import output_root, serving_database


def lock_message(database: str, error: str) -> str:
    """The one-line explanation of a lock conflict on `database` (DuckDB's `error` text)."""
    holder = re.search(r"Conflicting lock is held in (.+?) \(PID (\d+)\)", error)
    who = f"{holder.group(1)} (PID {holder.group(2)})" if holder else "another process"
    return (
        f"The warehouse {database} is locked by {who}: close that program and rerun. "
        f"Readers should open the serving copy {serving_database(output_root(database))} "
        "instead, which a build never locks (docs/serving.md)."
    )


def check_writable(database: str | None) -> None:
    """Raise DbtRuntimeError (one line) when another process holds `database`'s lock."""
    if not database or database == ":memory:" or database.startswith("md:"):
        return
    if not Path(database).exists():
        return
    try:
        duckdb.connect(database).close()
    except duckdb.IOException as error:
        if "lock" in str(error).lower():
            raise DbtRuntimeError(lock_message(database, str(error))) from None
        raise


class Plugin(BasePlugin):
    """Checks the target's database file for a foreign lock before dbt connects."""

    def initialize(self, plugin_config: dict[str, Any]) -> None:
        check_writable(self.creds.path if self.creds else None)
