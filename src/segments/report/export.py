"""The Excel workbook and the CSV exports of the segment profiles: what each sheet holds.

Workbook sheets: Customers (the master customer table), Segment profiles, By country,
By category, By month (the long pivots as their marts have them), Movement and About. How a
table is written to a sheet (headers, number formats, widths, frozen filtered header) is
``segments.report.sheets``; its names are re-exported here for existing callers.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import xlsxwriter

from segments.report.data import ReportData
from segments.report.progress import StepLog
from segments.report.revenue import NET_REVENUE, PURCHASES, RETURN_RATES, SPEND
from segments.report.sheets import (
    HEADER_LABELS,
    MAX_ROWS,
    cell_formats,
    column_kind,
    header_label,
    write_note_sheet,
    write_sheet,
)
from segments.report.traits import (
    STABILITY_SHORT,
    component_title,
    inactive_reason_in_words,
    segment_traits,
)

__all__ = [
    "HEADER_LABELS",
    "MAX_ROWS",
    "PROFILES_CSV",
    "WORKBOOK_NAME",
    "ZSCORES_CSV",
    "about_table",
    "cell_formats",
    "column_kind",
    "customer_table",
    "header_label",
    "movement_table",
    "partial_month",
    "pivot_table",
    "profile_table",
    "write_csvs",
    "write_note_sheet",
    "write_sheet",
    "write_workbook",
    "zscore_table",
]

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
#: Headers that differ by sheet: money columns named by their revenue definition
#: (segments.report.revenue), and the two return rates told apart.
PROFILE_LABELS = {
    "net_revenue": "Net revenue",
    "purchased_amount": PURCHASES.name.capitalize(),
    "returned_amount": "Returned goods (value)",
    **{column: label for column, (label, _) in RETURN_RATES.items()},
}
PIVOT_LABELS = {
    "country": {
        "net_revenue": "Net revenue",
        "segment_revenue_share": "Share of the segment's net revenue",
    },
    "category": {
        "purchased_amount": SPEND.name.capitalize(),
        "segment_spend_share": f"Share of the segment's {SPEND.name}",
    },
    "month": {
        "net_revenue": "Net revenue in the month",
        "month_revenue_share": "Share of the month's net revenue",
    },
}
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
    ]
    rows += [
        (f"{revenue.name.capitalize()} means", revenue.meaning)
        for revenue in (NET_REVENUE, SPEND, PURCHASES)
    ]
    rows += [(f"{label} means", meaning) for label, meaning in RETURN_RATES.values()]
    if data.pca_loadings is not None and not data.pca_loadings.empty:
        for number, axis in ((1, "horizontal"), (2, "vertical")):
            rows.append(
                (
                    f"Customer map, {axis} axis",
                    component_title(data.validation, data.pca_loadings, number),
                )
            )
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
    formats = cell_formats(workbook, currency)
    customers = customer_table(data)
    log.note(f"Customers: {len(customers):,} rows")
    write_sheet(workbook, "Customers", customers, formats)
    profiles = profile_table(data, currency)
    log.note(f"Segment profiles: {len(profiles):,} rows")
    wrap = ("description", "recommended_campaign", "traits")
    write_sheet(
        workbook, "Segment profiles", profiles, formats, wrap_columns=wrap, labels=PROFILE_LABELS
    )
    for sheet, key in PIVOT_SHEETS.items():
        summary = data.summaries.get(key)
        if summary is None:
            continue
        log.note(f"{sheet}: {len(summary):,} rows")
        if summary.empty:
            write_note_sheet(workbook, sheet, f"No rows: {EMPTY_REASONS[key]}", formats)
        else:
            table = pivot_table(data, key)
            write_sheet(workbook, sheet, table, formats, labels=PIVOT_LABELS[key])
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
