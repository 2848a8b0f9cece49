"""The shop's fixed vocabulary (categories, countries, columns) and the planted personas."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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
