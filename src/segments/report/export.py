"""The Excel workbook (xlsxwriter) and the CSV exports of the segment profiles.

Workbook sheets: Customers (the master customer table), Segment profiles, By country,
By category, By month (the long pivots as their marts have them) and About. Every sheet has
a readable header row, frozen, with an autofilter, number formats per column (money, %,
integers, dates) and column widths fitted to the content.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd
import xlsxwriter

from segments.report.data import ReportData
from segments.report.progress import StepLog
from segments.report.traits import FEATURES, segment_traits

WORKBOOK_NAME = "segments.xlsx"
PROFILES_CSV = "segment_profiles.csv"
ZSCORES_CSV = "segment_profile_zscores.csv"
CSV_DECIMALS = 6
ZSCORE_COLUMNS = (
    "segment_id",
    "segment_name",
    "feature_name",
    "segment_mean",
    "overall_mean",
    "z_score",
    "is_model_feature",
)

#: Sheet name -> summary key in ReportData.summaries.
PIVOT_SHEETS = {"By country": "country", "By category": "category", "By month": "month"}
#: Customers sheet: these columns first (when present), then the profile features.
CUSTOMER_COLUMNS = (
    "customer_id",
    "segment_id",
    "segment_name",
    "is_active",
    "inactive_reason",
    "country",
    "top_category",
)
CUSTOMER_TRAILING_COLUMNS = (
    "first_order_at",
    "last_order_at",
    "segment_since",
    "updated_at",
    "as_of_date",
    "model_version",
)
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


def _formats(workbook: xlsxwriter.Workbook, currency: str) -> dict[str, object]:
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


def _width(column: str, series: pd.Series, kind: str) -> float:
    header = len(header_label(column))
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
) -> xlsxwriter.workbook.Worksheet:
    """One table on one sheet: header row frozen with an autofilter, formats and widths."""
    sheet = workbook.add_worksheet(name)
    frame = frame.head(MAX_ROWS)
    kinds = {column: column_kind(column, frame[column]) for column in frame.columns}
    for index, column in enumerate(frame.columns):
        kind = kinds[column]
        width = _width(column, frame[column], kind)
        cell_format = formats[kind]
        if column in wrap_columns:
            width, cell_format = 50, formats["wrap"]
        sheet.set_column(index, index, width, cell_format)
    sheet.set_row(0, 32)
    sheet.write_row(0, 0, [header_label(c) for c in frame.columns], formats["header"])
    columns = [_cells(frame[column]) for column in frame.columns]
    for row, values in enumerate(zip(*columns, strict=True), start=1):
        sheet.write_row(row, 0, values)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(frame), 1), max(len(frame.columns) - 1, 0))
    return sheet


def customer_table(data: ReportData) -> pd.DataFrame:
    """The Customers sheet: ids, segment, country, key features, dates; one row per customer."""
    customers = data.customers
    ordered = [
        *(c for c in CUSTOMER_COLUMNS if c in customers.columns),
        *(c for c in data.features if c in customers.columns),
        *(c for c in CUSTOMER_TRAILING_COLUMNS if c in customers.columns),
    ]
    ordered = list(dict.fromkeys(ordered))
    return customers[ordered].sort_values("customer_id", kind="stable").reset_index(drop=True)


def profile_table(data: ReportData, currency: str = "") -> pd.DataFrame:
    """The Segment profiles sheet and CSV: the profiles table plus the traits in words."""
    table = (data.profile_table if data.profile_table is not None else data.profiles).copy()
    overall = data.means.loc["all"] if "all" in data.means.index else None
    traits = []
    for segment_id in table["segment_id"].astype(int):
        if overall is None or segment_id not in data.zscores.index:
            traits.append(None)
            continue
        words = segment_traits(
            data.zscores.loc[segment_id], data.means.loc[segment_id], overall, currency
        )
        traits.append("; ".join(words) if words else "close to the average customer")
    table["traits"] = traits
    return table


def zscore_table(data: ReportData) -> pd.DataFrame:
    """Long table behind the heatmap: segment x feature mean, overall mean and z-score."""
    rows = []
    for segment_id in data.zscores.index:
        for feature in data.zscores.columns:
            rows.append(
                {
                    "segment_id": int(segment_id),
                    "segment_name": data.name_of(int(segment_id)),
                    "feature_name": feature,
                    "segment_mean": float(data.means.loc[segment_id, feature]),
                    "overall_mean": float(data.means.loc["all", feature]),
                    "z_score": float(data.zscores.loc[segment_id, feature]),
                    "is_model_feature": feature in data.model_features,
                }
            )
    return pd.DataFrame(rows, columns=ZSCORE_COLUMNS)


def about_table(data: ReportData) -> pd.DataFrame:
    """Key-value sheet: what the workbook holds and where it came from."""
    kpis = data.kpis
    rows = [
        ("Source", data.source),
        ("As-of date", str(kpis.get("as_of_date") or "n/a")),
        ("Model version", str(kpis.get("model_version") or "n/a")),
        ("Customers", int(kpis["customers"])),
        ("Active customers", int(kpis["active_customers"])),
        ("Segments", int(kpis["segments"])),
        ("Net revenue", float(kpis["net_revenue"])),
        ("Marts used", ", ".join(data.used_marts) or "none (derived from the model tables)"),
        ("Segment 0", f"{data.inactive['segment_name']}: {data.inactive['description']}"),
        (
            "Net revenue means",
            "purchases minus returns minus discounts, over each customer's history",
        ),
    ]
    for sheet, key in PIVOT_SHEETS.items():
        summary = data.summaries.get(key)
        if summary is not None and summary.empty:
            rows.append(("Note", f"{sheet} is empty: the input data has no {key} information."))
    if len(data.customers) > MAX_ROWS:
        rows.append(("Warning", f"Customers sheet cut at Excel's {MAX_ROWS:,} rows"))
    return pd.DataFrame(rows, columns=["item", "value"]).astype({"value": object})


def write_workbook(
    data: ReportData, path: Path, currency: str = "", log: StepLog | None = None
) -> Path:
    """Write the workbook; the file's creation date is the as-of date, so reruns on the
    same data give the same content. ``log`` notes each sheet as it is written (the
    Customers sheet of a large customer base takes a while: about 10 s per 100,000 rows)."""
    log = log or StepLog(quiet=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    as_of = data.kpis.get("as_of_date")
    created = dt.datetime.combine(as_of, dt.time()) if as_of else dt.datetime(2000, 1, 1)
    workbook.set_properties(
        {"title": "Customer segments", "created": created, "comments": data.source}
    )
    formats = _formats(workbook, currency)
    customers = customer_table(data)
    log.note(f"Customers: {len(customers):,} rows")
    write_sheet(workbook, "Customers", customers, formats)
    profiles = profile_table(data, currency)
    log.note(f"Segment profiles: {len(profiles):,} rows")
    wrap = ("description", "recommended_campaign", "traits")
    write_sheet(workbook, "Segment profiles", profiles, formats, wrap_columns=wrap)
    for sheet, key in PIVOT_SHEETS.items():
        summary = data.summaries.get(key)
        if summary is not None:
            log.note(f"{sheet}: {len(summary):,} rows")
            write_sheet(workbook, sheet, summary, formats)
    about = workbook.add_worksheet("About")
    about.set_column(0, 0, 22, formats["header"])
    about.set_column(1, 1, 90, formats["wrap"])
    for row, (item, value) in enumerate(about_table(data).itertuples(index=False)):
        about.write(row, 0, item)
        about.write(row, 1, value)
    workbook.close()
    return path


def _rounded(frame: pd.DataFrame) -> pd.DataFrame:
    """Float columns rounded to CSV_DECIMALS, so the files do not show float noise."""
    floats = frame.select_dtypes("float").columns
    return frame.assign(**{column: frame[column].round(CSV_DECIMALS) for column in floats})


def write_csvs(data: ReportData, directory: Path, currency: str = "") -> list[Path]:
    """segment_profiles.csv (one row per segment, with traits) and the z-scores behind the
    heatmap; UTF-8, comma-separated, ISO dates."""
    directory.mkdir(parents=True, exist_ok=True)
    profiles = directory / PROFILES_CSV
    _rounded(profile_table(data, currency)).to_csv(profiles, index=False)
    zscores = directory / ZSCORES_CSV
    _rounded(zscore_table(data)).to_csv(zscores, index=False)
    return [profiles, zscores]
