"""Deterministic synthetic online-shop generator with planted customer personas.

The simulated shop sells a fixed catalogue of products in eight categories. Every customer
follows one of five personas (Premium Loyalists, Discount Hunters, Infrequent Buyers,
Category-Specific, At-Risk Dormants) or is ``Lapsed`` (last order more than 400 days before the
end date). The output follows the project's canonical input contract:

* ``order_lines``: order_id, customer_id, ordered_at, product_id, category, quantity,
  unit_price, discount_amount, country. Sales have a positive quantity; returns are separate
  lines with a negative quantity on a return order (id prefixed ``R``) dated after the purchase,
  at the purchase's unit price and with no discount.
* ``customers``: customer_id, signed_up_at, country, age_band, marketing_opt_in.
* ``visits``: customer_id, visited_at (one row per web session).
* ``customer_personas``: customer_id, persona (the planted truth).

Value conventions used to plant the personas (all at list price, ``quantity * unit_price``):
``return_rate = returned list value / purchased list value`` and
``discount_share = discount_amount / purchased list value``; the order value targets are
paid values (list value minus discount) per purchase order.

Everything is vectorised with numpy; only categories, id digits and customer chunks are looped
over. The same seed and arguments give identical frames and byte-identical files.

Usage::

    python -m segments.sample small --out seeds/sample
    python -m segments.sample large --out bench/data/1m --lines 1000000
"""

from __future__ import annotations

import argparse
import gzip
import io
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

__all__ = [
    "AGE_BANDS",
    "ALL_PERSONAS",
    "CATEGORIES",
    "COUNTRIES",
    "LAPSED",
    "PERSONAS",
    "PersonaSpec",
    "SampleData",
    "catalogue",
    "generate_sample",
    "main",
    "write_large_parquet",
    "write_sample",
]

CATEGORIES: tuple[str, ...] = (
    "Fashion",
    "Home",
    "Electronics",
    "Beauty",
    "Sports",
    "Toys",
    "Books",
    "Garden",
)
COUNTRIES: tuple[str, ...] = (
    "United Kingdom",
    "Germany",
    "France",
    "Spain",
    "Netherlands",
    "Ireland",
    "Italy",
    "Belgium",
)
_COUNTRY_WEIGHTS = np.array([0.55, 0.12, 0.10, 0.07, 0.06, 0.04, 0.03, 0.03])
AGE_BANDS: tuple[str, ...] = ("18-24", "25-34", "35-44", "45-54", "55-64", "65+")

ORDER_LINE_COLUMNS = (
    "order_id",
    "customer_id",
    "ordered_at",
    "product_id",
    "category",
    "quantity",
    "unit_price",
    "discount_amount",
    "country",
)
CUSTOMER_COLUMNS = ("customer_id", "signed_up_at", "country", "age_band", "marketing_opt_in")
VISIT_COLUMNS = ("customer_id", "visited_at")
PERSONA_COLUMNS = ("customer_id", "persona")

SAMPLE_FILES = ("order_lines", "customers", "visits", "customer_personas")
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"

_DAY = 86_400
_MONTH_DAYS = 365.25 / 12
_CATALOGUE_SEED = 20_240_601  # the catalogue is fixed, independent of the generator seed
_PRODUCTS_PER_CATEGORY = 60
# Log-uniform list-price range per category (same order as CATEGORIES).
_PRICE_RANGES = (
    (4.0, 250.0),
    (3.0, 400.0),
    (6.0, 900.0),
    (2.5, 120.0),
    (4.0, 450.0),
    (3.0, 200.0),
    (2.5, 90.0),
    (3.0, 350.0),
)


@dataclass(frozen=True)
class PersonaSpec:
    """Behavioural parameters of one persona; ranges are drawn uniformly per customer."""

    share: float  # share of customers (the five personas sum to 1; Lapsed is on top)
    first_order_days: tuple[int, int]  # first order, days before the end date
    last_order_days: tuple[int, int]  # last order, days before the end date
    orders_per_year: tuple[float, float]
    regular: bool  # evenly spaced orders (True) or random (Poisson) timing
    order_value: tuple[float, float]  # paid value per order (list value minus discount)
    lines_per_order: tuple[int, int]
    units_per_line: tuple[int, int]
    single_unit_prob: float  # probability that a line has exactly one unit
    n_categories: tuple[int, int]
    discount_order_prob: tuple[float, float]  # probability that an order carries a discount
    discount_pct: tuple[float, float]  # discount as a fraction of list value, if discounted
    return_rate: tuple[float, float]  # returned / purchased list value
    visits_per_month: tuple[float, float]
    visits_taper: bool  # visits fade out after the last order
    age_weights: tuple[float, ...]
    opt_in_prob: float


