"""Dirty input never builds wrong segments silently; every refusal is one readable message.

Each class of docs/data_quality.md has a small file made here. A dirty build is compared with
the clean sample build (the session fixture): the same customers, the same revenue, the same
window, with the dirty lines rejected under their own reasons.
"""

from __future__ import annotations

import gzip
import re
import subprocess
import sys
import time

import pytest
import yaml

from .dbt_project_runner import (
    PROJECT_DIR,
    execute,
    failure_text,
    invoke_dbt,
    query,
    run_dbt,
    scalar,
)

pytestmark = pytest.mark.integration

SAMPLE_LINES = PROJECT_DIR / "seeds" / "sample" / "order_lines.csv.gz"
HEADER = (
    "order_id,customer_id,ordered_at,product_id,category,quantity,unit_price,"
    "discount_amount,country"
)


def sample_text() -> str:
    with gzip.open(SAMPLE_LINES, "rt") as handle:
        return handle.read()


def three_customer_lines() -> list[str]:
    """The sample's lines of three customers, header first."""
    lines = sample_text().splitlines()
    return [lines[0]] + [
        line for line in lines[1:] if line.split(",")[1] in ("C00001", "C00002", "C00003")
    ]


def assert_one_readable_message(output: str, expected: str) -> None:
    assert expected in output, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    assert output.count(expected) == 1, output[-3000:]


# ------------------------------------------------------------------ vars reach SQL only checked


