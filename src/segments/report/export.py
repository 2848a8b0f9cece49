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
from segments.report.traits import (
    FEATURES,
    STABILITY_SHORT,
    inactive_reason_in_words,
    segment_traits,
)

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
#: Summary key -> its dimension column (sorted after the segment).
PIVOT_DIMENSIONS = {"country": "country", "category": "category", "month": "month_start_date"}
#: Why a summary sheet is empty, in words.
EMPTY_REASONS = {
    "country": "the input has no country (neither on the order lines nor in the customers "
    "file), so customers cannot be split by country.",
    "category": "the input has no product category column (UCI Online Retail has none), so "
    "spend cannot be split by category.",
    "month": "no customer in a segment bought anything in the analysis window.",
}
#: Columns never shown: composite keys (the segment and dimension are their own columns)
#: and the publishing stamp (the About sheet names the build).
HIDDEN_COLUMNS = (
    "segment_country_id",
    "segment_category_id",
    "segment_month_id",
    "segment_change_id",
    "build_id",
)
#: Customers sheet: these columns first (when present), then the profile features.
CUSTOMER_COLUMNS = (
    "customer_id",
    "segment_id",
    "segment_name",
    "is_active",
    "inactive_reason",
    "is_frequent_returner",
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


def write_note_sheet(
    workbook: xlsxwriter.Workbook, name: str, note: str, formats: dict[str, object]
) -> None:
    """A sheet that has no rows says why, in its first cell."""
    sheet = workbook.add_worksheet(name)
    sheet.set_column(0, 0, 100, formats["wrap"])
    sheet.write(0, 0, note)


def customer_table(data: ReportData) -> pd.DataFrame:
    """The Customers sheet: ids, segment, country, key features, dates; one row per customer."""
    customers = data.customers
    ordered = [
        *(c for c in CUSTOMER_COLUMNS if c in customers.columns),
        *(c for c in data.features if c in customers.columns),
        *(c for c in CUSTOMER_TRAILING_COLUMNS if c in customers.columns),
    ]
    ordered = list(dict.fromkeys(ordered))
    table = customers[ordered].sort_values("customer_id", kind="stable").reset_index(drop=True)
    if "inactive_reason" in table.columns:
        table["inactive_reason"] = table["inactive_reason"].map(inactive_reason_in_words)
    return table


def pivot_table(data: ReportData, key: str) -> pd.DataFrame:
    """A By ... sheet: sorted by segment then dimension, the composite key left out (segment
    and dimension are their own columns); By month flags a partial last month."""
    summary = data.summaries[key]
    table = summary.drop(columns=[c for c in HIDDEN_COLUMNS if c in summary.columns])
    dimension = PIVOT_DIMENSIONS[key]
    order = [c for c in ("segment_id", dimension) if c in table.columns]
    table = table.sort_values(order, kind="stable").reset_index(drop=True)
    if key == "month" and dimension in table.columns:
        partial = partial_month(data.kpis.get("as_of_date"))
        months = pd.to_datetime(table[dimension])
        table["is_partial_month"] = months == partial if partial is not None else False
    return table


def partial_month(as_of: object) -> pd.Timestamp | None:
    """The first day of the month the analysis window ends in, when the window ends inside
    it (as_of_date is exclusive: an as-of date on the 1st closes a whole month)."""
    if as_of is None or pd.isna(as_of):
        return None
    as_of = pd.Timestamp(as_of)
    if as_of.day == 1:
        return None
    return as_of.replace(day=1)


def movement_table(data: ReportData) -> pd.DataFrame:
    """Segment-to-segment flows since the previous build: one row per (from, to) pair, with
    the customers who moved and their net revenue. Empty when this is the first build."""
    columns = [
        "from_segment_id",
        "from_segment_name",
        "to_segment_id",
        "to_segment_name",
        "moved_customer_count",
        "moved_net_revenue",
        "changed_at",
    ]
    changes = data.changes
    if changes is None or changes.empty:
        return pd.DataFrame(columns=columns)
    moves = changes[~changes["is_first_assignment"].astype(bool)]
    if moves.empty:
        return pd.DataFrame(columns=columns)
    latest = moves["changed_at"].max()
    moves = moves[moves["changed_at"] == latest]
    revenue = data.customers.set_index("customer_id").get("net_revenue")
    moves = moves.assign(
        moved_net_revenue=moves["customer_id"].map(revenue) if revenue is not None else None
    )
    flows = (
        moves.groupby(["from_segment_id", "to_segment_id"], as_index=False)
        .agg(
            moved_customer_count=("customer_id", "count"),
            moved_net_revenue=("moved_net_revenue", "sum"),
            changed_at=("changed_at", "max"),
        )
        .astype({"from_segment_id": "int64", "to_segment_id": "int64"})
    )
    flows["from_segment_name"] = flows["from_segment_id"].map(data.name_of)
    flows["to_segment_name"] = flows["to_segment_id"].map(data.name_of)
    return flows[columns].sort_values(["from_segment_id", "to_segment_id"]).reset_index(drop=True)


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
    if "stability_class" in table.columns:
        table["stability_class"] = table["stability_class"].map(
            lambda value: STABILITY_SHORT.get(value, value)
        )
    return table.drop(columns=[c for c in HIDDEN_COLUMNS if c in table.columns])


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
        ("Shop", data.build.get("shop", "n/a")),
        ("Build id", data.build.get("build_id", "n/a (not a published serving copy)")),
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
            rows.append(("Note", f"{sheet} is empty: {EMPTY_REASONS[key]}"))
    partial = partial_month(kpis.get("as_of_date"))
    if partial is not None:
        rows.append(
            (
                "Partial month",
                f"{partial:%B %Y} is partial: the data runs to the day before the as-of "
                "date. Compare it with whole months with care.",
            )
        )
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
        if summary is None:
            continue
        log.note(f"{sheet}: {len(summary):,} rows")
        if summary.empty:
            write_note_sheet(workbook, sheet, f"No rows: {EMPTY_REASONS[key]}", formats)
        else:
            write_sheet(workbook, sheet, pivot_table(data, key), formats)
    movement = movement_table(data)
    log.note(f"Movement: {len(movement):,} rows")
    if movement.empty:
        write_note_sheet(
            workbook,
            "Movement",
            "No movement to show: this is the first build of this warehouse, or nobody "
            "changed segment since the previous one.",
            formats,
        )
    else:
        write_sheet(workbook, "Movement", movement, formats)
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