PERSONAS: dict[str, PersonaSpec] = {
    "Premium Loyalists": PersonaSpec(
        share=0.12,
        first_order_days=(240, 730),
        last_order_days=(1, 35),
        orders_per_year=(10, 20),
        regular=True,
        order_value=(150, 300),
        lines_per_order=(1, 4),
        units_per_line=(1, 2),
        single_unit_prob=0.85,
        n_categories=(3, 5),
        discount_order_prob=(0.0, 0.08),
        discount_pct=(0.05, 0.15),
        return_rate=(0.02, 0.04),
        visits_per_month=(6, 10),
        visits_taper=False,
        age_weights=(0.03, 0.15, 0.27, 0.27, 0.18, 0.10),
        opt_in_prob=0.65,
    ),
    "Discount Hunters": PersonaSpec(
        share=0.25,
        first_order_days=(240, 730),
        last_order_days=(1, 20),
        orders_per_year=(20, 40),
        regular=False,
        order_value=(15, 35),
        lines_per_order=(1, 2),
        units_per_line=(1, 2),
        single_unit_prob=0.8,
        n_categories=(3, 6),
        discount_order_prob=(0.8, 0.95),
        discount_pct=(0.30, 0.42),
        return_rate=(0.20, 0.28),
        visits_per_month=(10, 15),
        visits_taper=False,
        age_weights=(0.25, 0.35, 0.20, 0.12, 0.06, 0.02),
        opt_in_prob=0.85,
    ),
    "Infrequent Buyers": PersonaSpec(
        share=0.30,
        first_order_days=(200, 730),
        last_order_days=(15, 360),
        orders_per_year=(1, 2),
        regular=False,
        order_value=(20, 45),
        lines_per_order=(1, 2),
        units_per_line=(1, 2),
        single_unit_prob=0.9,
        n_categories=(1, 2),
        discount_order_prob=(0.05, 0.2),
        discount_pct=(0.10, 0.20),
        return_rate=(0.0, 0.04),
        visits_per_month=(0.5, 1.0),
        visits_taper=False,
        age_weights=(0.15, 0.20, 0.20, 0.18, 0.15, 0.12),
        opt_in_prob=0.30,
    ),
    "Category-Specific": PersonaSpec(
        share=0.18,
        first_order_days=(240, 730),
        last_order_days=(1, 45),
        orders_per_year=(6, 12),
        regular=True,
        order_value=(60, 120),
        lines_per_order=(1, 2),
        units_per_line=(3, 8),
        single_unit_prob=0.0,
        n_categories=(1, 2),
        discount_order_prob=(0.05, 0.15),
        discount_pct=(0.05, 0.15),
        return_rate=(0.01, 0.05),
        visits_per_month=(3, 5),
        visits_taper=False,
        age_weights=(0.08, 0.22, 0.26, 0.22, 0.14, 0.08),
        opt_in_prob=0.55,
    ),
    "At-Risk Dormants": PersonaSpec(
        share=0.15,
        first_order_days=(540, 730),
        last_order_days=(192, 330),
        orders_per_year=(6, 10),
        regular=True,
        order_value=(50, 90),
        lines_per_order=(1, 3),
        units_per_line=(1, 2),
        single_unit_prob=0.8,
        n_categories=(3, 5),
        discount_order_prob=(0.1, 0.3),
        discount_pct=(0.10, 0.20),
        return_rate=(0.03, 0.08),
        visits_per_month=(4, 8),
        visits_taper=True,
        age_weights=(0.10, 0.22, 0.24, 0.20, 0.14, 0.10),
        opt_in_prob=0.45,
    ),
}
LAPSED = "Lapsed"
LAPSED_SPEC = PersonaSpec(
    share=0.03,
    first_order_days=(460, 760),
    last_order_days=(401, 700),
    orders_per_year=(2, 8),
    regular=False,
    order_value=(30, 120),
    lines_per_order=(1, 3),
    units_per_line=(1, 2),
    single_unit_prob=0.8,
    n_categories=(1, 4),
    discount_order_prob=(0.05, 0.3),
    discount_pct=(0.10, 0.25),
    return_rate=(0.0, 0.10),
    visits_per_month=(1, 4),
    visits_taper=False,
    age_weights=(0.15, 0.20, 0.20, 0.18, 0.15, 0.12),
    opt_in_prob=0.25,
)
ALL_PERSONAS: tuple[str, ...] = (*PERSONAS, LAPSED)
_SPECS: tuple[PersonaSpec, ...] = (*PERSONAS.values(), LAPSED_SPEC)
_CS_CODE = ALL_PERSONAS.index("Category-Specific")
_ARD_CODE = ALL_PERSONAS.index("At-Risk Dormants")
_LAPSED_CODE = ALL_PERSONAS.index(LAPSED)
_CS_MIN_TOP_SHARE = 0.9  # enforced on list value; leaves headroom for returns/discounts

