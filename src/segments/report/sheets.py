"""Writing one table to one xlsxwriter sheet: readable headers, number formats by column
kind, column widths fitted to the content, a frozen header row with an autofilter; and a
sheet that has no rows but says why.

The mechanics only: which tables the workbook holds, and in what order, is
``segments.report.export``.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import xlsxwriter

from segments.report.traits import FEATURES

#: Excel's row limit, less the header.
MAX_ROWS = 1_048_575
MAX_WIDTH = 60

HEADER_LABELS = {
    "customer_id": "Customer ID",
    "segment_id": "Segment ID",
    "segment_name": "Segment",
    "is_active": "Active",
    "top_category": "Top category",
    "customer_count": "Customers",
    "active_customer_count": "Customers with a purchase",
    "order_count": "Orders",
    "month_start_date": "Month",
    "top_categories": "Top categories",
    "inactive_reason": "Inactive reason",
    "is_frequent_returner": "Frequent returner",
    "segment_since": "In segment since",
    "updated_at": "Updated at",
    "purchased_amount": "Purchased amount",
    "returned_amount": "Returned amount",
    "customer_share": "Share of customers",
    "net_revenue": "Net revenue",
    "revenue_share": "Share of net revenue",
    "stability_jaccard": "Stability (Jaccard, 0-1)",
    "stability_class": "Stability",
    "recommended_campaign": "Recommended campaign",
    "model_version": "Model version",
    "as_of_date": "As-of date",
    "traits": "Traits (plain words)",
    "is_partial_month": "Partial month",
    "from_segment_name": "From segment",
    "to_segment_name": "To segment",
    "from_segment_id": "From segment ID",
    "to_segment_id": "To segment ID",
    "moved_customer_count": "Customers who moved",
    "moved_net_revenue": "Their net revenue",
    "changed_at": "Moved on",
}


def header_label(column: str) -> str:
    """A readable header: known labels, feature labels, _mean / _median spelled out."""
    if column in HEADER_LABELS:
        return HEADER_LABELS[column]
    if column in FEATURES:
        return FEATURES[column].label
    for suffix, word in (("_mean", "average"), ("_median", "median")):
        rest = column.removesuffix(suffix)
        if rest != column and rest in FEATURES:
            return f"{FEATURES[rest].label} ({word})"
    return column.replace("_", " ").capitalize()


def column_kind(column: str, series: pd.Series) -> str:
    """How to format a column: text, integer, decimal, money, percent, date, datetime, bool."""
    if pd.api.types.is_bool_dtype(series):
        return "bool"
    if pd.api.types.is_datetime64_any_dtype(series):
        if column.endswith("_date") or column == "month":
            return "date"
        values = series.dropna()
        is_midnight = len(values) and (values == values.dt.normalize()).all()
        return "date" if is_midnight else "datetime"
    if not pd.api.types.is_numeric_dtype(series):
        values = series.dropna()
        if len(values) and isinstance(values.iloc[0], dt.date):
            return "date"
        return "text"
    base = column
    for suffix in ("_mean", "_median"):
        base = base.removesuffix(suffix)
    if base.endswith(("_share", "_rate")) or base in ("share", "rate"):
        return "percent"
    spec = FEATURES.get(base)
    if spec is not None and spec.kind == "share":
        return "percent"
    if spec is not None and spec.kind == "money":
        return "money"
    if "revenue" in base or base.endswith(("_amount", "_value")):
        return "money"
    if column.endswith(("_mean", "_median")) or base == "stability_jaccard":
        return "decimal"
    values = series.dropna()
    if len(values) and (values == values.round()).all():
        return "integer"
    return "decimal"


def cell_formats(workbook: xlsxwriter.Workbook, currency: str) -> dict[str, object]:
    """The formats of a workbook by column kind (money with the currency), plus header and
    wrapped text."""
    money = "#,##0.00"
    if currency:
        money = f'"{currency}"#,##0.00' if len(currency) == 1 else f'#,##0.00 "{currency}"'
    return {
        "header": workbook.add_format(
            {"bold": True, "bg_color": "#DDE3EA", "bottom": 2, "text_wrap": True, "valign": "top"}
        ),
        "text": None,
        "integer": workbook.add_format({"num_format": "#,##0"}),
        "decimal": workbook.add_format({"num_format": "#,##0.00"}),
        "money": workbook.add_format({"num_format": money}),
        "percent": workbook.add_format({"num_format": "0.0%"}),
        "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
        "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
        "bool": None,
        "wrap": workbook.add_format({"text_wrap": True, "valign": "top"}),
    }


def _cells(series: pd.Series) -> list[object]:
    """A column as values xlsxwriter writes as they are: plain Python scalars, naive
    datetimes, and None (a blank cell) for NaN, NaT, pd.NA and infinities."""
    if pd.api.types.is_datetime64_any_dtype(series):
        if getattr(series.dt, "tz", None) is not None:
            series = series.dt.tz_localize(None)
        return [None if pd.isna(v) else v.to_pydatetime() for v in series]
    if pd.api.types.is_float_dtype(series):
        series = series.replace([math.inf, -math.inf], math.nan)
    values = series.tolist()
    missing = series.isna().to_numpy()
    if missing.any():
        values = [None if gap else value for value, gap in zip(values, missing, strict=True)]
    return values


def _width(label: str, series: pd.Series, kind: str) -> float:
    header = len(label)
    if kind in ("date",):
        content = 10
    elif kind == "datetime":
        content = 16
    elif kind == "text":
        sample = series.dropna().astype(str).head(2000)
        content = int(sample.str.len().max()) if len(sample) else 4
    elif kind == "bool":
        content = 5
    else:
        sample = series.dropna().head(2000)
        largest = float(sample.abs().max()) if len(sample) else 0.0
        content = len(f"{largest:,.2f}") + 1
    return float(min(max(header * 0.9, content, 6) + 2, MAX_WIDTH))


def write_sheet(
    workbook: xlsxwriter.Workbook,
    name: str,
    frame: pd.DataFrame,
    formats: dict[str, object],
    wrap_columns: tuple[str, ...] = (),
    labels: dict[str, str] | None = None,
) -> xlsxwriter.workbook.Worksheet:
    """One table on one sheet: header row frozen with an autofilter, formats and widths.
    ``labels`` overrides ``header_label`` for this sheet's columns (a column that means
    something else here, e.g. purchased_amount before or after discounts)."""
    sheet = workbook.add_worksheet(name)
    frame = frame.head(MAX_ROWS)
    kinds = {column: column_kind(column, frame[column]) for column in frame.columns}
    headers = [(labels or {}).get(column) or header_label(column) for column in frame.columns]
    for index, column in enumerate(frame.columns):
        kind = kinds[column]
        width = _width(headers[index], frame[column], kind)
        cell_format = formats[kind]
        if column in wrap_columns:
            width, cell_format = 50, formats["wrap"]
        sheet.set_column(index, index, width, cell_format)
    sheet.set_row(0, 32)
    sheet.write_row(0, 0, headers, formats["header"])
    columns = [_cells(frame[column]) for column in frame.columns]
    for row, values in enumerate(zip(*columns, strict=True), start=1):
        sheet.write_row(row, 0, values)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(frame), 1), max(len(frame.columns) - 1, 0))
    return sheet


def write_note_sheet(
    workbook: xlsxwriter.Workbook, name: str, note: str, formats: dict[str, object]
) -> None:
    """A sheet that has no rows says why, in its first cell."""
    sheet = workbook.add_worksheet(name)
    sheet.set_column(0, 0, 100, formats["wrap"])
    sheet.write(0, 0, note)