def test_every_project_var_has_a_rule():
    """validate_vars checks the vars it has rules for: every var of dbt_project.yml has one."""
    project_vars = set(yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"])
    rules_text = (PROJECT_DIR / "macros" / "validate_vars.sql").read_text()
    rules = set(re.findall(r"^ {8}'([a-z_]+)': \{'kind'", rules_text, flags=re.MULTILINE))
    assert project_vars == rules


@pytest.mark.parametrize(
    ("var_name", "value", "expected"),
    [
        (
            "as_of_date",
            "2011-01-01' as date); drop table main.customer_segments; --",
            "Invalid var as_of_date: got '2011-01-01' as date); drop table",
        ),
        ("as_of_date", "2011-02-30", "Invalid var as_of_date: got '2011-02-30'"),
        ("raw_schema", "raw; drop schema main", "Invalid var raw_schema"),
        ("segment_random_state", "42'); drop table x; --", "Invalid var segment_random_state"),
        ("top_category_count", -1, "expected an integer >= 0 and <= 50"),
        (
            "frequent_returner_min_return_rate",
            1.5,
            "Invalid var frequent_returner_min_return_rate: got 1.5, expected a number >= 0.01"
            " and <= 1",
        ),
    ],
)
def test_bad_var_is_refused_before_any_sql(tmp_path, capfd, var_name, value, expected):
    database = tmp_path / "db.duckdb"
    result = invoke_dbt(["build"], database, vars={var_name: value})
    output = capfd.readouterr().out
    assert not result.success
    assert expected in failure_text(result)
    assert "Traceback" not in output
    # Refused while parsing: no table was created, nothing ran.
    if database.exists():
        assert scalar(database, "select count(*) from duckdb_tables()") == 0


# ------------------------------------------------------- dates, ragged rows, absurd amounts, ids


@pytest.fixture(scope="module")
def dirty_build(tmp_path_factory, sample_db):
    """The sample plus one line of each dirty class, built once; its output captured."""
    folder = tmp_path_factory.mktemp("dirty")
    dirty = [
        # A mistyped year far in the future (after the load date): future_dated.
        "O9999901,C00001,2999-01-01 10:00:00,P00298,Home,1,46.99,0.00,United Kingdom",
        # 2026 for 2025: before the load date, but cut off from the bulk (ends 2025-12-30).
        "O9999902,C00002,2026-06-15 10:00:00,P00298,Home,1,46.99,0.00,United Kingdom",
        # Absurd quantity x price: would overflow DECIMAL(38) in the reconciliation.
        "O9999903,C00003,2025-06-01 10:00:00,P00298,Home,1000000000000000,1000000000000000,0,UK",
        # A short (ragged) row: padded with nulls, rejected for its missing product.
        "O9999904,C00004,2025-06-01 10:00:00",
    ]
    path = folder / "dirty.csv"
    path.write_text(sample_text().rstrip("\n") + "\n" + "\n".join(dirty) + "\n")
    database = folder / "dirty.duckdb"
    log = folder / "dbt_output.txt"
    result = invoke_dbt(
        ["build"], database, vars={"transactions_path": str(path), "load_date": "2026-12-01"}
    )
    log.write_text(failure_text(result))
    return database, result


def test_dirty_lines_are_rejected_with_their_reasons(dirty_build, sample_db):
    database, result = dirty_build
    assert result.success, failure_text(result)
    clean = dict(
        query(
            sample_db,
            "select rejection_reason, sum(source_line_count) from rejected_transactions group by 1",
        )
    )
    dirty = dict(
        query(
            database,
            "select rejection_reason, sum(source_line_count) from rejected_transactions group by 1",
        )
    )
    added = {reason: dirty.get(reason, 0) - clean.get(reason, 0) for reason in dirty}
    assert {reason: n for reason, n in added.items() if n} == {
        "future_dated": 1,
        "implausible_date": 1,
        "implausible_amount": 1,
        "missing_product_id": 1,
    }
    # The absurd line is kept with its raw text, its value left out of the sums.
    quantity_text, amount = query(
        database,
        "select quantity_text, line_amount from rejected_transactions"
        " where rejection_reason = 'implausible_amount'",
    )[0]
    assert quantity_text == "1000000000000000" and amount is None


def test_dirty_lines_change_no_customer_revenue_or_window(dirty_build, sample_db):
    database, _ = dirty_build
    facts = (
        "select (select as_of_date from intermediate.int_analysis_window),"
        " count(*), round(sum(net_revenue), 2), count(*) filter (where is_active)"
        " from customer_features"
    )
    assert query(database, facts) == query(sample_db, facts)
    window = query(
        database,
        "select as_of_date_rule, future_dated_line_count, implausible_date_line_count"
        " from intermediate.int_analysis_window",
    )[0]
    assert window == ("the day after the last accepted order line", 1, 1)
    assert scalar(
        database, "select count(*) from customer_segments where customer_id = 'C00004'"
    ) == (scalar(sample_db, "select count(*) from customer_segments where customer_id = 'C00004'"))


def test_dirty_file_reconciles(dirty_build):
    database, _ = dirty_build
    raw_lines = len(sample_text().rstrip("\n").splitlines()) - 1 + 4
    assert scalar(database, "select sum(line_count) from order_line_reconciliation") == raw_lines


# ------------------------------------------------------------- messages that stop a build


def test_date_warnings_name_the_dates_counts_and_var(tmp_path, capfd):
    """One line dated 2999 among three customers: warned about, naming the date and load_date."""
    future = "O9999901,C00001,2999-01-01 10:00:00,P00298,Home,1,46.99,0.00,United Kingdom"
    lines = [*three_customer_lines(), future]
    path = tmp_path / "future.csv"
    path.write_text("\n".join(lines) + "\n")
    result = invoke_dbt(
        ["run", "--select", "+int_analysis_window"],
        tmp_path / "db.duckdb",
        vars={"transactions_path": str(path), "load_date": "2026-01-31"},
    )
    output = capfd.readouterr().out
    assert result.success, failure_text(result)
    assert_one_readable_message(
        output,
        "1 order line(s) rejected as future_dated, dated 2999-01-01 (1 line): after load_date"
        " 2026-01-31. If the data was loaded later than the build, set var load_date.",
    )
    assert "Analysis window: as_of_date 2025-12-07 (the day after the last accepted order line" in (
        output
    )


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (
            [
                "O1,C1,31.12.2025 10:00,P1,Home,1,5.00,0,UK",
                "O2,C2,32.12.2025 10:00,P1,Home,1,5.00,0,UK",
            ],
            "No order line was accepted from file '{path}': every line was rejected"
            " (unparseable_ordered_at: 2 line(s), e.g. ordered_at '31.12.2025 10:00')",
        ),
        ([], "No order line was accepted from file '{path}': it has no lines"),
    ],
)
def test_file_with_no_acceptable_line_stops_with_one_message(tmp_path, capfd, rows, expected):
    path = tmp_path / "lines.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    result = invoke_dbt(["build"], tmp_path / "db.duckdb", vars={"transactions_path": str(path)})
    output = capfd.readouterr().out
    assert not result.success
    assert expected.format(path=path) in failure_text(result)
    assert "Traceback" not in output


