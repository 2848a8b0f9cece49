"""The Excel workbook read back with openpyxl, and the CSV exports of the profiles."""

from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import load_workbook

from segments.report.export import (
    PROFILES_CSV,
    ZSCORES_CSV,
    column_kind,
    header_label,
    movement_table,
    write_csvs,
    write_workbook,
)
from segments.report.html import movement_rows


@pytest.fixture(scope="module")
def workbook(report_data, tmp_path_factory):
    path = write_workbook(report_data, tmp_path_factory.mktemp("xlsx") / "segments.xlsx", "EUR")
    return load_workbook(path)


def headers(sheet) -> list[str]:
    return [cell.value for cell in sheet[1]]


def column(sheet, header: str) -> list:
    index = headers(sheet).index(header)
    return [row[index] for row in sheet.iter_rows(min_row=2, values_only=True)]


def test_sheet_names(workbook):
    # Only the country summary exists in the tiny warehouse: no empty category/month sheets;
    # Movement is always there (it says why when nobody moved).
    assert workbook.sheetnames == [
        "Customers",
        "Segment profiles",
        "By country",
        "Movement",
        "About",
    ]


def test_every_table_sheet_has_a_frozen_filtered_header(workbook):
    for name in ("Customers", "Segment profiles", "By country"):
        sheet = workbook[name]
        assert sheet.freeze_panes == "A2", name
        last = sheet.cell(sheet.max_row, sheet.max_column).coordinate
        assert sheet.auto_filter.ref == f"A1:{last}", name
        assert all(headers(sheet)), name
        assert sheet[1][0].font.bold, name


def test_row_counts_equal_the_source_tables(workbook, report_data):
    assert workbook["Customers"].max_row - 1 == len(report_data.customers)
    assert workbook["Segment profiles"].max_row - 1 == len(report_data.profiles)
    assert workbook["By country"].max_row - 1 == len(report_data.summaries["country"])


def test_customers_sheet_headers_and_values(workbook):
    sheet = workbook["Customers"]
    assert headers(sheet)[:4] == ["Customer ID", "Segment ID", "Segment", "Active"]
    assert "Net revenue" in headers(sheet)
    assert column(sheet, "Customer ID") == sorted(column(sheet, "Customer ID"))
    segment = dict(zip(column(sheet, "Customer ID"), column(sheet, "Segment"), strict=True))
    assert segment["C01"] == "Premium Loyalists"
    assert segment["C09"] == "Inactive customers"


def test_number_formats(workbook):
    sheet = workbook["Customers"]
    row = {header: cell for header, cell in zip(headers(sheet), sheet[2], strict=True)}
    assert row["Net revenue"].number_format == '#,##0.00 "EUR"'
    assert row["Return rate"].number_format == "0.0%"
    assert row["Orders"].number_format == "#,##0"
    assert row["As-of date"].number_format == "yyyy-mm-dd"
    profiles = workbook["Segment profiles"]
    row = {header: cell for header, cell in zip(headers(profiles), profiles[3], strict=True)}
    assert row["Share of customers"].number_format == "0.0%"
    assert row["Customers"].number_format == "#,##0"
    assert row["Orders (average)"].number_format == "#,##0.00"


def test_columns_are_wide_enough_for_their_headers(workbook):
    sheet = workbook["Segment profiles"]
    widths = {}  # openpyxl keeps a run of equal columns as one dimension (min..max)
    for dimension in sheet.column_dimensions.values():
        for index in range(dimension.min, dimension.max + 1):
            widths[index] = dimension.width
    for index, header in enumerate(headers(sheet), start=1):
        assert widths[index] >= min(len(header) * 0.9, 60), header


def test_profiles_sheet_has_traits_in_words(workbook):
    traits = dict(
        zip(
            column(workbook["Segment profiles"], "Segment"),
            column(workbook["Segment profiles"], "Traits (plain words)"),
            strict=True,
        )
    )
    assert traits["Premium Loyalists"].startswith("buys often (24 orders to date")
    assert "spends little" in traits["Infrequent Buyers"]
    assert traits["Inactive customers"] is None


def test_csv_exports(report_data, tmp_path):
    paths = write_csvs(report_data, tmp_path)
    assert [path.name for path in paths] == [PROFILES_CSV, ZSCORES_CSV]
    profiles = pd.read_csv(tmp_path / PROFILES_CSV)
    assert len(profiles) == len(report_data.profiles)
    assert profiles["customer_count"].sum() == len(report_data.customers)
    assert {"segment_id", "segment_name", "customer_share", "revenue_share", "traits"} <= set(
        profiles.columns
    )
    zscores = pd.read_csv(tmp_path / ZSCORES_CSV)
    assert len(zscores) == report_data.zscores.size
    assert set(zscores["segment_id"]) == {1, 2}