# Dirty rows appended to the bundled sample, as fractions of the clean order lines.
DIRTY_FRACTIONS: dict[str, float] = {
    "empty_customer_id": 0.0008,
    "unparseable_ordered_at": 0.0008,
    "zero_quantity": 0.0006,
    "zero_unit_price": 0.0004,
    "negative_unit_price": 0.0004,
    "exact_duplicate": 0.0020,
}
BAD_TIMESTAMPS = ("not a date", "2025-13-45 10:00:00", "2025-02-30 08:15:00")


@dataclass
class SampleData:
    """Generated frames, as written to CSV (timestamps are ``YYYY-MM-DD HH:MM:SS`` strings)."""

    order_lines: pd.DataFrame
    customers: pd.DataFrame
    visits: pd.DataFrame
    customer_personas: pd.DataFrame
    dirty_counts: dict[str, int] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Catalogue
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Catalogue:
    product_num: np.ndarray  # product id number, P%05d; rows sorted by (category, price)
    category: np.ndarray  # category code per row
    price_cents: np.ndarray
    cat_start: np.ndarray  # first row of each category
    cat_end: np.ndarray  # one past the last row of each category
    keys: np.ndarray  # category * 1e8 + price, sorted, for price look-ups


@lru_cache(maxsize=1)
def _catalogue() -> _Catalogue:
    rng = np.random.default_rng(_CATALOGUE_SEED)
    n_cat, per = len(CATEGORIES), _PRODUCTS_PER_CATEGORY
    lo = np.log([r[0] for r in _PRICE_RANGES])[:, None]
    hi = np.log([r[1] for r in _PRICE_RANGES])[:, None]
    # stratified log-uniform prices, so every category covers its whole range evenly
    u = (np.arange(per)[None, :] + rng.random((n_cat, per))) / per
    price = np.exp(lo + (hi - lo) * u)
    cents = np.where(price < 10, np.round(price * 2) * 50 - 1, np.round(price) * 100 - 1)
    cents = np.maximum(cents, 99).astype(np.int64).ravel()
    category = np.repeat(np.arange(n_cat), per)
    product_num = rng.permutation(n_cat * per) + 1  # ids interleave categories
    order = np.lexsort((cents, category))
    category, cents, product_num = category[order], cents[order], product_num[order]
    cat_start = np.searchsorted(category, np.arange(n_cat), side="left")
    cat_end = np.searchsorted(category, np.arange(n_cat), side="right")
    keys = category * 100_000_000 + cents
    return _Catalogue(product_num, category, cents, cat_start, cat_end, keys)


def catalogue() -> pd.DataFrame:
    """The fixed product catalogue: product_id, category, list_price (sorted by product_id)."""
    cat = _catalogue()
    df = pd.DataFrame(
        {
            "product_id": [f"P{n:05d}" for n in cat.product_num],
            "category": np.asarray(CATEGORIES)[cat.category],
            "list_price": cat.price_cents / 100,
        }
    )
    return df.sort_values("product_id", ignore_index=True)