def test_as_of_date_before_the_data_names_the_dates(tmp_path):
    path = tmp_path / "three.csv"
    path.write_text("\n".join(three_customer_lines()) + "\n")
    result = invoke_dbt(
        ["build"],
        tmp_path / "db.duckdb",
        vars={"transactions_path": str(path), "as_of_date": "2001-01-01"},
    )
    assert not result.success
    assert (
        "as_of_date=2001-01-01 (var) is on or before the first accepted order line (2024-03-21):"
        " none of the 49 accepted lines is in the window. Set var as_of_date after 2024-03-21"
    ) in failure_text(result)


def test_segmentation_error_has_no_traceback(tmp_path, capfd):
    path = tmp_path / "three.csv"
    path.write_text("\n".join(three_customer_lines()) + "\n")
    result = invoke_dbt(["build"], tmp_path / "db.duckdb", vars={"transactions_path": str(path)})
    output = capfd.readouterr().out
    assert not result.success
    assert_one_readable_message(
        output, "SegmentationInputError: Only 3 eligible customers, but fitting k >= 3"
    )
    assert "pipeline.py" not in output


def test_locked_warehouse_is_one_message(tmp_path, capfd):
    database = tmp_path / "locked.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ready', flush=True);"
            " time.sleep(120)",
            str(database),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        started = time.monotonic()
        result = invoke_dbt(["build"], database)
        output = capfd.readouterr().out
    finally:
        holder.kill()
        holder.wait()
    assert not result.success
    assert time.monotonic() - started < 120
    assert_one_readable_message(output, f"The warehouse {database} is locked by ")
    assert f"(PID {holder.pid})" in output
    assert "close that program" in output


def test_order_id_shared_by_two_customers_is_reported(tmp_path, capfd):
    lines = three_customer_lines()
    first_order = lines[1].split(",")
    other = "C00003" if first_order[1] != "C00003" else "C00001"
    shared = ",".join([first_order[0], other, *first_order[2:]])
    path = tmp_path / "shared.csv"
    path.write_text("\n".join([*lines, shared]) + "\n")
    database = tmp_path / "db.duckdb"
    run_dbt(
        ["build", "--select", "+order_id_conflicts", "+order_line_reconciliation"],
        database,
        vars={"transactions_path": str(path)},
    )
    output = capfd.readouterr().out
    assert query(
        database,
        "select order_id, first_customer_id, last_customer_id, customer_count"
        " from order_id_conflicts",
    ) == [(first_order[0], *sorted([first_order[1], other]), 2)]
    assert "Warning in test assert_order_ids_have_one_customer" in output
    # Both customers keep the line: it is accepted, not rejected.
    accepted = query(
        database,
        "select customer_id from intermediate.int_order_lines_accepted"
        f" where order_id = '{first_order[0]}' and product_id = '{first_order[3]}' order by 1",
    )
    assert accepted == [(customer,) for customer in sorted([first_order[1], other])]


# ---------------------------------------------- null markers, ids, optional values, time zones


NORMALISED_LINES = "\n".join(
    [
        HEADER + ",is_return",
        "O1,10001,2025-01-10 10:00:00,P1,Home,1,10.00,,UK,",
        "O2,10001.0,2025-02-10 10:00:00,P1,Home,1,20.00,,UK,",
        'O3,"\t10001\u00a0",2025-02-11 10:00:00,P1,Home,1,30.00,,UK,',
        "O4, 10002 ,2025-01-05 10:00:00,P1,Home,2,5.00,0.50,UK,no",
        # Null markers: missing customers, not four customers called NULL, nan, None, N/A.
        "O5,N/A,2025-01-05 10:00:00,P1,Home,1,5.00,,UK,",
        "O6,NULL,2025-01-05 10:00:00,P1,Home,1,5.00,,UK,",
        "O7,nan,2025-01-05 10:00:00,P1,Home,1,5.00,,UK,",
        "O8,None,2025-01-05 10:00:00,P1,Home,1,5.00,,UK,",
        # An offset: 23:30 at -02:00 is 01:30 the next day in UTC.
        "O9,10002,2025-03-01T23:30:00-02:00,P1,Home,1,7.00,,UK,",
        # Optional values given but unreadable: rejected, never "no discount" or "a sale".
        "O10,10003,2025-03-01 10:00:00,P1,Home,1,5.00,abc,UK,",
        'O11,10003,2025-03-01 10:00:00,P1,Home,1,5.00,"5,00",UK,',
        "O12,10003,2025-03-01 10:00:00,P1,Home,1,5.00,,UK,returned",
        # A readable return flag on a positive quantity: returned goods.
        "O13,10003,2025-03-02 10:00:00,P1,Home,1,5.00,N/A,UK,yes",
        "O14,10003,2025-03-02 11:00:00,P1,Home,3,5.00,-,UK,false",
    ]
)


