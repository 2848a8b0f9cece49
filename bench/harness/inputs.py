"""The benchmark inputs: generated shops of a given size, and the UCI Online Retail file
repeated N times. Each input is built once into ``<data_root>/<label>/`` and reused while its
``manifest.json`` matches what would be built now."""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from .common import ROOT, GiB, now_iso
from .measure import measure

SEED = 42
END_DATE = "2025-12-31"
ONLINE_RETAIL = ROOT.parent / "shared" / "data" / "online_retail" / "online_retail.csv.gz"
#: Customer ids of copy i are the original id + i * CUSTOMER_ID_STRIDE (ids are 5 digits).
CUSTOMER_ID_STRIDE = 100_000
ONLINE_RETAIL_LABEL = re.compile(r"online-retail-x(\d+)")


@dataclass(frozen=True)
class Input:
    """One benchmark input: where its files are and how each method reads them."""

    label: str
    kind: str  # generated | online_retail
    lines_requested: int | None  # generated: order lines asked for; online_retail: copies
    copies: int = 1

    @property
    def input_format(self) -> str:
        return "online_retail" if self.kind == "online_retail" else "canonical"

    def paths(self, data: Path) -> dict[str, str | None]:
        """The project's *_path vars for this input in ``data``."""
        if self.kind == "online_retail":
            return {
                "transactions_path": str(data / "order_lines" / "*.csv"),
                "customers_path": None,
                "visits_path": None,
            }
        return {
            "transactions_path": str(data / "order_lines" / "*.parquet"),
            "customers_path": str(data / "customers" / "*.parquet"),
            "visits_path": str(data / "visits" / "*.parquet"),
        }


def parse_input(text: str) -> Input:
    """'20k', '1m', '100m', '5000' (generated order lines) or 'online-retail-x20'."""
    label = text.strip().lower()
    if match := ONLINE_RETAIL_LABEL.fullmatch(label):
        copies = int(match.group(1))
        if copies < 1:
            raise argparse.ArgumentTypeError(f"at least one copy: {text!r}")
        return Input(label, "online_retail", None, copies)
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([km]?)", label)
    if not match:
        raise argparse.ArgumentTypeError(
            f"size must look like 20k, 1m, 100m, 5000 or online-retail-x20: {text!r}"
        )
    number, unit = match.groups()
    lines = int(float(number) * {"": 1, "k": 1_000, "m": 1_000_000}[unit])
    if lines < 1:
        raise argparse.ArgumentTypeError(f"size must be positive: {text!r}")
    return Input(label, "generated", lines)