def _pick_products(
    rng: np.random.Generator, category: np.ndarray, unit_cents: np.ndarray
) -> np.ndarray:
    """Catalogue row per line: a product of the line's category priced near the target."""
    cat = _catalogue()
    target = category.astype(np.int64) * 100_000_000 + np.maximum(unit_cents, 1).astype(np.int64)
    pos = np.searchsorted(cat.keys, target) + rng.integers(-2, 2, size=target.size)
    return np.clip(pos, cat.cat_start[category], cat.cat_end[category] - 1)


# --------------------------------------------------------------------------------------------
# Simulation (pure numpy, integer timestamps in seconds since the epoch)
# --------------------------------------------------------------------------------------------


def _allocate(n_customers: int) -> np.ndarray:
    """Customers per persona code (largest-remainder rounding, Lapsed ~3% on top)."""
    n_lapsed = round(n_customers * LAPSED_SPEC.share)
    rest = n_customers - n_lapsed
    exact = np.array([s.share for s in PERSONAS.values()]) * rest
    counts = np.floor(exact).astype(np.int64)
    short = rest - counts.sum()
    counts[np.argsort(-(exact - counts), kind="stable")[:short]] += 1
    return np.append(counts, n_lapsed)


def _param(rng: np.random.Generator, codes: np.ndarray, name: str) -> np.ndarray:
    lo = np.array([getattr(s, name)[0] for s in _SPECS], dtype=float)[codes]
    hi = np.array([getattr(s, name)[1] for s in _SPECS], dtype=float)[codes]
    return lo + (hi - lo) * rng.random(codes.size)


def _int_param(rng: np.random.Generator, codes: np.ndarray, name: str) -> np.ndarray:
    lo = np.array([getattr(s, name)[0] for s in _SPECS], dtype=np.int64)[codes]
    hi = np.array([getattr(s, name)[1] for s in _SPECS], dtype=np.int64)[codes]
    return lo + np.floor((hi - lo + 1) * rng.random(codes.size)).astype(np.int64)


def _spec_array(name: str, dtype: type = float) -> np.ndarray:
    return np.array([getattr(s, name) for s in _SPECS], dtype=dtype)


