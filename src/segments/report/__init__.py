"""The marketer-facing report: an offline HTML page, an Excel workbook and CSV exports.

``load_report_data`` reads the warehouse (or Parquet marts) once; ``write_report``,
``write_workbook`` and ``write_csvs`` render it. ``segments report`` / ``segments export``
(segments.cli) wire them to the command line.
"""

from segments.report.data import (
    DuckDBWarehouse,
    ParquetWarehouse,
    ReportData,
    load_report_data,
    open_warehouse,
)
from segments.report.export import write_csvs, write_workbook
from segments.report.html import render_report, write_report

REPORT_NAME = "segments_report.html"

__all__ = [
    "REPORT_NAME",
    "DuckDBWarehouse",
    "ParquetWarehouse",
    "ReportData",
    "load_report_data",
    "open_warehouse",
    "render_report",
    "write_csvs",
    "write_report",
    "write_workbook",
]
