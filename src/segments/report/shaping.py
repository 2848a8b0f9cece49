"""Pure functions that shape warehouse tables into what the report shows.

No I/O here: every function takes and returns frames, so the unit tests build small frames by
hand. Segment 0 is the inactive customers (kept, never clustered); its name, description and
campaign come from the segment_reserved seed (``reserved``: the table read from the warehouse,
None: the seed file), the profiled features and their transform from the segment_features
seed (``segments.registry``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from segments import registry
from segments.model.prepare import LOG_CLIP_LOWER
from segments.report.palette import INACTIVE_SEGMENT_ID

#: An axis of the customer map is described by its two largest feature weights, and a third
#: when that is at least this large (weights of a component have unit length).
THIRD_LOADING_FROM = 0.3

DEFINITION_COLUMNS = (
    "segment_name",
    "description",
    "recommended_campaign",
    "stability_jaccard",
    "stability_class",
)


def assign_segments(
    features: pd.DataFrame,
    scores: pd.DataFrame,
    definitions: pd.DataFrame | None,
    reserved: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per customer: features plus segment_id and segment_name.

    Active customers take the segment they were scored into; inactive ones (and any active
    customer without a score) are segment 0, named as in the segment_reserved seed.
    """
    keep = [c for c in ("customer_id", "segment_id", "model_version") if c in scores.columns]
    customers = features.merge(scores[keep], on="customer_id", how="left", validate="one_to_one")
    inactive = ~customers["is_active"].fillna(False).astype(bool)
    segment_id = customers["segment_id"].where(~inactive)
    customers["segment_id"] = segment_id.fillna(INACTIVE_SEGMENT_ID).astype("int64")
    names = segment_names(definitions, reserved)
    customers["segment_name"] = (
        customers["segment_id"]
        .map(names)
        .fillna(customers["segment_id"].map(lambda i: f"Segment {i}"))
    )
    first = ["customer_id", "segment_id", "segment_name"]
    return customers[first + [c for c in customers.columns if c not in first]]


def segment_names(
    definitions: pd.DataFrame | None, reserved: pd.DataFrame | None = None
) -> dict[int, str]:
    """segment_id -> name, with 0 named as in the segment_reserved seed."""
    names = {INACTIVE_SEGMENT_ID: registry.inactive_segment(reserved)["segment_name"]}
    if definitions is not None:
        for segment_id, name in zip(
            definitions["segment_id"], definitions["segment_name"], strict=True
        ):
            names[int(segment_id)] = str(name)
    return names


def profile_features(
    customers: pd.DataFrame,
    model_features: list[str],
    registry_features: pd.DataFrame | None = None,
) -> list[str]:
    """Features to profile: the model's own first, then the registry's reported ones
    (``registry_features``: the segment_features table, None: the seed file), if present in
    the data with at least one value."""
    profiled = registry.reported_features(registry_features)
    ordered = list(dict.fromkeys([*model_features, *profiled]))
    return [
        name
        for name in ordered
        if name in customers.columns
        and pd.api.types.is_numeric_dtype(customers[name])
        and customers[name].notna().any()
    ]


