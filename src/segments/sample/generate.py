"""The in-memory sample: simulated arrays as Arrow tables and frames, plus the dirty rows."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from segments.sample.personas import (
    AGE_BANDS,
    ALL_PERSONAS,
    BAD_TIMESTAMPS,
    CATEGORIES,
    COUNTRIES,
    DIRTY_FRACTIONS,
    TIMESTAMP_FORMAT,
)
from segments.sample.simulate import (
    _allocate,
    _catalogue,
    _simulate,
    _simulate_visits,
)


@dataclass
class SampleData:
    """Generated frames, as written to CSV (timestamps are ``YYYY-MM-DD HH:MM:SS`` strings)."""

    order_lines: pd.DataFrame
    customers: pd.DataFrame
    visits: pd.DataFrame
    customer_personas: pd.DataFrame
    dirty_counts: dict[str, int] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Materialisation into Arrow tables
# --------------------------------------------------------------------------------------------


def _ids(prefix: str | np.ndarray, nums: np.ndarray, width: int) -> pa.Array:
    """Prefix + zero-padded numbers as an Arrow string array, built from raw bytes.

    ``prefix`` is a string, or an array of one ASCII code per row (one-character prefixes).
    """
    nums = np.asarray(nums, dtype=np.int64)
    size = nums.size
    if size and (nums.min() < 0 or nums.max() >= 10**width):
        raise ValueError(f"ids do not fit in {width} digits")
    n_prefix = len(prefix) if isinstance(prefix, str) else 1
    row = width + n_prefix
    large = size * row >= 2**31  # beyond 32-bit offsets: use a large_string array
    buf = np.empty((size, row), dtype=np.uint8)
    if isinstance(prefix, str):
        buf[:, :n_prefix] = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    else:
        buf[:, 0] = prefix
    rest = nums.copy()
    for j in range(row - 1, n_prefix - 1, -1):
        buf[:, j] = 48 + rest % 10
        rest //= 10
    offsets = np.arange(0, size * row + 1, row, dtype=np.int64 if large else np.int32)
    array_type = pa.LargeStringArray if large else pa.StringArray
    return array_type.from_buffers(size, pa.py_buffer(offsets), pa.py_buffer(buf))


def _labels(names: tuple[str, ...] | pa.Array, codes: np.ndarray) -> pa.Array:
    if not isinstance(names, pa.Array):
        names = pa.array(names, pa.string())
    return pc.take(names, pa.array(codes, pa.int64()))


def _sort_key(columns: list[tuple[np.ndarray, int]]) -> np.ndarray | None:
    """Pack non-negative integer columns (most significant first) into one int64 key."""
    if sum(bits for _, bits in columns) > 63:
        return None
    key = np.zeros(columns[0][0].size, dtype=np.int64)
    for values, bits in columns:
        key = (key << bits) | values.astype(np.int64)
    return key


def _customer_ids(sim: dict[str, np.ndarray], customer_offset: int, width: int) -> pa.Array:
    return _ids("C", customer_offset + 1 + np.arange(sim["codes"].size), width)


def _lines_table(
    sim: dict[str, np.ndarray],
    customer_ids: pa.Array,
    order_offset: int,
    return_offset: int,
    order_width: int,
) -> tuple[pa.Table, dict[str, int]]:
    """Sale and return lines sorted by (ordered_at, order_id, product_id)."""
    cat = _catalogue()
    o_cust, o_ts, o_ret_ts = sim["o_cust"], sim["o_ts"], sim["o_ret_ts"]

    # order numbers in chronological order (ties broken by customer)
    o_num = np.empty(o_cust.size, dtype=np.int64)
    o_num[np.lexsort((o_cust, o_ts))] = np.arange(1, o_cust.size + 1)
    ret_orders = np.flatnonzero(sim["has_return"])
    r_num = np.zeros(o_cust.size, dtype=np.int64)
    r_num[ret_orders[np.lexsort((o_cust[ret_orders], o_ret_ts[ret_orders]))]] = np.arange(
        1, ret_orders.size + 1
    )

    l_order, row, qty, returned = sim["l_order"], sim["l_row"], sim["l_qty"], sim["returned"]
    r_order = l_order[returned]
    is_ret = np.r_[np.zeros(l_order.size, np.int64), np.ones(r_order.size, np.int64)]
    num = np.r_[o_num[l_order], r_num[r_order]]  # local numbers, offsets added below
    ts = np.r_[o_ts[l_order], o_ret_ts[r_order]]
    rows = np.r_[row, row[returned]]
    quantity = np.r_[qty, -qty[returned]]
    disc = np.r_[sim["l_disc"], np.zeros(r_order.size, np.int64)]
    cust = np.r_[o_cust[l_order], o_cust[r_order]]
    product_num = cat.product_num[rows]

    # sort == (ordered_at, order_id, product_id): ids are fixed width and "O" < "R"
    ts_rel = ts - (ts.min() if ts.size else 0)
    key = _sort_key(
        [
            (ts_rel, max(int(ts_rel.max(initial=0)).bit_length(), 1)),
            (is_ret, 1),
            (num, max(int(num.max(initial=0)).bit_length(), 1)),
            (product_num, int(cat.product_num.max()).bit_length()),
        ]
    )
    srt = np.argsort(key) if key is not None else np.lexsort((product_num, num, is_ret, ts))
    del key, ts_rel
    is_ret, num, ts, rows, quantity, disc, cust, product_num = (
        a[srt] for a in (is_ret, num, ts, rows, quantity, disc, cust, product_num)
    )
    ret = is_ret.astype(bool)
    num = num + np.where(ret, return_offset, order_offset)
    order_id = _ids(np.where(ret, ord("R"), ord("O")).astype(np.uint8), num, order_width)
    del ret, num, is_ret
    product_ids = _ids("P", np.arange(cat.product_num.max() + 1), 5)
    table = pa.table(
        {
            "order_id": order_id,
            "customer_id": _labels(customer_ids, cust),
            "ordered_at": pa.array(ts, pa.timestamp("s")),
            "product_id": _labels(product_ids, product_num),
            "category": _labels(CATEGORIES, cat.category[rows]),
            "quantity": pa.array(quantity, pa.int64()),
            "unit_price": pa.array(cat.price_cents[rows] / 100, pa.float64()),
            "discount_amount": pa.array(disc / 100, pa.float64()),
            "country": _labels(COUNTRIES, sim["country"][cust]),
        }
    )
    counters = {
        "orders": int(o_cust.size),
        "return_orders": int(ret_orders.size),
        "sale_lines": int(l_order.size),
        "return_lines": int(r_order.size),
        "lines": int(l_order.size + r_order.size),
    }
    return table, counters


def _customer_tables(sim: dict[str, np.ndarray], customer_ids: pa.Array) -> dict[str, pa.Table]:
    customers = pa.table(
        {
            "customer_id": customer_ids,
            "signed_up_at": pa.array(sim["signup_ts"], pa.timestamp("s")),
            "country": _labels(COUNTRIES, sim["country"]),
            "age_band": _labels(AGE_BANDS, sim["age_band"]),
            "marketing_opt_in": pa.array(sim["opt_in"], pa.bool_()),
        }
    )
    personas = pa.table(
        {"customer_id": customer_ids, "persona": _labels(ALL_PERSONAS, sim["codes"])}
    )
    return {"customers": customers, "customer_personas": personas}


def _visits_table(customer_ids: pa.Array, v_cust: np.ndarray, v_ts: np.ndarray) -> pa.Table:
    return pa.table(
        {
            "customer_id": _labels(customer_ids, v_cust),
            "visited_at": pa.array(v_ts, pa.timestamp("s")),
        }
    )


def _stringify_timestamps(table: pa.Table) -> pd.DataFrame:
    cols = {}
    for name in table.column_names:
        col = table[name]
        if pa.types.is_timestamp(col.type):
            col = pc.strftime(col, format=TIMESTAMP_FORMAT)
        cols[name] = col
    return pa.table(cols).to_pandas()


# --------------------------------------------------------------------------------------------
# Dirty rows (bundled sample only)
# --------------------------------------------------------------------------------------------


def _add_dirty_rows(
    lines: pd.DataFrame, rng: np.random.Generator, next_order_num: int, order_width: int
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Append bad lines that the pipeline must reject or de-duplicate.

    Each rejectable line is a one-line order with a fresh order id, copied from a random sale
    line of a real customer (so even its timestamp lies inside that customer's history);
    exact duplicates are byte-for-byte copies of existing sale lines.
    """
    n_clean = len(lines)
    counts = {kind: max(1, round(frac * n_clean)) for kind, frac in DIRTY_FRACTIONS.items()}
    sales = np.flatnonzero(lines["quantity"].to_numpy() > 0)
    n_templates = sum(counts.values())
    templates = rng.choice(sales, size=n_templates, replace=n_templates > sales.size)
    parts, start = [], 0
    for kind, count in counts.items():
        rows = lines.iloc[templates[start : start + count]].copy()
        start += count
        if kind != "exact_duplicate":
            nums = np.arange(next_order_num, next_order_num + count)
            next_order_num += count
            rows["order_id"] = [f"O{x:0{order_width}d}" for x in nums]
            rows["discount_amount"] = 0.0
        if kind == "empty_customer_id":
            rows["customer_id"] = ""
        elif kind == "unparseable_ordered_at":
            rows["ordered_at"] = [BAD_TIMESTAMPS[i % len(BAD_TIMESTAMPS)] for i in range(count)]
        elif kind == "zero_quantity":
            rows["quantity"] = 0
        elif kind == "zero_unit_price":
            rows["unit_price"] = 0.0
        elif kind == "negative_unit_price":
            rows["unit_price"] = -rows["unit_price"]
        parts.append(rows)
    out = pd.concat([lines, *parts], ignore_index=True)
    return out, counts


