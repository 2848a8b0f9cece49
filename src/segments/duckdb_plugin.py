"""dbt-duckdb plugin: a warehouse file locked by another process is one readable error.

DuckDB allows one writing process per database file. When another process holds the lock,
dbt-duckdb's error handling re-opens the connection while handling the first failure and
dbt prints three stack traces (about 235 lines). This plugin (listed under ``plugins`` in
profiles.yml) tries the file once before dbt connects and, if it is locked, stops the run
with one message naming the file, the process holding it and what to do.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb
from dbt.adapters.duckdb.plugins import BasePlugin
from dbt_common.exceptions import DbtRuntimeError


def lock_message(path: str, error: Exception) -> str:
    """The user-facing message for a locked warehouse file."""
    holder = re.search(r"held in (.+?) \(PID (\d+)\)", str(error))
    who = f"process {holder.group(2)} ({holder.group(1)})" if holder else "another process"
    return (
        f"The warehouse file '{path}' is locked by {who}: DuckDB lets one process write "
        "to a file at a time. Close that program (a notebook, a BI tool, another dbt run or "
        "`segments report`) and build again, or set DBT_DUCKDB_PATH to another file. "
        "Readers can use the Parquet exports meanwhile."
    )


class Plugin(BasePlugin):
    """Checks the DuckDB file's write lock when dbt-duckdb sets up its connection."""

    def initialize(self, plugin_config: dict[str, Any]) -> None:
        path = str(getattr(self.creds, "path", "") or "")
        if not path or path == ":memory:" or ":" in path.split("/")[0] or not Path(path).exists():
            return
        try:
            duckdb.connect(path).close()
        except duckdb.IOException as error:
            if "lock" in str(error).lower():
                raise DbtRuntimeError(lock_message(path, error)) from None
        except duckdb.Error:
            # e.g. this process already has the file open with dbt's settings: no lock issue.
            return