def derive_profiles(
    customers: pd.DataFrame,
    definitions: pd.DataFrame | None,
    features: list[str],
    reserved: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per segment (0 = inactive included): size, revenue, shares and feature means,
    named as in the ``segment_profiles`` mart (customer_count, <feature>_mean).

    The fallback for a warehouse without that mart, and the source of columns a mart lacks.
    """
    grouped = customers.groupby("segment_id", sort=True)
    profiles = pd.DataFrame({"customer_count": grouped.size()})
    profiles["customer_share"] = profiles["customer_count"] / max(len(customers), 1)
    if "net_revenue" in customers.columns:
        revenue = customers["net_revenue"].astype("float64")
        profiles["net_revenue"] = revenue.groupby(customers["segment_id"]).sum()
        total_revenue = revenue.sum()
        profiles["revenue_share"] = (
            profiles["net_revenue"] / total_revenue if total_revenue else np.nan
        )
    for feature in features:
        profiles[f"{feature}_mean"] = grouped[feature].mean()
    profiles = profiles.reset_index()
    profiles["segment_id"] = profiles["segment_id"].astype("int64")
    profiles = profiles.merge(segment_info(definitions, reserved), on="segment_id", how="left")
    profiles["segment_name"] = profiles["segment_name"].fillna(
        profiles["segment_id"].map(lambda i: f"Segment {i}")
    )
    first = ["segment_id", *DEFINITION_COLUMNS]
    return profiles[first + [c for c in profiles.columns if c not in first]]


def segment_info(
    definitions: pd.DataFrame | None, reserved: pd.DataFrame | None = None
) -> pd.DataFrame:
    """segment_id, name, description, campaign and stability, with the inactive row added
    (from the segment_reserved seed)."""
    texts = registry.inactive_segment(reserved)
    inactive = pd.DataFrame(
        {
            "segment_id": [INACTIVE_SEGMENT_ID],
            "segment_name": [texts["segment_name"]],
            "description": [texts["description"]],
            "recommended_campaign": [texts["recommended_campaign"]],
            "stability_jaccard": [np.nan],
            "stability_class": [None],
        }
    )
    if definitions is None or definitions.empty:
        return inactive
    frame = definitions.copy()
    for column in DEFINITION_COLUMNS:
        if column not in frame.columns:
            frame[column] = None
    frame = frame[["segment_id", *DEFINITION_COLUMNS]]
    frame["segment_id"] = frame["segment_id"].astype("int64")
    frame = frame[frame["segment_id"] != INACTIVE_SEGMENT_ID]
    return pd.concat([inactive.astype(frame.dtypes.to_dict()), frame], ignore_index=True)


def overlay(preferred: pd.DataFrame, fallback: pd.DataFrame, key: str) -> pd.DataFrame:
    """``preferred`` with the columns it lacks taken from ``fallback`` (joined on ``key``)."""
    missing = [c for c in fallback.columns if c not in preferred.columns]
    if not missing:
        return preferred
    return preferred.merge(fallback[[key, *missing]], on=key, how="left")


def feature_zscores(
    customers: pd.DataFrame,
    features: list[str],
    registry_features: pd.DataFrame | None = None,
    log_scale: bool = True,
) -> pd.DataFrame:
    """Segment x feature: how far the segment's mean lies from the mean of all active
    customers, in their standard deviations.

    Counts, days and money are taken on the log1p scale first, as the model takes them
    (log_transform in the feature registry, ``registry_features``; None: the seed file):
    on the raw scale a few very large customers
    set the standard deviation and every segment looks average. For the model's features
    this is the K-Means centroid. Active segments only (segment 0 was not clustered);
    features with no spread are dropped. Rows are segment ids in ascending order.
    ``log_scale=False`` takes every feature as it is: the heatmap colours its cells so, as
    the cells show plain averages (a higher average is always a warmer colour).
    """
    active = customers[customers["segment_id"] != INACTIVE_SEGMENT_ID]
    values = active[features].astype("float64")
    log_features = registry.log_features(registry_features) if log_scale else []
    for feature in features:
        if feature in log_features:
            values[feature] = np.log1p(values[feature].clip(lower=LOG_CLIP_LOWER))
    overall_mean = values.mean()
    overall_std = values.std(ddof=0)
    keep = [f for f in features if overall_std.get(f, 0) > 0 and not np.isnan(overall_std[f])]
    means = values[keep].groupby(active["segment_id"]).mean().sort_index()
    z = (means - overall_mean[keep]) / overall_std[keep]
    z.index = z.index.astype("int64")
    return z


def segment_means(customers: pd.DataFrame, features: list[str]) -> pd.DataFrame:
    """Segment x feature means in real units (active segments), plus overall active means
    as the row labelled "all"."""
    active = customers[customers["segment_id"] != INACTIVE_SEGMENT_ID]
    values = active[features].astype("float64")
    means = values.groupby(active["segment_id"]).mean().sort_index()
    means.loc["all"] = values.mean()
    return means


def headline(
    customers: pd.DataFrame, profiles: pd.DataFrame, model_version: str | None
) -> dict[str, object]:
    """The KPIs at the top of the report: customers, active, segments, net revenue, as-of
    date and model version."""
    active = customers["segment_id"] != INACTIVE_SEGMENT_ID
    if "net_revenue" in customers.columns:
        revenue = float(customers["net_revenue"].astype("float64").sum())
    else:
        revenue = float(profiles["net_revenue"].astype("float64").sum())
    as_of = None
    for frame in (customers, profiles):
        if "as_of_date" in frame.columns and frame["as_of_date"].notna().any():
            as_of = pd.Timestamp(frame["as_of_date"].max()).date()
            break
    return {
        "customers": len(customers),
        "active_customers": int(active.sum()),
        "segments": int(customers.loc[active, "segment_id"].nunique()),
        "net_revenue": revenue,
        "as_of_date": as_of,
        "model_version": model_version,
    }


def wide_pivot(
    summary: pd.DataFrame,
    dimension: str,
    value: str,
    segment_order: list[str],
    top: int | None = None,
) -> pd.DataFrame:
    """A long summary as a table: one row per ``dimension`` value, one column per segment
    name (in ``segment_order``) and a Total, rows by Total descending (months in date order).

    With ``top``, rows beyond the first ``top`` are added up into one "Other" row.
    """
    table = summary.pivot_table(
        index=dimension, columns="segment_name", values=value, aggfunc="sum", fill_value=0
    )
    columns = [name for name in segment_order if name in table.columns]
    columns += [name for name in table.columns if name not in columns]
    table = table[columns]
    table["Total"] = table.sum(axis=1)
    if pd.api.types.is_datetime64_any_dtype(table.index):
        table = table.sort_index()
    else:
        table = table.sort_values("Total", ascending=False, kind="stable")
        if top is not None and len(table) > top:
            other = table.iloc[top:].sum().rename("Other")
            table = pd.concat([table.iloc[:top], other.to_frame().T])
    table.columns.name = None
    return table


def top_loadings(loadings: pd.DataFrame | None, component: int) -> list[tuple[str, float]]:
    """What axis ``component`` (1 or 2) of the customer map measures: (feature, weight) of
    its largest weights by size, the two largest and a third from THIRD_LOADING_FROM, ties
    to the feature first in the model. Empty without a loadings table (segment_pca_loadings)."""
    column = f"pc{component}_loading"
    if loadings is None or loadings.empty or column not in loadings.columns:
        return []
    table = loadings.sort_values("feature_position", kind="stable")
    weights = table[column].astype("float64")
    order = weights.abs().sort_values(ascending=False, kind="stable").index
    chosen = [
        (str(table.loc[index, "feature_name"]), float(weights[index]))
        for position, index in enumerate(order[:3])
        if position < 2 or abs(weights[index]) >= THIRD_LOADING_FROM
    ]
    return chosen
