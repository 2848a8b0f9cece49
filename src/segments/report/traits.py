"""Plain-words descriptions of segments, for marketers.

A segment's traits come from the z-scores of its feature means (how many standard deviations
the segment's average sits from the average active customer); each trait is worded with the
segment's real average and the overall one, e.g. "buys often (24 orders to date, 3.0x the
average of 8)".
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import pandas as pd
from babel import numbers

from segments import registry
from segments.report.shaping import top_loadings

#: A feature counts as a trait when its segment mean is this many standard deviations away
#: from the average active customer.
TRAIT_THRESHOLD = 0.5
#: At most this many traits per segment, strongest first.
MAX_TRAITS = 4
TIMES = "\u00d7"
#: A ratio to the average at least this large is quoted as "N x the average".
RATIO_QUOTED_FROM = 1.5


@dataclass(frozen=True)
class FeatureSpec:
    """How a feature reads: its label, unit, kind of number, and words for high and low."""

    label: str
    unit: str
    kind: str  # count | money | days | share | rate
    high: str
    low: str
    template: str


def feature_specs(features: pd.DataFrame | None = None) -> dict[str, FeatureSpec]:
    """Feature -> how it reads, from the feature registry (``features``: the segment_features
    table; None reads seeds/segment_features.csv)."""
    table = registry.feature_registry(features)
    return {
        str(row.feature_name): FeatureSpec(
            str(row.label),
            str(row.unit),
            str(row.kind),
            str(row.high_phrase),
            str(row.low_phrase),
            str(row.template),
        )
        for row in table.itertuples(index=False)
    }


FEATURES: dict[str, FeatureSpec] = feature_specs()

#: Features shown in the profile heatmap and cards, in this order, when the data has them
#: (the registry's is_reported features).
PROFILE_FEATURES: tuple[str, ...] = tuple(registry.reported_features())

STABILITY_WORDS: dict[str, str] = {
    "stable": "Stable: it comes back almost unchanged when the model is refit, so it is safe "
    "to plan campaigns on.",
    "measuring a pattern": "Fairly stable: a real pattern, but customers at its borders "
    "could fall either way.",
    "pattern, but unstable": "Unstable: do not build a campaign on this segment alone.",
    "dissolved": "Not reliable: the segment falls apart when the model is refit.",
}


#: inactive_reason codes in words (customer_features, customer_segments).
INACTIVE_REASON_WORDS: dict[str, str] = {
    "no_purchase_in_window": "no purchase before the as-of date",
    "no_purchase_within_inactive_after_days": "no recent purchase (longer ago than the "
    "inactivity limit)",
}

#: Stability classes in a word or two, for table cells.
STABILITY_SHORT: dict[str, str] = {
    "stable": "stable",
    "measuring a pattern": "fairly stable",
    "pattern, but unstable": "unstable",
    "dissolved": "not reliable",
}


def inactive_reason_in_words(reason: object, inactive_after_days: int | None = None) -> object:
    """An inactive_reason code as a marketer reads it (None stays None)."""
    if reason is None or (not isinstance(reason, str) and pd.isna(reason)):
        return None
    if reason == "no_purchase_within_inactive_after_days" and inactive_after_days:
        return f"no purchase in the last {inactive_after_days:,} days (the inactivity limit)"
    return INACTIVE_REASON_WORDS.get(str(reason), str(reason).replace("_", " "))


def feature_label(feature: str) -> str:
    """Human label of a feature ("Orders"); the column name made readable when unknown."""
    spec = FEATURES.get(feature)
    return spec.label if spec else feature.replace("_", " ").capitalize()


def feature_axis_label(feature: str, currency: str = "") -> str:
    """Label with its unit, for axis titles and table headers: "Net revenue (EUR)"."""
    spec = FEATURES.get(feature)
    if spec is None:
        return feature_label(feature)
    unit = (currency or "currency units") if spec.unit == "currency" else spec.unit
    return f"{spec.label} ({unit})"


MINUS = "\u2212"


def loadings_in_words(weights: list[tuple[str, float]]) -> str:
    """An axis of the customer map in words: "net revenue +0.61, orders +0.58, days since
    last order \u22120.40" (feature labels from the registry, signed weights)."""
    parts = []
    for feature, weight in weights:
        label = feature_label(feature)
        if len(label) > 1 and label[1].islower():
            label = label[0].lower() + label[1:]
        sign = MINUS if round(weight, 2) < 0 else "+"
        parts.append(f"{label} {sign}{abs(weight):.2f}")
    return ", ".join(parts)


def component_title(
    validation: dict[str, float], loadings: pd.DataFrame | None, number: int
) -> str:
    """An axis of the customer map: its share of the spread (segment_validation) and what it
    measures (the largest weights of segment_pca_loadings), e.g. "Principal component 1
    (41% of spread): net revenue +0.61, orders +0.58"."""
    share = validation.get(f"pca_explained_variance_pc{number}")
    title = f"Principal component {number}"
    if share is not None and not pd.isna(share):
        title += f" ({share:.0%} of spread)"
    weights = top_loadings(loadings, number)
    return f"{title}: {loadings_in_words(weights)}" if weights else title


#: Locale of the numbers (thousands separator, sign and symbol placement), for Babel.
LOCALE = "en"


