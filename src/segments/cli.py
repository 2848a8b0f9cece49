"""The ``segments`` command: the marketer-facing report and exports from a built warehouse.

    segments report   HTML report + Excel workbook + CSV profiles
    segments export   Excel workbook + CSV profiles only

Both read the serving copy that the last successful build of the warehouse published
(<output root>/current/serving.duckdb, never locked by a running build; the warehouse is
--database, else $DBT_DUCKDB_PATH, else segments.duckdb), the warehouse file itself when it
has no serving copy, or a folder of Parquet marts (--parquet-dir). They write into the
warehouse's own output folder (<output root>/report), so two shops never share one.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

from segments.publish import REPORT, output_root, serving_database
from segments.report import REPORT_NAME, load_report_data, open_warehouse
from segments.report.data import default_database
from segments.report.export import (
    PROFILES_CSV,
    WORKBOOK_NAME,
    ZSCORES_CSV,
    write_csvs,
    write_workbook,
)
from segments.report.html import write_report
from segments.report.progress import StepLog


def _add_source_options(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--database",
        type=Path,
        metavar="PATH",
        help="the warehouse built by `dbt build`: its serving copy is read when it has one, "
        "else the file itself, read-only "
        f"(default: $DBT_DUCKDB_PATH, else segments.duckdb; now {default_database()})",
    )
    source.add_argument(
        "--parquet-dir",
        type=Path,
        metavar="DIR",
        help="read the Parquet copies of the marts in DIR instead "
        "(e.g. output/segments/current/marts)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        default=None,
        help="folder to write to, created if missing (default: the warehouse's output "
        f"folder, output/<database name>/{REPORT} beside the database file)",
    )
    parser.add_argument(
        "--currency",
        default="",
        metavar="SYMBOL",
        help="currency symbol or code for money, e.g. € or GBP (default: none)",
    )
    parser.add_argument(
        "--quiet", action="store_true", help="no step log on stderr (paths still printed)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="segments",
        description="Customer segments: reports and exports from the dbt warehouse.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    report = commands.add_parser(
        "report",
        help="write the HTML report, the Excel workbook and the CSV profiles",
        description=f"Write {REPORT_NAME} (one self-contained file: opens offline, prints to "
        f"A4 PDF), {WORKBOOK_NAME} and the CSV profiles ({PROFILES_CSV}, {ZSCORES_CSV}) "
        "into --out.",
    )
    _add_source_options(report)
    report.add_argument("--html-only", action="store_true", help="write only the HTML report")
    export = commands.add_parser(
        "export",
        help="write the Excel workbook and the CSV profiles (no HTML)",
        description=f"Write {WORKBOOK_NAME} (sheets Customers, Segment profiles, By country, "
        f"By category, By month, About) and the CSV profiles ({PROFILES_CSV}, "
        f"{ZSCORES_CSV}) into --out.",
    )
    _add_source_options(export)
    return parser


def resolve_paths(
    database: Path | None, parquet_dir: Path | None, out: Path | None
) -> tuple[Path | None, Path]:
    """The DuckDB file to read (the warehouse's serving copy when it has one) and the folder
    to write to (--out, else the warehouse's own output folder)."""
    warehouse = database or default_database()
    root = output_root(warehouse)
    if parquet_dir is None and serving_database(root).exists():
        database = serving_database(root)
    return database, out or root / REPORT


def run(args: argparse.Namespace) -> list[tuple[str, Path]]:
    """Do what the parsed command says; returns (what, path) for each file written."""
    log = StepLog(quiet=args.quiet)
    written: list[tuple[str, Path]] = []
    database, out = resolve_paths(args.database, args.parquet_dir, args.out)
    with (
        log.step("reading the warehouse"),
        open_warehouse(database, args.parquet_dir) as warehouse,
    ):
        data = load_report_data(warehouse)
    if args.command == "report":
        with log.step("rendering the HTML report"):
            path = write_report(data, out / REPORT_NAME, args.currency)
        written.append(("Report", path))
    if args.command == "export" or not getattr(args, "html_only", False):
        with log.step("writing the Excel workbook"):
            path = write_workbook(data, out / WORKBOOK_NAME, args.currency, log)
        written.append(("Workbook", path))
        with log.step("writing the CSV profiles"):
            written += [("CSV", path) for path in write_csvs(data, out, args.currency)]
    return written


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        written = run(args)
    except (FileNotFoundError, LookupError) as error:
        print(f"segments: {error}", file=sys.stderr)
        return 1
    except duckdb.IOException as error:
        print(
            f"segments: cannot open the warehouse read-only ({error}). Is dbt still writing to it?",
            file=sys.stderr,
        )
        return 1
    for what, path in written:
        print(f"{what + ':':<10}{path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
