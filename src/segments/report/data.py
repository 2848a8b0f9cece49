"""Data access for the report: the only module that knows table names and where they live.

Reads the dbt warehouse (DuckDB, opened read-only) or a folder of Parquet copies of the
public marts. The marts (``customer_segments``, ``segment_profiles``, the
``segment_*_summary`` pivots) are used when present. Without the first two, customers and
profiles are derived from ``customer_features``, ``customer_segment_scores`` and
``segment_definitions``; without a summary mart its table is left out. Customer-level
features (``customer_features``) feed the profile heatmap and the traits; the diagnostics
need ``segment_k_selection``, ``segment_validation``, ``segment_pca_projection`` and
``segment_pca_loadings`` (what the map's axes measure). The seeds
``segment_reserved`` (segment 0's name and texts) and ``segment_features`` (the feature
registry) are read from the warehouse's reference schema; a Parquet folder has neither, and
the library reads the same seed files instead (``segments.registry``).
"""

from __future__ import annotations

import decimal
import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from segments import registry
from segments.report import shaping

#: Schemas searched for a table name, first match wins.
SCHEMAS = ("main", "segmentation", "scoring", "reference")
DEFAULT_DATABASE = "segments.duckdb"
#: Summary key -> the mart that holds it (one row per segment and country / category /
#: month).
SUMMARY_MARTS = {
    "country": "segment_country_summary",
    "category": "segment_category_summary",
    "month": "segment_monthly_summary",
}


def default_database() -> Path:
    """The warehouse dbt writes: $DBT_DUCKDB_PATH, else segments.duckdb here."""
    return Path(os.environ.get("DBT_DUCKDB_PATH") or DEFAULT_DATABASE)


class Warehouse:
    """A set of named tables read into pandas frames."""

    #: Where the data comes from, in full (footer, workbook) and short (report subtitle).
    description = ""
    label = ""

    def tables(self) -> set[str]:
        raise NotImplementedError

    def has(self, name: str) -> bool:
        return name in self.tables()

    def read(self, name: str) -> pd.DataFrame:
        raise NotImplementedError

    def read_optional(self, name: str) -> pd.DataFrame | None:
        """The table, or None when it does not exist."""
        return self.read(name) if self.has(name) else None

    def close(self) -> None:
        """Release the connection (nothing to do for files)."""

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class DuckDBWarehouse(Warehouse):
    """Tables of a DuckDB file built by ``dbt build``, looked up by name in the main and
    segmentation schemas. Read-only by default, so the report never changes the warehouse
    and can run while another reader has it open. (A process that has the file open
    read-write, as dbt-duckdb has inside a test session, must pass ``read_only=False``:
    DuckDB refuses a second connection with another configuration.)"""

    def __init__(self, path: str | Path, read_only: bool = True) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise FileNotFoundError(
                f"No DuckDB warehouse at {self.path}: run `dbt build` first, or pass "
                "--database PATH or --parquet-dir DIR."
            )
        self.description = f"DuckDB warehouse {self.path}"
        self.label = self.path.name
        self.connection = duckdb.connect(str(self.path), read_only=read_only)
        rows = self.connection.sql(
            "select table_schema, table_name from information_schema.tables"
        ).fetchall()
        self._schema_of: dict[str, str] = {}
        for schema in SCHEMAS:
            for table_schema, table_name in rows:
                if table_schema == schema:
                    self._schema_of.setdefault(table_name, schema)

    def tables(self) -> set[str]:
        return set(self._schema_of)

    def read(self, name: str) -> pd.DataFrame:
        schema = self._schema_of[name]
        return normalize(self.connection.sql(f'select * from "{schema}"."{name}"').df())

    def close(self) -> None:
        self.connection.close()