def _sort_lines(lines: pd.DataFrame) -> pd.DataFrame:
    return lines.sort_values(
        ["ordered_at", "order_id", "product_id"], kind="stable", ignore_index=True
    )


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def generate_sample(
    n_customers: int = 3000, seed: int = 42, end_date: str = "2025-12-31", dirty: bool = True
) -> SampleData:
    """Generate the small synthetic shop in memory.

    Frames hold exactly what :func:`write_sample` writes: timestamps are
    ``YYYY-MM-DD HH:MM:SS`` strings (dirty rows include unparseable ones), money is float with
    two decimals. ``dirty_counts`` gives the number of appended bad lines per kind (all zero
    when ``dirty`` is False); the clean lines are identical with or without ``dirty``.
    """
    if n_customers < 1:
        raise ValueError("n_customers must be positive")
    main_ss, dirty_ss, visit_ss = np.random.SeedSequence(seed).spawn(3)
    sim = _simulate(n_customers, np.random.default_rng(main_ss), end_date, _allocate(n_customers))
    customer_ids = _customer_ids(sim, 0, max(5, len(str(n_customers))))
    order_width = max(7, len(str(2 * sim["o_cust"].size)))
    lines_table, counters = _lines_table(sim, customer_ids, 0, 0, order_width)
    lines = _stringify_timestamps(lines_table)
    tables = _customer_tables(sim, customer_ids)
    customers = _stringify_timestamps(tables["customers"])
    personas = tables["customer_personas"].to_pandas()
    v_cust, v_ts = _simulate_visits(np.random.default_rng(visit_ss), sim, 0, n_customers)
    visits = _stringify_timestamps(_visits_table(customer_ids, v_cust, v_ts))
    dirty_counts = dict.fromkeys(DIRTY_FRACTIONS, 0)
    if dirty:
        lines, dirty_counts = _add_dirty_rows(
            lines, np.random.default_rng(dirty_ss), counters["orders"] + 1, order_width
        )
        lines = _sort_lines(lines)
    return SampleData(
        order_lines=lines,
        customers=customers,
        visits=visits,
        customer_personas=personas,
        dirty_counts=dirty_counts,
    )
