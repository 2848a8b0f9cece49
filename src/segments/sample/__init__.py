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

from segments.sample.cli import main
from segments.sample.generate import SampleData, generate_sample
from segments.sample.personas import (
    AGE_BANDS,
    ALL_PERSONAS,
    CATEGORIES,
    COUNTRIES,
    LAPSED,
    PERSONAS,
    PersonaSpec,
)
from segments.sample.simulate import catalogue
from segments.sample.write import write_large_parquet, write_sample

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