class ParquetWarehouse(Warehouse):
    """A folder of ``<table>.parquet`` files, e.g. ``output/marts`` written by the build, or of
    ``<table>/`` folders of Parquet part files, as Spark writes them."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        if not self.directory.is_dir():
            raise FileNotFoundError(f"No Parquet folder at {self.directory}")
        self.description = f"Parquet marts in {self.directory}"
        self.label = f"{self.directory.name}/ (Parquet)"
        # <mart>.parquet files (DuckDB build) or <mart>/ folders of part files (Spark build).
        self._files = {path.stem: path for path in sorted(self.directory.glob("*.parquet"))}
        self._files.update(
            (path.name, path)
            for path in sorted(self.directory.iterdir())
            if path.is_dir() and any(path.glob("*.parquet"))
        )
        if not self._files:
            raise FileNotFoundError(f"No .parquet files in {self.directory}")

    def tables(self) -> set[str]:
        return set(self._files)

    def read(self, name: str) -> pd.DataFrame:
        return normalize(pd.read_parquet(self._files[name]))


def normalize(frame: pd.DataFrame) -> pd.DataFrame:
    """Decimal columns (Parquet DECIMAL) as floats, so every source gives the same dtypes."""
    for column in frame.columns:
        if frame[column].dtype == object:
            sample = frame[column].dropna()
            if len(sample) and isinstance(sample.iloc[0], decimal.Decimal):
                frame[column] = frame[column].astype("float64")
    return frame


@dataclass
class ReportData:
    """Everything the report, workbook and CSVs show, shaped and ready."""

    source: str
    source_label: str
    customers: pd.DataFrame
    #: One row per segment: the mart's columns, plus derived ones the report needs.
    profiles: pd.DataFrame
    features: list[str]
    model_features: list[str]
    zscores: pd.DataFrame
    means: pd.DataFrame
    kpis: dict[str, object]
    summaries: dict[str, pd.DataFrame] = field(default_factory=dict)
    k_selection: pd.DataFrame | None = None
    validation: dict[str, float] = field(default_factory=dict)
    pca: pd.DataFrame | None = None
    #: segment_pca_loadings: each model feature's weight in the map's two axes.
    pca_loadings: pd.DataFrame | None = None
    used_marts: list[str] = field(default_factory=list)
    #: The profiles as their source has them (the mart, or the derived table): exported.
    profile_table: pd.DataFrame | None = None
    #: Segment 0's name, description and campaign (the segment_reserved seed).
    inactive: dict[str, str] = field(default_factory=registry.inactive_segment)
    #: The heatmap's colours: the same z-scores taken on the plain values the cells show.
    colour_zscores: pd.DataFrame | None = None
    #: customer_segment_changes (who moved where), when the warehouse has it.
    changes: pd.DataFrame | None = None
    #: The published build read: shop and build id (empty for an unpublished warehouse).
    build: dict[str, str] = field(default_factory=dict)
    #: The backtest mart and the feature status ("did the segments hold up?").
    backtest: pd.DataFrame | None = None
    feature_status: pd.DataFrame | None = None

    @property
    def segment_ids(self) -> list[int]:
        """All segment ids in the report, inactive (0) first."""
        return [int(i) for i in self.profiles["segment_id"]]

    @property
    def active_profiles(self) -> pd.DataFrame:
        return self.profiles[self.profiles["segment_id"] != shaping.INACTIVE_SEGMENT_ID]

    def name_of(self, segment_id: int) -> str:
        row = self.profiles.loc[self.profiles["segment_id"] == segment_id, "segment_name"]
        return str(row.iloc[0]) if len(row) else f"Segment {segment_id}"


def load_report_data(warehouse: Warehouse) -> ReportData:
    """Read and shape everything the report needs; marts first, derived otherwise."""
    used: list[str] = []
    reserved = registry.reserved_segments(warehouse.read_optional("segment_reserved"))
    feature_registry = registry.feature_registry(warehouse.read_optional("segment_features"))
    definitions = warehouse.read_optional("segment_definitions")
    features = warehouse.read_optional("customer_features")
    customers = _customers(warehouse, features, definitions, reserved, used)
    model_features = _model_features(warehouse)
    profile_features = shaping.profile_features(customers, model_features, feature_registry)

    derived = shaping.derive_profiles(customers, definitions, profile_features, reserved)
    mart = warehouse.read_optional("segment_profiles")
    if mart is not None:
        used.append("segment_profiles")
        mart["segment_id"] = mart["segment_id"].astype("int64")
        mart = mart.sort_values("segment_id", kind="stable").reset_index(drop=True)
        profiles = shaping.overlay(mart, derived, "segment_id")
    else:
        profiles = derived
    profiles = profiles.sort_values("segment_id", kind="stable").reset_index(drop=True)
    profile_table = mart if mart is not None else profiles

    model_version = _model_version(mart, definitions, customers)
    validation = warehouse.read_optional("segment_validation")
    return ReportData(
        source=warehouse.description,
        source_label=warehouse.label,
        customers=customers,
        profiles=profiles,
        features=profile_features,
        model_features=[f for f in model_features if f in profile_features],
        zscores=shaping.feature_zscores(customers, profile_features, feature_registry),
        colour_zscores=shaping.feature_zscores(
            customers, profile_features, feature_registry, log_scale=False
        ),
        means=shaping.segment_means(customers, profile_features),
        kpis=shaping.headline(customers, profiles, model_version),
        summaries=_summaries(warehouse, used),
        k_selection=_sorted(warehouse.read_optional("segment_k_selection"), "k"),
        validation=(
            {}
            if validation is None
            else dict(zip(validation["metric_name"], validation["metric_value"], strict=True))
        ),
        pca=warehouse.read_optional("segment_pca_projection"),
        pca_loadings=warehouse.read_optional("segment_pca_loadings"),
        used_marts=used,
        profile_table=profile_table,
        inactive=registry.inactive_segment(reserved),
        changes=warehouse.read_optional("customer_segment_changes"),
        build=_build(warehouse.read_optional("build_manifest")),
        backtest=warehouse.read_optional("segment_backtest"),
        feature_status=warehouse.read_optional("segment_feature_status"),
    )


def _build(manifest: pd.DataFrame | None) -> dict[str, str]:
    """Shop and build id of a published serving copy (its build_manifest table)."""
    if manifest is None or manifest.empty:
        return {}
    row = manifest.iloc[0]
    return {"shop": str(row["shop_name"]), "build_id": str(row["build_id"])}


def _customers(
    warehouse: Warehouse,
    features: pd.DataFrame | None,
    definitions: pd.DataFrame | None,
    reserved: pd.DataFrame,
    used: list[str],
) -> pd.DataFrame:
    segments = warehouse.read_optional("customer_segments")
    if segments is not None:
        used.append("customer_segments")
        segments["segment_id"] = segments["segment_id"].fillna(0).astype("int64")
        if features is not None:
            extra = [c for c in features.columns if c not in segments.columns]
            segments = segments.merge(
                features[["customer_id", *extra]], on="customer_id", how="left"
            )
        return segments
    if features is None:
        raise LookupError(
            f"{warehouse.description} has neither customer_segments nor customer_features: "
            "is it a warehouse built by this project?"
        )
    scores = warehouse.read_optional("customer_segment_scores")
    if scores is None:
        raise LookupError(f"{warehouse.description} has no customer_segment_scores")
    return shaping.assign_segments(features, scores, definitions, reserved)


def _model_features(warehouse: Warehouse) -> list[str]:
    for name in ("segment_transforms", "segment_model_current"):
        table = warehouse.read_optional(name)
        if table is not None and not table.empty:
            ordered = table.sort_values("feature_position", kind="stable")
            return list(dict.fromkeys(ordered["feature_name"].astype(str)))
    return []


def _model_version(*frames: pd.DataFrame | None) -> str | None:
    """The current model's version: from the first frame that has one (customer_segments
    keeps, per row, the model of the build in which the row last changed)."""
    for frame in frames:
        if frame is not None and "model_version" in frame.columns:
            versions = frame["model_version"].dropna()
            if len(versions):
                return str(versions.iloc[0])
    return None


def _summaries(warehouse: Warehouse, used: list[str]) -> dict[str, pd.DataFrame]:
    """The three long pivots (marts only), keyed country / category / month."""
    summaries: dict[str, pd.DataFrame] = {}
    for key, mart in SUMMARY_MARTS.items():
        table = warehouse.read_optional(mart)
        if table is not None:
            used.append(mart)
            summaries[key] = table
    return summaries


def _sorted(frame: pd.DataFrame | None, key: str) -> pd.DataFrame | None:
    if frame is None:
        return None
    return frame.sort_values(key, kind="stable").reset_index(drop=True)


def open_warehouse(database: str | Path | None = None, parquet_dir: str | Path | None = None):
    """The warehouse the CLI options name: a Parquet folder, else the DuckDB file."""
    if parquet_dir is not None:
        return ParquetWarehouse(parquet_dir)
    return DuckDBWarehouse(database if database is not None else default_database())
