"""The fixed product catalogue and the vectorised simulation of orders and web visits."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from segments.sample.personas import (
    _CATALOGUE_SEED,
    _COUNTRY_WEIGHTS,
    _CS_CODE,
    _CS_MIN_TOP_SHARE,
    _DAY,
    _LAPSED_CODE,
    _MONTH_DAYS,
    _PRICE_RANGES,
    _PRODUCTS_PER_CATEGORY,
    _SPECS,
    CATEGORIES,
    COUNTRIES,
    LAPSED_SPEC,
    PERSONAS,
)

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