def _expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Parent index and position within the parent for ``counts[i]`` children of each i."""
    parent = np.repeat(np.arange(counts.size), counts)
    starts = np.cumsum(counts) - counts
    return parent, np.arange(parent.size) - starts[parent]


def _end_midnight(end_date: str) -> int:
    return int(np.datetime64(end_date, "D").astype("datetime64[s]").astype(np.int64))


def _simulate(
    n_customers: int, rng: np.random.Generator, end_date: str, persona_counts: np.ndarray
) -> dict[str, np.ndarray]:
    """Simulate customers, orders, lines, returns and visit parameters as numpy arrays."""
    midnight = _end_midnight(end_date)
    end_ts = midnight + _DAY - 1
    n = n_customers
    codes = rng.permutation(np.repeat(np.arange(len(_SPECS)), persona_counts))

    # ---- customers: history window, frequency, value, behaviour --------------------------
    last_d = _int_param(rng, codes, "last_order_days")
    first_d = np.maximum(_int_param(rng, codes, "first_order_days"), last_d)
    span = (first_d - last_d).astype(float)
    rate = _param(rng, codes, "orders_per_year")
    expected = rate * span / 365.25
    regular = _spec_array("regular", bool)[codes]
    n_orders = 1 + np.where(regular, np.round(expected), rng.poisson(expected)).astype(np.int64)
    order_value = _param(rng, codes, "order_value")
    disc_prob = _param(rng, codes, "discount_order_prob")
    disc_pct = _param(rng, codes, "discount_pct")
    return_rate = _param(rng, codes, "return_rate")
    visit_rate = _param(rng, codes, "visits_per_month")

    # category preferences: k random categories with Dirichlet weights
    n_cat = len(CATEGORIES)
    k = _int_param(rng, codes, "n_categories")
    rank = np.argsort(rng.random((n, n_cat)), axis=1).argsort(axis=1)
    weights = rng.gamma(1.5, size=(n, n_cat)) * (rank < k[:, None])
    primary = np.argmax(weights, axis=1)
    is_cs = codes == _CS_CODE
    # Category-Specific: one dominant category, a rare second one
    cs_w = np.where(np.arange(n_cat)[None, :] == primary[:, None], 1.0, 0.06) * (weights > 0)
    weights = np.where(is_cs[:, None], cs_w, weights)
    cum_w = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)

    # ---- orders -----------------------------------------------------------------------------
    o_cust, o_pos = _expand(n_orders)
    o_n = n_orders[o_cust]
    jitter = rng.uniform(-0.35, 0.35, size=o_cust.size)
    frac = np.where(
        regular[o_cust], (o_pos + jitter) / np.maximum(o_n - 1, 1), rng.random(o_cust.size)
    )
    frac = np.where(o_pos == 0, 0.0, np.where(o_pos == o_n - 1, 1.0, np.clip(frac, 0.0, 1.0)))
    frac = np.where(o_n == 1, 1.0, frac)
    days_before = np.round(first_d[o_cust] - frac * span[o_cust]).astype(np.int64)
    time_of_day = rng.integers(7 * 3600, _DAY, size=o_cust.size)
    o_ts = midnight - days_before * _DAY + time_of_day
    o_discounted = rng.random(o_cust.size) < disc_prob[o_cust]
    o_pct = np.where(
        o_discounted, np.round(disc_pct[o_cust] * rng.uniform(0.85, 1.15, o_cust.size), 2), 0.0
    )
    o_list_value = order_value[o_cust] * rng.lognormal(-0.02, 0.2, o_cust.size) / (1 - o_pct)
    o_lines = _int_param(rng, codes[o_cust], "lines_per_order")
    del o_pos, o_n, jitter, frac, days_before, time_of_day, o_discounted

    # ---- lines ------------------------------------------------------------------------------
    l_order, _ = _expand(o_lines)
    l_cust = o_cust[l_order]
    l_code = codes[l_cust]
    single = rng.random(l_order.size) < _spec_array("single_unit_prob")[l_code]
    qty = np.where(single, 1, _int_param(rng, l_code, "units_per_line"))
    u = rng.random(l_order.size)
    l_cat = np.zeros(l_order.size, dtype=np.int64)
    for c in range(n_cat - 1):
        l_cat += cum_w[l_cust, c] < u
    share = rng.lognormal(-0.045, 0.3, l_order.size) / o_lines[l_order]
    secondary = is_cs[l_cust] & (l_cat != primary[l_cust])
    share = np.where(secondary, share * 0.4, share)  # Category-Specific side purchases are small
    unit_cents = np.round(o_list_value[l_order] * share / qty * 100)
    row = _pick_products(rng, l_cat, unit_cents)
    cat = _catalogue()
    del l_code, single, u, share, secondary

    # Category-Specific: enforce the top-category share on list value
    value = qty * cat.price_cents[row]
    top_value = np.bincount(l_cust, weights=value * (l_cat == primary[l_cust]), minlength=n)
    total_value = np.bincount(l_cust, weights=value, minlength=n)
    fix_cust = is_cs & (top_value < _CS_MIN_TOP_SHARE * total_value)
    fix = fix_cust[l_cust]
    if fix.any():
        l_cat[fix] = primary[l_cust[fix]]
        row[fix] = _pick_products(rng, l_cat[fix], unit_cents[fix])
    del value, unit_cents, fix, l_cat

    # merge repeated products within an order into one line
    n_rows = cat.product_num.size
    key = l_order * n_rows + row
    srt = np.argsort(key, kind="stable")
    key_s = key[srt]
    starts = np.flatnonzero(np.r_[True, key_s[1:] != key_s[:-1]])
    qty = np.add.reduceat(qty[srt], starts).astype(np.int64)
    l_order = l_order[srt][starts]
    row = row[srt][starts]
    del key, srt, key_s, starts
    l_cust = o_cust[l_order]
    price = cat.price_cents[row]
    list_value = qty * price
    disc_cents = np.round(list_value * o_pct[l_order]).astype(np.int64)

    # ---- returns: lines picked per customer until ~return_rate of list value ------------------
    o_start = np.cumsum(n_orders) - n_orders  # orders are grouped by customer, n_orders >= 1
    c_first_ts = np.minimum.reduceat(o_ts, o_start)
    c_last_ts = np.maximum.reduceat(o_ts, o_start)
    # a return must precede the customer's last purchase, so returns never change recency
    eligible = o_ts[l_order] <= c_last_ts[l_cust] - _DAY
    total = np.bincount(l_cust, weights=list_value, minlength=n)
    shuffle = np.lexsort((rng.random(l_cust.size), l_cust))
    ev = (list_value * eligible)[shuffle]
    cum = np.cumsum(ev)
    c_start = np.searchsorted(l_cust[shuffle], np.arange(n))
    before = cum - ev - np.r_[0.0, cum][c_start[l_cust[shuffle]]]
    picked = eligible[shuffle] & (
        before + ev / 2 < return_rate[l_cust[shuffle]] * total[l_cust[shuffle]]
    )
    returned = np.zeros(l_cust.size, dtype=bool)
    returned[shuffle] = picked
    del shuffle, ev, cum, before, picked, eligible
    delay = rng.integers(_DAY, 30 * _DAY, size=o_cust.size)
    o_ret_ts = np.minimum(o_ts + delay, c_last_ts[o_cust] - 60)
    has_return = np.bincount(l_order[returned], minlength=o_cust.size) > 0

    # ---- customers' sign-up, attributes ---------------------------------------------------
    signup_ts = c_first_ts - rng.integers(3600, 90 * _DAY, size=n)
    country = rng.choice(len(COUNTRIES), size=n, p=_COUNTRY_WEIGHTS)
    age_cum = np.cumsum(_spec_array("age_weights"), axis=1)
    age_cum /= age_cum[:, -1:]
    age_band = (age_cum[codes] < rng.random(n)[:, None]).sum(axis=1)
    opt_in = rng.random(n) < _spec_array("opt_in_prob")[codes]

    # ---- visits: parameters only; rows are drawn by _simulate_visits ---------------------
    taper = _spec_array("visits_taper", bool)[codes]
    v_end = np.where(taper, c_last_ts + rng.integers(30 * _DAY, 150 * _DAY, size=n), end_ts)
    v_end = np.where(codes == _LAPSED_CODE, c_last_ts + rng.integers(0, 60 * _DAY, size=n), v_end)
    v_end = np.minimum(v_end, end_ts)

    return {
        "codes": codes,
        "signup_ts": signup_ts,
        "country": country,
        "age_band": age_band,
        "opt_in": opt_in,
        "visit_rate": visit_rate,
        "visit_end": v_end,
        "visit_taper": taper,
        "o_cust": o_cust,
        "o_ts": o_ts,
        "o_ret_ts": o_ret_ts,
        "has_return": has_return,
        "l_order": l_order,
        "l_row": row,
        "l_qty": qty,
        "l_disc": disc_cents,
        "returned": returned,
    }


def _simulate_visits(
    rng: np.random.Generator, sim: dict[str, np.ndarray], lo: int, hi: int
) -> tuple[np.ndarray, np.ndarray]:
    """Web sessions of customers ``lo:hi``: (customer index, timestamp), sorted by both."""
    start = sim["signup_ts"][lo:hi]
    span = sim["visit_end"][lo:hi] - start
    taper = sim["visit_taper"][lo:hi]
    n_visits = rng.poisson(sim["visit_rate"][lo:hi] * span / (_MONTH_DAYS * _DAY))
    v_cust, _ = _expand(n_visits)
    u = rng.random(v_cust.size)
    u = np.where(taper[v_cust], 1 - np.sqrt(1 - u), u)  # linearly fading intensity
    offset = np.floor(u * span[v_cust]).astype(np.int64)
    del u
    # sort by (customer, time) with one packed int64 key: customer << 32 | seconds offset
    base = int(start.min()) if start.size else 0
    key = (v_cust.astype(np.int64) << 32) | (start[v_cust] - base + offset)
    del v_cust, offset
    key.sort()
    return lo + (key >> 32), base + (key & 0xFFFFFFFF)


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


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


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


if __name__ == "__main__":
    raise SystemExit(main())