@pytest.fixture(scope="module")
def normalised_build(tmp_path_factory):
    folder = tmp_path_factory.mktemp("normalised")
    path = folder / "lines.csv"
    path.write_text(NORMALISED_LINES + "\n")
    database = folder / "db.duckdb"
    run_dbt(
        ["run", "--select", "+customer_features", "+rejected_transactions"],
        database,
        vars={"transactions_path": str(path), "load_date": "2026-01-01"},
    )
    return database


def test_null_markers_and_unreadable_optional_values_are_rejected(normalised_build):
    rejected = query(
        normalised_build,
        "select order_id, rejection_reason from rejected_transactions order by order_id",
    )
    assert rejected == [
        ("O10", "unparseable_discount_amount"),
        ("O11", "unparseable_discount_amount"),
        ("O12", "unparseable_is_return"),
        ("O5", "missing_customer_id"),
        ("O6", "missing_customer_id"),
        ("O7", "missing_customer_id"),
        ("O8", "missing_customer_id"),
    ]
    # The raw text is kept to explain the rejection.
    assert scalar(
        normalised_build,
        "select discount_amount_text from rejected_transactions where order_id = 'O11'",
    ) == ("5,00")


def test_one_customer_stays_one_customer(normalised_build):
    rows = query(
        normalised_build,
        "select customer_id, order_count, net_revenue from customer_features order by 1",
    )
    # 10001: 10 + 20 + 30 (three spellings of one id); 10002: 2 x 5 - 0.50 discount, + 7;
    # 10003: a return of 5 and a sale of 15.
    assert rows == [("10001", 3, 60), ("10002", 2, 16.5), ("10003", 1, 10)]


def test_offsets_are_converted_to_the_time_zone(normalised_build):
    assert scalar(
        normalised_build,
        "select cast(ordered_at as varchar) from intermediate.int_order_lines_accepted"
        " where order_id = 'O9'",
    ) == ("2025-03-02 01:30:00")


def test_parquet_double_customer_id_is_the_same_customer(tmp_path):
    path = tmp_path / "lines.parquet"
    execute(
        tmp_path / "make.duckdb",
        "copy (select * from (values"
        " ('O1', 10001.0::double, timestamp '2025-01-10 10:00:00', 'P1', 1, 10.0),"
        " ('O2', 10001.0::double, timestamp '2025-01-11 10:00:00', 'P1', 1, 10.0))"
        " as lines(order_id, customer_id, ordered_at, product_id, quantity, unit_price))"
        f" to '{path}' (format parquet)",
    )
    database = tmp_path / "db.duckdb"
    run_dbt(
        ["run", "--select", "stg_shop__order_lines"],
        database,
        vars={"transactions_path": str(path)},
    )
    assert query(database, "select distinct customer_id from staging.stg_shop__order_lines") == [
        ("10001",)
    ]


def test_lines_differing_only_outside_the_contract_are_two_lines(tmp_path):
    """A column the contract does not know (warehouse) tells two lines apart; a whole-row copy
    is still an exact duplicate."""
    path = tmp_path / "lines.csv"
    path.write_text(
        "\n".join(
            [
                HEADER + ",warehouse",
                "O1,C1,2025-01-10 10:00:00,P1,Home,1,10.00,,UK,north",
                "O1,C1,2025-01-10 10:00:00,P1,Home,1,10.00,,UK,south",
                "O1,C1,2025-01-10 10:00:00,P1,Home,1,10.00,,UK,south",
            ]
        )
        + "\n"
    )
    database = tmp_path / "db.duckdb"
    run_dbt(
        ["run", "--select", "+order_line_reconciliation"],
        database,
        vars={"transactions_path": str(path), "load_date": "2026-01-01"},
    )
    outcomes = query(
        database,
        "select outcome, line_count, line_amount from order_line_reconciliation"
        " where line_count > 0 order by 1",
    )
    assert outcomes == [("accepted", 2, 20), ("duplicate", 1, 10)]