def parse_bytes(text: str) -> int:
    """'10GiB' / '10g' / '512m' -> bytes (binary units)."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?", text.strip().lower())
    if not match:
        raise argparse.ArgumentTypeError(f"memory size like 10GiB or 512MiB: {text!r}")
    number, unit, _ = match.groups()
    return int(float(number) * 1024 ** " kmgt".index(unit or " "))


def _generator_fingerprint() -> str:
    """Hash of the generator's source: segments/sample.py, or every module of the package."""
    package = ROOT / "src" / "segments" / "sample"
    files = sorted(package.rglob("*.py")) if package.is_dir() else [package.with_suffix(".py")]
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def ensure_input(item: Input, data_root: Path, env: dict[str, str]) -> dict:
    """Build ``item`` into ``data_root/label`` unless a matching build is there; its manifest."""
    out = data_root / item.label
    manifest_path = out / "manifest.json"
    if item.kind == "online_retail":
        wanted = {
            "kind": item.kind,
            "copies": item.copies,
            "customer_id_stride": CUSTOMER_ID_STRIDE,
            "source_bytes": ONLINE_RETAIL.stat().st_size if ONLINE_RETAIL.exists() else None,
            "builder_sha256": hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16],
        }
    else:
        wanted = {
            "lines_requested": item.lines_requested,
            "seed": SEED,
            "end_date": END_DATE,
            "generator_sha256": _generator_fingerprint(),
        }
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        parts_present = all(Path(p).exists() for paths in manifest["paths"].values() for p in paths)
        if {k: manifest.get(k) for k in wanted} == wanted and parts_present:
            print(f"[{item.label}] reusing {out} ({manifest['lines']:,} lines)", flush=True)
            return manifest
        print(f"[{item.label}] manifest of {out} does not match; rebuilding", flush=True)
    manifest_path.unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    info_path = out / "build_info.json"
    if item.kind == "online_retail":
        if not ONLINE_RETAIL.exists():
            raise SystemExit(f"[{item.label}] the Online Retail file is missing: {ONLINE_RETAIL}")
        print(f"[{item.label}] writing Online Retail x{item.copies} into {out} ...", flush=True)
        code = (
            "import json; from pathlib import Path; import sys; "
            f"sys.path.insert(0, {str(Path(__file__).parents[1])!r}); "
            "from harness.inputs import write_online_retail_copies; "
            f"info = write_online_retail_copies(Path({str(out)!r}), {item.copies}); "
            f"Path({str(info_path)!r}).write_text(json.dumps(info))"
        )
    else:
        print(f"[{item.label}] generating {item.lines_requested:,} order lines ...", flush=True)
        code = (
            "import json; from pathlib import Path; "
            "from segments.sample import write_large_parquet; "
            f"info = write_large_parquet(Path({str(out)!r}), {item.lines_requested}, "
            f"seed={SEED}, end_date={END_DATE!r}); "
            f"Path({str(info_path)!r}).write_text(json.dumps(info))"
        )
    result = measure(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        log_path=out / "build.log",
        time_cap_s=4 * 3600,
        mem_cap_bytes=12 * GiB,
    )
    if result.status != "ok":
        raise SystemExit(f"[{item.label}] building the inputs failed: {result.note}")
    info = json.loads(info_path.read_text())
    info_path.unlink()
    sizes = {
        name: sum(Path(p).stat().st_size for p in paths) for name, paths in info["paths"].items()
    }
    manifest = {
        **wanted,
        **info,
        "file_bytes": sizes,
        "built_at": now_iso(),
        "build": {"wall_s": round(result.wall_s, 1), "peak_rss_bytes": result.peak_rss_bytes},
    }
    manifest_path.write_text(json.dumps(manifest, indent=2))
    print(
        f"[{item.label}] {info['lines']:,} lines, {info['customers']:,} customers "
        f"in {result.wall_s:.0f} s",
        flush=True,
    )
    return manifest


def write_online_retail_copies(out_dir: Path, copies: int) -> dict:
    """Online Retail repeated ``copies`` times as one CSV, shaped like ``copies`` shops.

    Each copy is the whole file, every raw line kept (exact duplicates, missing customers,
    cancellations, postage) with the original dates, so the copies span the same 13 months as
    the original. What makes the copies distinct shops rather than duplicates of each other:
    copy ``i`` adds ``i * 100,000`` to every customer id (ids are five digits) and appends
    ``-i`` to every invoice number (copy 0 keeps the original ids). The text of every other
    field is byte-for-byte the original, so the file parses exactly as the original does.
    """
    import duckdb

    out_dir = Path(out_dir)
    target = out_dir / "order_lines" / "online_retail.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.glob("*.csv"):
        stale.unlink()
    source = str(ONLINE_RETAIL).replace("'", "''")
    with duckdb.connect() as connection:
        connection.execute("set preserve_insertion_order = true")
        connection.execute("set enable_progress_bar = false")
        connection.execute(
            f"""
            copy (
                with original as (
                    select *, row_number() over () as line_number
                    from read_csv('{source}', header = true, all_varchar = true)
                ),
                copies as (select range as copy_index from range({copies}))
                select
                    case when copy_index = 0 then "InvoiceNo"
                        else "InvoiceNo" || '-' || copy_index end as "InvoiceNo",
                    "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice",
                    case when copy_index = 0 or trim("CustomerID") = '' then "CustomerID"
                        else cast(cast("CustomerID" as bigint)
                            + copy_index * {CUSTOMER_ID_STRIDE} as varchar)
                    end as "CustomerID",
                    "Country"
                from copies cross join original
                order by copy_index, line_number
            ) to '{str(target).replace("'", "''")}' (header true)
            """
        )
        lines, customers = connection.sql(
            f"select count(*), count(distinct \"CustomerID\") from read_csv('{target}', "
            "header = true, all_varchar = true)"
        ).fetchone()
    return {
        "lines": lines,
        "customers": customers,
        "visits": 0,
        "copies": copies,
        "paths": {"order_lines": [str(target)]},
    }
