"""Tests for the synthetic shop generator (segments.sample)."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score

from segments.sample import (
    ALL_PERSONAS,
    CATEGORIES,
    LAPSED,
    PERSONAS,
    SampleData,
    generate_sample,
    main,
    write_large_parquet,
    write_sample,
)

REPO = Path(__file__).resolve().parents[2]
END = pd.Timestamp("2025-12-31 23:59:59")
AS_OF = pd.Timestamp("2026-01-01")
TS_FORMAT = "%Y-%m-%d %H:%M:%S"
FEATURES = [
    "recency_days",
    "order_count",
    "net_revenue",
    "average_order_value",
    "return_rate",
    "discount_share",
    "visits_per_month",
    "top_category_share",
    "category_count",
]
LINE_COLUMNS = [
    "order_id",
    "customer_id",
    "ordered_at",
    "product_id",
    "category",
    "quantity",
    "unit_price",
    "discount_amount",
    "country",
]


def clean_lines(lines: pd.DataFrame) -> pd.DataFrame:
    """What the pipeline keeps: drop rejectable rows and exact duplicates."""
    ts = pd.to_datetime(lines["ordered_at"], format=TS_FORMAT, errors="coerce")
    keep = (
        (lines["customer_id"] != "")
        & ts.notna()
        & (lines["quantity"] != 0)
        & (lines["unit_price"] > 0)
    )
    out = lines[keep].drop_duplicates().copy()
    out["ts"] = ts[out.index]
    return out


def customer_features(data: SampleData) -> pd.DataFrame:
    """Per-customer features as of the day after the end date (values at list price)."""
    lines = clean_lines(data.order_lines)
    lines["list_value"] = lines["quantity"] * lines["unit_price"]
    sales = lines[lines["quantity"] > 0].copy()
    returns = lines[lines["quantity"] < 0]
    sales["paid"] = sales["list_value"] - sales["discount_amount"]
    g = sales.groupby("customer_id")
    f = pd.DataFrame(
        {
            "last_order": g["ts"].max(),
            "order_count": g["order_id"].nunique(),
            "paid": g["paid"].sum(),
            "list_value": g["list_value"].sum(),
            "discount": g["discount_amount"].sum(),
        }
    )
    returned = -returns.groupby("customer_id")["list_value"].sum()
    f["returned"] = returned.reindex(f.index).fillna(0.0)
    f["recency_days"] = (AS_OF - f["last_order"].dt.normalize()).dt.days
    f["net_revenue"] = f["paid"] - f["returned"]
    f["average_order_value"] = f["paid"] / f["order_count"]
    f["return_rate"] = f["returned"] / f["list_value"]
    f["discount_share"] = f["discount"] / f["list_value"]
    by_cat = sales.groupby(["customer_id", "category"])["paid"].sum()
    f["top_category_share"] = by_cat.groupby(level=0).max() / by_cat.groupby(level=0).sum()
    f["category_count"] = by_cat.groupby(level=0).size()
    visits = pd.to_datetime(data.visits["visited_at"], format=TS_FORMAT)
    recent = data.visits[visits >= AS_OF - pd.Timedelta(days=365)]
    f["visits_per_month"] = recent.groupby("customer_id").size().reindex(f.index).fillna(0) / 12
    return f.join(data.customer_personas.set_index("customer_id"))


@pytest.fixture(scope="module")
def sample() -> SampleData:
    return generate_sample()


@pytest.fixture(scope="module")
def features(sample: SampleData) -> pd.DataFrame:
    return customer_features(sample)


def test_same_seed_same_frames_different_seed_different():
    a = generate_sample(n_customers=300, seed=7)
    b = generate_sample(n_customers=300, seed=7)
    c = generate_sample(n_customers=300, seed=8)
    for name in ("order_lines", "customers", "visits", "customer_personas"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert a.dirty_counts == b.dirty_counts
    assert not a.order_lines.equals(c.order_lines)
    assert not a.visits.equals(c.visits)


def test_write_sample_is_byte_identical(tmp_path: Path):
    data = write_sample(tmp_path / "a", n_customers=200, seed=3)
    write_sample(tmp_path / "b", n_customers=200, seed=3)
    for name in ("order_lines", "customers", "visits", "customer_personas"):
        raw = (tmp_path / "a" / f"{name}.csv.gz").read_bytes()
        assert raw == (tmp_path / "b" / f"{name}.csv.gz").read_bytes()
        assert raw[4:8] == b"\x00\x00\x00\x00"  # gzip mtime 0
    text = gzip.decompress((tmp_path / "a" / "order_lines.csv.gz").read_bytes()).decode()
    assert text.splitlines()[0] == ",".join(LINE_COLUMNS)
    assert len(text.splitlines()) == len(data.order_lines) + 1
    assert "\r" not in text
    assert re.search(r",\d+\.\d{2},\d+\.\d{2},", text)  # unit_price, discount with 2 decimals
    customers = gzip.decompress((tmp_path / "a" / "customers.csv.gz").read_bytes()).decode()
    header, first = customers.splitlines()[:2]
    assert header == "customer_id,signed_up_at,country,age_band,marketing_opt_in"
    assert first.split(",")[-1] in {"true", "false"}


def test_committed_sample_matches_generator(tmp_path: Path):
    committed = REPO / "seeds" / "sample"
    if not (committed / "order_lines.csv.gz").exists():
        pytest.skip("bundled sample not generated yet")
    write_sample(tmp_path)
    for name in ("order_lines", "customers", "visits", "customer_personas"):
        assert (tmp_path / f"{name}.csv.gz").read_bytes() == (
            committed / f"{name}.csv.gz"
        ).read_bytes(), f"{name}: rerun `python -m segments.sample small --out seeds/sample`"
    total = sum(p.stat().st_size for p in committed.glob("*.csv.gz"))
    assert total <= 5 * 1024 * 1024


def test_schema_ids_and_sorting(sample: SampleData):
    lines = sample.order_lines
    assert list(lines.columns) == LINE_COLUMNS
    assert list(sample.customers.columns) == [
        "customer_id",
        "signed_up_at",
        "country",
        "age_band",
        "marketing_opt_in",
    ]
    assert list(sample.visits.columns) == ["customer_id", "visited_at"]
    assert list(sample.customer_personas.columns) == ["customer_id", "persona"]
    good = clean_lines(lines)
    assert good["order_id"].str.fullmatch(r"[OR]\d{7}").all()
    assert good["customer_id"].str.fullmatch(r"C\d{5}").all()
    assert good["product_id"].str.fullmatch(r"P\d{5}").all()
    assert set(good["category"]) == set(CATEGORIES)
    assert good["ordered_at"].str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d").all()
    assert (good["unit_price"] > 0).all()
    assert np.allclose(good["unit_price"], good["unit_price"].round(2))
    assert (good["discount_amount"] >= 0).all()
    assert (good["discount_amount"] <= good["quantity"].clip(lower=0) * good["unit_price"]).all()
    is_return = good["order_id"].str.startswith("R")
    assert ((good["quantity"] < 0) == is_return).all()
    assert (good.loc[is_return, "discount_amount"] == 0).all()
    assert good["ts"].max() <= END
    assert good.groupby(["order_id", "product_id"]).size().max() == 1
    # one country per customer, matching the customers table
    country = sample.customers.set_index("customer_id")["country"]
    assert (good["country"] == good["customer_id"].map(country)).all()
    assert country.value_counts().index[0] == "United Kingdom"
    # deterministic sort orders
    key = ["ordered_at", "order_id", "product_id"]
    assert lines.equals(lines.sort_values(key, kind="stable", ignore_index=True))
    visits = sample.visits
    assert visits.equals(visits.sort_values(["customer_id", "visited_at"], ignore_index=True))
    assert sample.customers["customer_id"].is_monotonic_increasing
    assert sample.customers["customer_id"].is_unique
    # orders contain 1-6 lines
    sizes = good[~is_return].groupby("order_id").size()
    assert sizes.min() >= 1
    assert sizes.max() <= 6


def test_returns_reference_earlier_purchases(sample: SampleData):
    good = clean_lines(sample.order_lines)
    sales = good[good["quantity"] > 0]
    returns = good[good["quantity"] < 0]
    assert len(returns) > 0
    bought = sales.groupby(["customer_id", "product_id", "unit_price"]).agg(
        qty_bought=("quantity", "sum"), first=("ts", "min")
    )
    back = returns.groupby(["customer_id", "product_id", "unit_price"]).agg(
        qty=("quantity", "sum"), last=("ts", "max")
    )
    matched = back.join(bought, how="left")
    assert matched["first"].notna().all()  # same customer, product and unit price
    assert (-matched["qty"] <= matched["qty_bought"]).all()
    assert (matched["last"] > matched["first"]).all()  # dated after the purchase
    # returns never postdate the customer's last purchase, so they cannot change recency
    last_sale = sales.groupby("customer_id")["ts"].max()
    assert (returns["ts"] < returns["customer_id"].map(last_sale)).all()


def test_signup_and_visits_within_history(sample: SampleData, features: pd.DataFrame):
    customers = sample.customers.set_index("customer_id")
    signup = pd.to_datetime(customers["signed_up_at"], format=TS_FORMAT)
    good = clean_lines(sample.order_lines)
    first = good[good["quantity"] > 0].groupby("customer_id")["ts"].min()
    assert (signup[first.index] < first).all()
    assert (END - signup).dt.days.max() <= 2.5 * 365
    visits = sample.visits.assign(ts=pd.to_datetime(sample.visits["visited_at"], format=TS_FORMAT))
    assert (visits["ts"] >= visits["customer_id"].map(signup)).all()
    assert visits["ts"].max() <= END
    assert set(features.index) == set(customers.index)  # every customer ordered


def test_persona_shares(sample: SampleData):
    counts = sample.customer_personas["persona"].value_counts()
    n = len(sample.customer_personas)
    assert set(counts.index) == set(ALL_PERSONAS)
    assert abs(counts[LAPSED] / n - 0.03) < 0.005
    active = n - counts[LAPSED]
    for name, spec in PERSONAS.items():
        assert abs(counts[name] - spec.share * active) <= 1, name


def test_persona_traits(features: pd.DataFrame):
    med = features.groupby("persona")[FEATURES].median()
    agg = features.groupby("persona")[["returned", "list_value", "discount"]].sum()
    pl, dh, ib, cs, ard = (
        "Premium Loyalists",
        "Discount Hunters",
        "Infrequent Buyers",
        "Category-Specific",
        "At-Risk Dormants",
    )
    # Premium Loyalists: high value, low returns, few discounts, regular visits, 3-5 categories
    assert 150 <= med.loc[pl, "average_order_value"] <= 300
    assert 0.02 <= agg.loc[pl, "returned"] / agg.loc[pl, "list_value"] <= 0.04
    assert med.loc[pl, "discount_share"] < 0.02
    assert 6 <= med.loc[pl, "visits_per_month"] <= 10
    assert 3 <= med.loc[pl, "category_count"] <= 5
    # Discount Hunters: cheap, frequent, coupon-driven, return about 24% of purchased value
    dh_rows = features[features["persona"] == dh]
    assert abs(agg.loc[dh, "returned"] / agg.loc[dh, "list_value"] - 0.24) <= 0.04
    assert abs(dh_rows["return_rate"].median() - 0.24) <= 0.04
    assert 0.25 <= med.loc[dh, "discount_share"] <= 0.40
    assert 15 <= med.loc[dh, "average_order_value"] <= 35
    assert 10 <= med.loc[dh, "visits_per_month"] <= 15
    assert med.loc[dh, "return_rate"] == med["return_rate"].max()
    # Infrequent Buyers: few, small orders and few visits
    assert med.loc[ib, "order_count"] <= 3
    assert 20 <= med.loc[ib, "average_order_value"] <= 50
    assert med.loc[ib, "visits_per_month"] <= 1
    # Category-Specific: >= 85% of spend in the top category, at most two categories
    cs_rows = features[features["persona"] == cs]
    assert (cs_rows["top_category_share"] >= 0.85).all()
    assert (cs_rows["category_count"] <= 2).all()
    assert 60 <= med.loc[cs, "average_order_value"] <= 120
    assert 3 <= med.loc[cs, "visits_per_month"] <= 5
    # At-Risk Dormants: no order in the last 190 days but still inside a 365-day window
    ard_rows = features[features["persona"] == ard]
    assert (ard_rows["last_order"] < END - pd.Timedelta(days=190)).all()
    assert ard_rows["recency_days"].max() <= 331
    assert 50 <= med.loc[ard, "average_order_value"] <= 90
    # Lapsed: last order more than 400 days ago; everyone else active within 365 days
    lapsed = features["persona"] == LAPSED
    assert (features.loc[lapsed, "recency_days"] > 400).all()
    assert (features.loc[~lapsed, "recency_days"] <= 365).all()


def test_dormants_visits_taper_off(sample: SampleData):
    personas = sample.customer_personas.set_index("customer_id")["persona"]
    visits = sample.visits.assign(
        ts=pd.to_datetime(sample.visits["visited_at"], format=TS_FORMAT),
        persona=sample.visits["customer_id"].map(personas),
    )
    ard = visits[visits["persona"] == "At-Risk Dormants"]
    assert ard["ts"].max() < END - pd.Timedelta(days=30)
    n_ard = (personas == "At-Risk Dormants").sum()
    last_quarter = (ard["ts"] > END - pd.Timedelta(days=91)).sum() / n_ard / 3
    year_before = ard[
        (ard["ts"] > END - pd.Timedelta(days=730)) & (ard["ts"] <= END - pd.Timedelta(days=365))
    ]
    assert last_quarter < 0.2  # visits per customer-month in the last three months
    assert len(year_before) / n_ard / 12 > 10 * last_quarter


def test_kmeans_recovers_personas(features: pd.DataFrame):
    active = features[(features["persona"] != LAPSED) & (features["recency_days"] <= 365)]
    x = np.log1p(active[FEATURES].to_numpy(dtype=float))
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    labels = KMeans(n_clusters=5, n_init=10, random_state=0).fit_predict(x)
    assert adjusted_rand_score(active["persona"], labels) >= 0.9


def test_dirty_counts_match_frame(sample: SampleData):
    lines = sample.order_lines
    counts = sample.dirty_counts
    assert all(v > 0 for v in counts.values())
    assert sum(counts.values()) / len(lines) == pytest.approx(0.005, abs=0.001)
    ts = pd.to_datetime(lines["ordered_at"], format=TS_FORMAT, errors="coerce")
    assert (lines["customer_id"] == "").sum() == counts["empty_customer_id"]
    assert ts.isna().sum() == counts["unparseable_ordered_at"]
    assert (lines["quantity"] == 0).sum() == counts["zero_quantity"]
    assert (lines["unit_price"] == 0).sum() == counts["zero_unit_price"]
    assert (lines["unit_price"] < 0).sum() == counts["negative_unit_price"]
    assert lines.duplicated().sum() == counts["exact_duplicate"]

    clean = generate_sample(dirty=False)
    assert sum(clean.dirty_counts.values()) == 0
    assert len(lines) - len(clean.order_lines) == sum(counts.values())
    # after rejection and de-duplication, exactly the clean lines remain
    kept = clean_lines(lines).drop(columns="ts").reset_index(drop=True)
    pd.testing.assert_frame_equal(kept, clean.order_lines)
    for name in ("customers", "visits", "customer_personas"):
        pd.testing.assert_frame_equal(getattr(clean, name), getattr(sample, name))


def test_write_large_parquet(tmp_path: Path):
    info = write_large_parquet(tmp_path, n_lines=50_000, chunk_customers=500)
    assert info["parts"] >= 3
    for name in ("order_lines", "customers", "visits"):
        assert len(list((tmp_path / name).glob("part-*.parquet"))) == info["parts"]
    con = duckdb.connect()
    lines = f"read_parquet('{tmp_path}/order_lines/*.parquet')"
    customers = f"read_parquet('{tmp_path}/customers/*.parquet')"
    visits = f"read_parquet('{tmp_path}/visits/*.parquet')"
    n_lines, n_orders = con.execute(
        f"select count(*), count(distinct order_id) from {lines}"
    ).fetchone()
    assert n_lines == info["lines"]
    assert 50_000 <= n_lines <= 55_000
    assert n_orders == info["orders"] + info["return_orders"]
    n_cust, n_unique = con.execute(
        f"select count(*), count(distinct customer_id) from {customers}"
    ).fetchone()
    assert n_cust == n_unique == info["customers"]
    orphans = con.execute(
        f"select count(*) from {lines} "
        f"where customer_id not in (select customer_id from {customers})"
    ).fetchone()[0]
    assert orphans == 0
    assert con.execute(f"select count(*) from {visits}").fetchone()[0] == info["visits"]
    types = dict(
        con.execute(
            f"select column_name, column_type from (describe select * from {lines})"
        ).fetchall()
    )
    assert list(types) == LINE_COLUMNS
    assert types["ordered_at"].startswith("TIMESTAMP")
    assert types["quantity"] in {"INTEGER", "BIGINT"}
    assert types["unit_price"] == types["discount_amount"] == "DOUBLE"
    assert types["order_id"] == "VARCHAR"
    ctypes = dict(
        con.execute(
            f"select column_name, column_type from (describe select * from {customers})"
        ).fetchall()
    )
    assert ctypes["signed_up_at"].startswith("TIMESTAMP")
    assert ctypes["customer_id"] == "VARCHAR"
    width = con.execute(
        f"select min(length(customer_id)), max(length(customer_id)) from {customers}"
    ).fetchone()
    assert width == (9, 9)  # C + 8 digits, room for 10M customers


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    assert "small" in capsys.readouterr().out
    assert main(["small", "--out", str(tmp_path / "s"), "--customers", "150", "--seed", "1"]) == 0
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == [
        "customer_personas.csv.gz",
        "customers.csv.gz",
        "order_lines.csv.gz",
        "visits.csv.gz",
    ]
    assert main(["large", "--out", str(tmp_path / "l"), "--lines", "3000"]) == 0
    assert (tmp_path / "l" / "order_lines" / "part-00000.parquet").exists()