@functools.cache
def currency_code(currency: str) -> str | None:
    """The ISO code of the --currency given as a code (GBP) or a symbol (£), None if unknown."""
    if not currency:
        return None
    if currency.upper() in numbers.list_currencies():
        return currency.upper()
    for code in sorted(numbers.list_currencies()):
        if numbers.get_currency_symbol(code, LOCALE) == currency:
            return code
    return None


def format_money(value: float, currency: str = "") -> str:
    """Money by Babel: -£1,041 (sign before the symbol), €5.26 below 10, 1,041 GBP for a code
    Babel has no symbol for; plain digits without a currency."""
    pattern = "#,##0" if abs(value) >= 10 else "#,##0.00"
    code = currency_code(currency)
    if code is None:
        amount = numbers.format_decimal(abs(value), format=pattern, locale=LOCALE)
        sign = "-" if value < 0 and amount.strip("0.,") else ""
        return f"{sign}{currency}{amount}" if currency else f"{sign}{amount}"
    symbol = numbers.get_currency_symbol(code, LOCALE)
    if symbol == code:  # no symbol in this locale: the code after the amount
        amount = numbers.format_decimal(value, format=pattern, locale=LOCALE)
        return f"{amount} {code}"
    return numbers.format_currency(
        value, code, format="\u00a4" + pattern, locale=LOCALE, currency_digits=False
    )


def with_currency(amount: str, currency: str = "") -> str:
    """A symbol goes before the amount (\u20ac12), a code after it (12 GBP)."""
    if not currency:
        return amount
    return f"{currency}{amount}" if len(currency) == 1 else f"{amount} {currency}"


def format_number(value: float, kind: str, currency: str = "") -> str:
    """A value as a marketer reads it, formatted by Babel: shares as %, money with its
    currency and thousands separators, counts and days as whole numbers."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if kind == "share":
        pattern = "#,##0%" if abs(value) >= 0.01 or value == 0 else "#,##0.0%"
        return numbers.format_percent(value, format=pattern, locale=LOCALE)
    if kind == "money":
        return format_money(value, currency)
    pattern = "#,##0" if abs(value) >= 10 or kind == "days" else "#,##0.0"
    return numbers.format_decimal(value, format=pattern, locale=LOCALE)


def _ratio_text(ratio: float) -> str:
    return f"{ratio:.0f}{TIMES}" if ratio >= 3 else f"{ratio:.1f}{TIMES}"


def describe_trait(
    feature: str, z: float, segment_mean: float, overall_mean: float, currency: str = ""
) -> str:
    """One trait in plain words: "buys often (24 orders to date, 3.0x the average of 8)"
    (with a real multiplication sign)."""
    spec = FEATURES.get(feature)
    if spec is None:
        direction = "high" if z >= 0 else "low"
        return f"{direction} {feature_label(feature).lower()} ({z:+.1f} standard deviations)"
    value = format_number(segment_mean, spec.kind, currency)
    average = format_number(overall_mean, spec.kind, currency)
    words = spec.high if z >= 0 else spec.low
    quoted = spec.template.format(value=value)
    comparable = spec.kind != "share" and overall_mean > 0 and segment_mean > 0
    ratio = segment_mean / overall_mean if comparable else float("nan")
    if comparable and ratio >= RATIO_QUOTED_FROM:
        comparison = f"{_ratio_text(ratio)} the average of {average}"
    else:
        comparison = f"vs {average} on average"
    return f"{words} ({quoted}, {comparison})"


def segment_traits(
    z: pd.Series,
    segment_means: pd.Series,
    overall_means: pd.Series,
    currency: str = "",
    threshold: float = TRAIT_THRESHOLD,
    max_traits: int = MAX_TRAITS,
) -> list[str]:
    """The segment's strongest traits in words, strongest first (|z| >= threshold).

    ``z``, ``segment_means`` and ``overall_means`` are indexed by feature. Ties in strength
    go to the feature listed first. An empty list means an average-looking segment.
    """
    return [
        describe_trait(
            feature, value, float(segment_means[feature]), float(overall_means[feature]), currency
        )
        for feature, value in strongest_features(z, threshold, max_traits)
    ]


def strongest_features(
    z: pd.Series, threshold: float = TRAIT_THRESHOLD, max_traits: int = MAX_TRAITS
) -> list[tuple[str, float]]:
    """(feature, z) of a segment's traits, strongest first (|z| >= threshold, at most
    ``max_traits``; ties to the feature listed first): the order of ``segment_traits``."""
    z = z.dropna()
    strong = [(feature, float(value)) for feature, value in z.items() if abs(value) >= threshold]
    strong.sort(key=lambda item: -round(abs(item[1]), 9))
    return strong[:max_traits]


def stability_in_words(stability_class: str | None, jaccard: float | None = None) -> str:
    """Hennig's stability class as a sentence a marketer can act on."""
    if stability_class is None or pd.isna(stability_class):
        return "Stability was not measured for this model."
    sentence = STABILITY_WORDS.get(str(stability_class), f"Stability: {stability_class}.")
    if jaccard is not None and not pd.isna(jaccard):
        sentence += f" (Overlap when refit: {jaccard:.2f} of 1.)"
    return sentence
