"""Writing the sample: the bundled CSV files and the large Parquet inputs for benchmarks."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from segments.sample.generate import (
    SampleData,
    _customer_ids,
    _customer_tables,
    _lines_table,
    _visits_table,
    generate_sample,
)
from segments.sample.simulate import (
    _allocate,
    _simulate,
    _simulate_visits,
)


def _write_csv_gz(df: pd.DataFrame, path: Path) -> None:
    text = df.to_csv(index=False, lineterminator="\n", float_format="%.2f")
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, filename="", compresslevel=9) as gz:
        gz.write(text.encode("utf-8"))
    path.write_bytes(buf.getvalue())


def write_sample(
    out_dir: Path,
    n_customers: int = 3000,
    seed: int = 42,
    end_date: str = "2025-12-31",
    dirty: bool = True,
) -> SampleData:
    """Generate the sample and write ``<name>.csv.gz`` for the four tables into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    data = generate_sample(n_customers=n_customers, seed=seed, end_date=end_date, dirty=dirty)
    customers = data.customers.copy()
    customers["marketing_opt_in"] = np.where(customers["marketing_opt_in"], "true", "false")
    frames = {
        "order_lines": data.order_lines,
        "customers": customers,
        "visits": data.visits,
        "customer_personas": data.customer_personas,
    }
    for name, df in frames.items():
        _write_csv_gz(df, out_dir / f"{name}.csv.gz")
    return data


def _write_parquet(table: pa.Table, path: Path) -> None:
    pq.write_table(_to_parquet_types(table), path, compression="zstd")


def _to_parquet_types(table: pa.Table) -> pa.Table:
    """Parquet has no second-resolution timestamps: store microseconds."""
    cols = {}
    for name in table.column_names:
        col = table[name]
        if pa.types.is_timestamp(col.type):
            col = col.cast(pa.timestamp("us"))
        cols[name] = col
    return pa.table(cols)


LARGE_TABLES = ("order_lines", "customers", "visits", "customer_personas")
_VISIT_BLOCK_CUSTOMERS = 25_000  # customers per visits batch (one Parquet row group each)


def write_large_parquet(
    out_dir: Path,
    n_lines: int,
    seed: int = 42,
    chunk_customers: int = 200_000,
    end_date: str = "2025-12-31",
) -> dict:
    """Write benchmark inputs as Parquet parts, chunk by chunk, with bounded memory.

    Writes ``out_dir/{order_lines,customers,visits,customer_personas}/part-NNNNN.parquet``
    (stale ``part-*.parquet`` files there are removed first). Each chunk simulates up to
    ``chunk_customers`` customers with its own seed stream and unique ids, writes them and frees
    them; generation stops once about ``n_lines`` order lines exist (the last chunk is sized
    from the lines-per-customer ratio seen so far). No dirty rows. Customer ids are ``C`` + 8
    digits, order ids ``O``/``R`` + at least 9 digits. Returns the actual counts and paths.
    """
    if n_lines < 1 or chunk_customers < 1:
        raise ValueError("n_lines and chunk_customers must be positive")
    out_dir = Path(out_dir)
    for name in LARGE_TABLES:
        (out_dir / name).mkdir(parents=True, exist_ok=True)
        for stale in (out_dir / name).glob("part-*.parquet"):
            stale.unlink()
    customer_width = 8
    order_width = max(9, len(str(2 * n_lines)))
    totals = dict.fromkeys(
        ("customers", "orders", "return_orders", "sale_lines", "return_lines", "lines", "visits"),
        0,
    )
    lines_per_customer = 31.0  # prior; replaced by the observed ratio after the first chunk
    part = 0
    while totals["lines"] < n_lines:
        remaining = n_lines - totals["lines"]
        # a small margin, so the last chunk nearly always reaches n_lines in one go
        wanted = int(np.ceil(1.02 * remaining / lines_per_customer)) + 10
        size = min(chunk_customers, wanted)
        if totals["customers"] + size >= 10**customer_width:
            break  # customer id space exhausted
        main_ss, visit_ss = np.random.SeedSequence(seed, spawn_key=(part,)).spawn(2)
        sim = _simulate(size, np.random.default_rng(main_ss), end_date, _allocate(size))
        customer_ids = _customer_ids(sim, totals["customers"], customer_width)
        file_name = f"part-{part:05d}.parquet"

        lines, counters = _lines_table(
            sim, customer_ids, totals["orders"], totals["return_orders"], order_width
        )
        _write_parquet(lines, out_dir / "order_lines" / file_name)
        del lines
        for name, table in _customer_tables(sim, customer_ids).items():
            _write_parquet(table, out_dir / name / file_name)

        visit_rng = np.random.default_rng(visit_ss)
        n_visits = 0
        schema = _to_parquet_types(_visits_table(customer_ids, np.zeros(0, int), np.zeros(0, int)))
        with pq.ParquetWriter(
            out_dir / "visits" / file_name, schema.schema, compression="zstd"
        ) as writer:
            for lo in range(0, size, _VISIT_BLOCK_CUSTOMERS):
                hi = min(size, lo + _VISIT_BLOCK_CUSTOMERS)
                v_cust, v_ts = _simulate_visits(visit_rng, sim, lo, hi)
                writer.write_table(_to_parquet_types(_visits_table(customer_ids, v_cust, v_ts)))
                n_visits += v_ts.size
                del v_cust, v_ts
        del sim, customer_ids

        counters.update(customers=size, visits=n_visits)
        for key, value in counters.items():
            totals[key] += value
        lines_per_customer = totals["lines"] / totals["customers"]
        part += 1
    return {
        **totals,
        "parts": part,
        "out_dir": str(out_dir),
        "paths": {
            name: [str(out_dir / name / f"part-{i:05d}.parquet") for i in range(part)]
            for name in LARGE_TABLES
        },
    }