@pytest.mark.parametrize(
    ("name", "values", "kind"),
    [
        ("net_revenue", [1.5, 2.0], "money"),
        ("customer_share", [0.1], "percent"),
        ("return_rate_mean", [0.1], "percent"),
        ("order_count", [1.0, 2.0], "integer"),
        ("order_count_mean", [1.0, 2.0], "decimal"),
        ("segment_name", ["a"], "text"),
        ("is_active", [True], "bool"),
        ("segment_since", pd.to_datetime(["2025-01-01"]), "date"),
        ("updated_at", pd.to_datetime(["2025-01-01 10:30"]), "datetime"),
    ],
)
def test_column_kind(name, values, kind):
    assert column_kind(name, pd.Series(values)) == kind


def test_header_labels():
    assert header_label("customer_count") == "Customers"
    assert header_label("net_revenue_median") == "Net revenue (median)"
    assert header_label("segment_country_id") == "Segment country id"


def test_missing_values_are_blank_cells(report_data, tmp_path):
    customers = report_data.customers.copy()
    customers["country"] = customers["country"].astype("string")
    customers.loc[0, "country"] = pd.NA
    customers["order_count"] = customers["order_count"].astype("Int64")
    customers.loc[1, "order_count"] = pd.NA
    customers.loc[2, "net_revenue"] = float("inf")
    changed = type(report_data)(**{**report_data.__dict__, "customers": customers})
    sheet = load_workbook(write_workbook(changed, tmp_path / "x.xlsx"))["Customers"]
    assert column(sheet, "Country")[0] is None
    assert column(sheet, "Orders")[1] is None
    assert column(sheet, "Net revenue")[2] is None


def test_an_empty_summary_keeps_its_sheet_and_says_why(report_data, tmp_path):
    empty = report_data.summaries["country"].iloc[0:0]
    changed = type(report_data)(**{**report_data.__dict__, "summaries": {"country": empty}})
    book = load_workbook(write_workbook(changed, tmp_path / "x.xlsx"))
    sheet = book["By country"]
    assert sheet.max_row == 1
    assert sheet["A1"].value.startswith("No rows: the input has no country")
    notes = [row[1] for row in book["About"].iter_rows(values_only=True) if row[0] == "Note"]
    assert len(notes) == 1
    assert notes[0].startswith("By country is empty: the input has no country")


def test_about_sheet_describes_the_customer_map_axes(workbook):
    about = dict(workbook["About"].iter_rows(values_only=True))
    assert about["Customer map, horizontal axis"] == (
        "Principal component 1 (70% of spread): net revenue +0.62, orders +0.58, days since "
        "last order \u22120.52"
    )
    assert about["Customer map, vertical axis"] == (
        "Principal component 2 (20% of spread): days since last order +0.80, orders +0.55"
    )


def test_movement_counts_the_latest_builds_moves_and_their_net_revenue(report_data, tmp_path):
    """Hand-worked: of five change rows, one is a first assignment and one an older move;
    the latest build moved C05 (60) and C06 (40) from 1 to 2, and C08 (20) from 2 to 0."""
    latest, earlier = pd.Timestamp("2025-12-31"), pd.Timestamp("2025-11-30")
    changes = pd.DataFrame(
        {
            "customer_id": ["C01", "C05", "C06", "C07", "C08"],
            "from_segment_id": [None, 1, 1, 2, 2],
            "to_segment_id": [1, 2, 2, 1, 0],
            "is_first_assignment": [True, False, False, False, False],
            "changed_at": [earlier, latest, latest, earlier, latest],
        }
    )
    moved = type(report_data)(**{**report_data.__dict__, "changes": changes})
    flows = movement_table(moved)
    assert flows[
        ["from_segment_id", "to_segment_id", "moved_customer_count"]
    ].to_numpy().tolist() == [
        [1, 2, 2],
        [2, 0, 1],
    ]
    assert flows["moved_net_revenue"].tolist() == [100.0, 20.0]
    assert flows["to_segment_name"].tolist() == ["Infrequent Buyers", "Inactive customers"]
    rows = movement_rows(moved, "\u20ac")
    assert [(row["customers"], row["revenue"]) for row in rows] == [
        ("2", "\u20ac100"),
        ("1", "\u20ac20"),
    ]
    sheet = load_workbook(write_workbook(moved, tmp_path / "x.xlsx"))["Movement"]
    assert column(sheet, "Customers who moved") == [2, 1]
    assert column(sheet, "Their net revenue") == [100.0, 20.0]
