"""The report built from the sample warehouse and rendered in real headless Chromium: no
console errors, every chart drawn, the segment names on the page, A4 pages when printed.

Needs Chromium (`make browser` installs Debian's) and the playwright package (which drives
the system Chromium; `playwright install` is never needed). Without them the browser tests
are skipped with a message; the rest still run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from segments.report import REPORT_NAME, DuckDBWarehouse, load_report_data, write_report
from segments.report.export import WORKBOOK_NAME, write_workbook
from segments.report.html import render_report
from segments.report.revenue import DEFINITIONS, definition_sentence
from segments.report.traits import loadings_in_words

from .dbt_project_runner import PROJECT_DIR, output_root, query

pytestmark = pytest.mark.integration

#: Screenshots land here (git-ignored output/); docs/img/report.png is a copy of the top one.
ARTIFACTS = PROJECT_DIR / "output" / "test-artifacts"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CHARTS = ["sizes", "shares", "heatmap", "pca", "elbow", "quality"]
CURRENCY = "\u00a3"
#: What plotly draws for data: bars and markers as .point, the heatmap as one image.
MARKS = ".point, .hm image"
#: The browser page is as wide as the report's column plus its margins.
VIEWPORT = {"width": 860, "height": 1400}


def chromium_executable() -> str | None:
    """$CHROMIUM_PATH, else the first Chromium or Chrome on PATH."""
    if os.environ.get("CHROMIUM_PATH"):
        return os.environ["CHROMIUM_PATH"]
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def report(sample_db: Path, tmp_path_factory: pytest.TempPathFactory):
    """The report data and HTML file of the sample build, read from its serving copy (as
    `segments report` reads it), money in pounds."""
    serving = sample_db.parent / "output" / sample_db.stem / "current" / "serving.duckdb"
    with DuckDBWarehouse(serving) as warehouse:
        data = load_report_data(warehouse)
    path = write_report(data, tmp_path_factory.mktemp("report") / REPORT_NAME, CURRENCY)
    return data, path


@pytest.fixture(scope="module")
def page(report):
    """The report opened in headless Chromium, with what it logged and tried to fetch."""
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed: pip install playwright"
    )
    executable = chromium_executable()
    if executable is None:
        pytest.skip(
            "Chromium not found (looked for $CHROMIUM_PATH and "
            f"{', '.join(CHROMIUM_NAMES)}): run `make browser` to install it"
        )
    _, path = report
    log: dict[str, list[str]] = {"console": [], "errors": [], "requests": []}

    def route(request_route) -> None:
        url = request_route.request.url
        if url.startswith(("file:", "data:", "blob:", "about:")):
            request_route.continue_()
        else:  # the report must work offline: record and refuse anything else
            log["requests"].append(url)
            request_route.abort()

    with (
        tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile,
        sync_api.sync_playwright() as playwright,
    ):
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=executable,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport=VIEWPORT,
        )
        browser_page = context.new_page()
        browser_page.on(
            "console",
            lambda message: log["console"].append(f"{message.type}: {message.text}"),
        )
        browser_page.on("pageerror", lambda error: log["errors"].append(str(error)))
        browser_page.route("**/*", route)
        browser_page.goto(path.as_uri(), wait_until="load")
        browser_page.wait_for_function(
            f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {len(CHARTS)}",
            timeout=30_000,
        )
        yield browser_page, log
        context.close()


def test_report_reads_the_marts(report, sample_db):
    data, _ = report
    assert data.used_marts == [
        "customer_segments",
        "segment_profiles",
        "segment_country_summary",
        "segment_category_summary",
        "segment_monthly_summary",
    ]
    (customers,) = query(sample_db, "select count(*) from customer_segments")[0]
    assert data.kpis["customers"] == customers
    names = [name for (name,) in query(sample_db, "select segment_name from segment_profiles")]
    assert sorted(data.profiles["segment_name"]) == sorted(names)


def test_page_has_no_console_errors_and_fetches_nothing(page):
    _, log = page
    assert log["errors"] == []
    assert [m for m in log["console"] if m.startswith(("error", "warning"))] == []
    assert [m for m in log["console"] if "WARN" in m] == []  # plotly's own warnings
    assert log["requests"] == []


def test_every_chart_has_drawn(page):
    browser_page, _ = page
    charts = browser_page.evaluate(
        """MARKS => [...document.querySelectorAll('div.chart')].map(div => {
            const plot = div.querySelector('.js-plotly-plot');
            const box = plot ? plot.getBoundingClientRect() : {width: 0, height: 0};
            return {
                name: div.dataset.chart,
                svg: plot ? plot.querySelectorAll('.main-svg').length : 0,
                marks: plot ? plot.querySelectorAll(MARKS).length : 0,
                width: box.width,
                height: box.height,
            };
        })""",
        MARKS,
    )
    assert [chart["name"] for chart in charts] == CHARTS
    assert browser_page.evaluate("document.querySelectorAll('.js-plotly-plot').length") == len(
        CHARTS
    )
    for chart in charts:
        assert chart["svg"] > 0, chart
        assert chart["marks"] > 0, chart
        assert 600 <= chart["width"] <= 700, chart  # fits the A4 printable width
        assert chart["height"] > 200, chart


def test_segment_names_are_on_the_page(page, report):
    browser_page, _ = page
    data, _ = report
    text = browser_page.inner_text("body")
    for name in data.profiles["segment_name"]:
        assert name in text
    cards = browser_page.locator("article.card").count()
    assert cards == len(data.profiles)


def test_prints_to_a4_pages(page, tmp_path):
    browser_page, _ = page
    pdf = browser_page.pdf(path=str(tmp_path / "report.pdf"), format="A4", print_background=True)
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    # Overview, segments, profiles, summaries and diagnostics each start a page.
    assert pages >= 5


def test_screenshot(page):
    browser_page, _ = page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser_page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    browser_page.screenshot(path=str(ARTIFACTS / "report-top.png"))
    assert (ARTIFACTS / "report.png").stat().st_size > 50_000


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """`segments <args>` in a fresh interpreter, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "segments.cli", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_cli_reads_a_copy_read_only(sample_db, tmp_path):
    """`segments report` in its own process, read-only, as `make build` runs it."""
    copy = tmp_path / "copy.duckdb"
    shutil.copy(sample_db, copy)
    wal = sample_db.with_name(sample_db.name + ".wal")
    if wal.exists():
        shutil.copy(wal, copy.with_name(copy.name + ".wal"))
    out = tmp_path / "out"
    result = run_cli("report", "--database", str(copy), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert (out / REPORT_NAME).exists()
    assert (out / WORKBOOK_NAME).exists()
    assert "rendering the HTML report done in" in result.stderr


def test_cli_reads_the_parquet_marts(sample_db, tmp_path):
    marts = sample_db.parent / "output" / sample_db.stem / "current" / "marts"
    assert marts.is_dir(), f"no Parquet marts published next to the sample build ({marts})"
    out = tmp_path / "out"
    result = run_cli("export", "--parquet-dir", str(marts), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert (out / WORKBOOK_NAME).exists()


def _number(text: str) -> float:
    """The number a formatted cell shows: "-\u00a31,041" -> -1041, "67%" -> 0.67."""
    cleaned = text.replace(CURRENCY, "").replace(",", "").replace("\u2212", "-").strip()
    if cleaned.endswith("%"):
        return float(cleaned[:-1]) / 100
    return float(cleaned)


def test_heatmap_colours_follow_the_numbers_in_the_cells(page):
    """Read back from the drawn chart: in every row, a cell showing a larger number is never
    a cooler colour than one showing a smaller number (the colour encodes the cell)."""
    browser_page, _ = page
    trace = browser_page.evaluate(
        "() => { const t = document.getElementById('chart-heatmap').data[0];"
        " return {z: t.z, text: t.text, y: t.y}; }"
    )
    assert len(trace["z"]) >= 5
    for label, colours, texts in zip(trace["y"], trace["z"], trace["text"], strict=True):
        values = [_number(text) for text in texts]
        for i, (value_i, colour_i) in enumerate(zip(values, colours, strict=True)):
            for value_j, colour_j in list(zip(values, colours, strict=True))[i + 1 :]:
                if value_i < value_j:
                    assert colour_i <= colour_j + 1e-9, (label, texts, colours)
                elif value_i > value_j:
                    assert colour_i >= colour_j - 1e-9, (label, texts, colours)


def test_money_is_formatted_with_the_sign_before_the_currency(page, report):
    browser_page, _ = page
    text = browser_page.inner_text("body")
    assert f"{CURRENCY}-" not in text
    data, _ = report
    shown = browser_page.inner_text(".kpis")
    revenue = float(data.kpis["net_revenue"])
    assert f"{CURRENCY}{revenue:,.0f}" in shown


def test_report_names_its_shop_build_and_movement(page, sample_db):
    browser_page, _ = page
    root = sample_db.parent / "output" / sample_db.stem
    assert browser_page.inner_text("[data-shop]") == sample_db.stem
    assert browser_page.inner_text("[data-build-id]") == (root / "current").resolve().name
    # One build of this warehouse: the movement section says why it has no flows.
    assert "first build" in browser_page.inner_text("#movement")


def test_partial_last_month_is_flagged(page, report):
    browser_page, _ = page
    data, _ = report
    as_of = data.kpis["as_of_date"]
    months = browser_page.eval_on_selector_all(
        "table[data-pivot=month] tbody tr td:first-child", "cells => cells.map(c => c.innerText)"
    )
    flagged = [month for month in months if "partial" in month]
    if as_of.day == 1:
        assert flagged == []
    else:
        assert flagged == [f"{as_of:%b %Y} (partial month)"]


def test_movement_section_and_sheet_match_the_changes_table(two_builds, tmp_path):
    """Built as of 2025-12-01, then a month later into the same warehouse: customers moved.
    The report's movement table and the workbook's Movement sheet hold one row per (from, to)
    pair of the latest build's changes, with their customer count and net revenue, exactly
    as customer_segment_changes and customer_features give them."""
    database = two_builds["database"]
    expected = [
        (int(from_id), from_name, int(to_id), to_name, int(customers), float(revenue))
        for from_id, from_name, to_id, to_name, customers, revenue in query(
            database,
            "select changes.from_segment_id, max(changes.from_segment_name),"
            " changes.to_segment_id, max(changes.to_segment_name), count(*),"
            " sum(features.net_revenue)"
            " from customer_segment_changes as changes"
            " inner join customer_features as features"
            " on changes.customer_id = features.customer_id"
            " where not changes.is_first_assignment and changes.changed_at = ("
            "   select max(changed_at) from customer_segment_changes"
            "   where not is_first_assignment)"
            " group by changes.from_segment_id, changes.to_segment_id"
            " order by changes.from_segment_id, changes.to_segment_id",
        )
    ]
    assert sum(row[4] for row in expected) >= 10, "the two builds should move customers"
    serving = output_root(database) / "current" / "serving.duckdb"
    with DuckDBWarehouse(serving) as warehouse:
        data = load_report_data(warehouse)

    sheet = load_workbook(write_workbook(data, tmp_path / WORKBOOK_NAME, CURRENCY))["Movement"]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    columns = [
        "From segment ID",
        "From segment",
        "To segment ID",
        "To segment",
        "Customers who moved",
        "Their net revenue",
    ]
    workbook_rows = [tuple(row[header.index(c)] for c in columns) for row in rows[1:]]
    assert [row[:5] for row in workbook_rows] == [row[:5] for row in expected]
    for got, want in zip(workbook_rows, expected, strict=True):
        assert got[5] == pytest.approx(want[5], abs=0.005), got

    html = render_report(data, CURRENCY)
    table = re.search(r"<table class=\"movement\" data-movement>(.*?)</table>", html, re.S)
    assert table, "no movement table in the report"
    cells = [
        [
            " ".join(re.sub(r"<[^>]+>", " ", cell).split())
            for cell in re.findall(r"<td>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S)
        if "<td>" in row  # the header row has <th> cells
    ]
    assert [(c[0], c[1], int(c[2].replace(",", ""))) for c in cells] == [
        (row[1], row[3], row[4]) for row in expected
    ]
    for shown, want in zip(cells, expected, strict=True):
        assert _number(shown[3]) == pytest.approx(want[5], abs=0.5 if abs(want[5]) >= 10 else 0.005)


def test_customer_map_axes_are_described_by_their_top_loadings(page, sample_db):
    """Read back from the drawn chart: each axis title names the largest weights of
    segment_pca_loadings (two, and a third from 0.3), with their signs, in registry words."""
    browser_page, _ = page
    titles = browser_page.evaluate(
        "() => { const l = document.getElementById('chart-pca').layout;"
        " return [l.xaxis.title.text, l.yaxis.title.text]; }"
    )
    loadings = query(
        sample_db,
        "select feature_name, pc1_loading, pc2_loading from segmentation.segment_pca_loadings"
        " order by feature_position",
    )
    for number, title in enumerate(titles, start=1):
        ranked = [(row[0], row[number]) for row in sorted(loadings, key=lambda r: -abs(r[number]))]
        top = ranked[:2] + [item for item in ranked[2:3] if abs(item[1]) >= 0.3]
        assert title.startswith(f"Principal component {number} ("), title
        assert title.endswith(":<br>" + loadings_in_words(top)), title
    shown = browser_page.eval_on_selector_all(
        "[data-pca-axis]", "spans => spans.map(s => s.innerText)"
    )
    assert shown == [title.split("<br>")[1] for title in titles]


def test_each_page_states_its_revenue_definition(page):
    """Read back from the page: every section with money says which definition its money is,
    and a figure of another definition in it carries that definition's words."""
    browser_page, _ = page
    sections = browser_page.evaluate(
        """() => [...document.querySelectorAll('section[data-revenue]')].map(s => ({
            id: s.id,
            key: s.dataset.revenue,
            statements: [...s.querySelectorAll('[data-revenue-definition]')].map(
                e => [e.dataset.revenueDefinition, e.innerText]),
            others: [...s.querySelectorAll('[data-revenue]')]
                .filter(e => e.dataset.revenue !== s.dataset.revenue)
                .map(e => [e.dataset.revenue, e.innerText]),
        }))"""
    )
    assert [s["id"] for s in sections] == [
        "overview",
        "segments",
        "profiles",
        "summaries",
        "movement",
        "backtest",
    ]
    for section in sections:
        definition = DEFINITIONS[section["key"]]
        assert section["statements"] == [
            [section["key"], definition_sentence(definition, CURRENCY)]
        ], section["id"]
        for key, text in section["others"]:
            assert DEFINITIONS[key].qualifier in text, (section["id"], text)
    others = {key for section in sections for key, _ in section["others"]}
    assert others == {"spend"}  # category table, top categories, order values


def test_cards_return_rates_are_the_marts(page, report):
    """A card that shows return rates shows the mart's: the average customer's is
    return_rate_mean, the segment total return_rate (segment_profiles)."""
    browser_page, _ = page
    data, _ = report
    shown = browser_page.evaluate(
        """() => [...document.querySelectorAll('article.card')].map(card => [
            card.dataset.segmentId,
            [...card.querySelectorAll('[data-return-rate]')].map(
                e => [e.dataset.returnRate, e.innerText])])"""
    )
    profiles = data.profiles.set_index("segment_id")
    for segment_id, rates in shown:
        row = profiles.loc[int(segment_id)]
        differ = abs(row["return_rate"] - row["return_rate_mean"]) >= 0.05
        assert bool(rates) == differ, (segment_id, rates)
        for which, text in rates:
            column = "return_rate_mean" if which == "average customer" else "return_rate"
            assert _number(text) == pytest.approx(row[column], abs=0.005), (segment_id, which)
