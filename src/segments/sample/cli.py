"""Command line: ``python -m segments.sample small|large``."""

from __future__ import annotations

import argparse
from pathlib import Path

from segments.sample.write import write_large_parquet, write_sample


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m segments.sample",
        description="Generate the synthetic shop: the bundled CSV sample or large Parquet inputs.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    small = sub.add_parser("small", help="write the four .csv.gz sample files")
    small.add_argument("--out", type=Path, default=Path("seeds/sample"), help="output directory")
    small.add_argument("--customers", type=int, default=3000, help="number of customers")
    small.add_argument("--seed", type=int, default=42)
    small.add_argument("--end-date", default="2025-12-31", help="last day of history")
    small.add_argument("--no-dirty", action="store_true", help="do not append dirty rows")
    large = sub.add_parser("large", help="write Parquet parts for benchmarks")
    large.add_argument("--out", type=Path, required=True, help="output directory")
    large.add_argument("--lines", type=int, required=True, help="approximate order lines")
    large.add_argument("--seed", type=int, default=42)
    large.add_argument("--chunk-customers", type=int, default=200_000)
    large.add_argument("--end-date", default="2025-12-31", help="last day of history")
    args = parser.parse_args(argv)

    if args.command == "small":
        data = write_sample(
            args.out, args.customers, args.seed, args.end_date, dirty=not args.no_dirty
        )
        print(
            f"wrote {args.out}: {len(data.order_lines)} order lines, {len(data.customers)} "
            f"customers, {len(data.visits)} visits; dirty rows {data.dirty_counts}"
        )
    else:
        info = write_large_parquet(
            args.out, args.lines, args.seed, args.chunk_customers, args.end_date
        )
        print(
            f"wrote {info['out_dir']}: {info['lines']} order lines, {info['customers']} "
            f"customers, {info['visits']} visits in {info['parts']} parts"
        )
    return 0
