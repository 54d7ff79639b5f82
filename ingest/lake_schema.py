"""The lake's columns, defined once (ARCHITECTURE.md sections 2 and 3).

Every landed table holds its declared columns, then the identity columns, then the delivery stamps. Landing
(`ingest.land`) writes them with these polars types, the dbt source declarations (`qcredit.dbt_sources`) give
dbt their DuckDB names and descriptions, and the tests' small lake writer (`tests/dbt/lake_writer.py`) lays out
the same schema.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from ingest.registry import Column, Table

# A declared column type: how landing types it, and how DuckDB names that type.
DECLARED_TYPES: dict[str, tuple[pl.DataType, str]] = {
    "str": (pl.String, "varchar"),
    "int": (pl.Int64, "bigint"),
    "float": (pl.Float64, "double"),
    "date": (pl.Date, "date"),
    "bool": (pl.Boolean, "boolean"),
}


@dataclass(frozen=True)
class LakeColumn:
    """A column every landed table carries after its declared ones."""

    name: str
    dtype: pl.DataType  # as landing writes it
    duckdb_type: str  # as dbt reads it
    description: str


IDENTITY_COLUMNS = (
    LakeColumn("uscc", pl.String, "varchar",
               "the resolved USCC; null when the identifier resolved to no USCC at landing"),
    LakeColumn("identifier", pl.String, "varchar",
               "the normalized identifier that named the enterprise; null where it is the row's uscc (staging "
               "restores it)"),
    LakeColumn("identifier_kind", pl.String, "varchar", "uscc, legacy_tax_no or customs_code"),
    LakeColumn("unresolved_reason", pl.String, "varchar", "why uscc is null; null when resolved"),
)
# The text stamps are one value per file: as Categorical, Parquet gets their dictionary as it is instead of
# hashing every row's copy. The Parquet type stays a string (DuckDB reads VARCHAR); polars reads the lake's
# stamps back as Categorical.
STAMP_COLUMNS = (
    LakeColumn("_agency", pl.Categorical, "varchar", "agency that delivered the row"),
    LakeColumn("_dataset", pl.Categorical, "varchar", "dataset of the delivery"),
    LakeColumn("_table", pl.Categorical, "varchar", "lake table"),
    LakeColumn("_delivery_date", pl.Date, "date", "delivery (extraction) date from the file name"),
    LakeColumn("_delivery_seq", pl.Int32, "integer", "same-day re-delivery sequence (00 for a file without suffix)"),
    LakeColumn("_delivery_id", pl.Categorical, "varchar", "YYYYMMDD_NN"),
    LakeColumn("_source_file", pl.Categorical, "varchar", "file path relative to the inbox"),
    LakeColumn("_source_line", pl.Int32, "integer", "line (CSV, JSONL) or sheet row (XLSX) in the delivered file"),
    LakeColumn("_file_sha256", pl.Categorical, "varchar", "sha256 of the delivered file"),
)
STAMPS: dict[str, pl.DataType] = {c.name: c.dtype for c in STAMP_COLUMNS}

# A file's quarantined rows (`<home>/lake/_quarantine/<agency>/<dataset>/<file name>.parquet`).
QUARANTINE_SCHEMA: dict[str, pl.DataType] = {
    "agency": pl.String, "dataset": pl.String, "table": pl.String, "file": pl.String, "line": pl.Int64,
    "reason": pl.String, "raw": pl.String, "delivery_date": pl.Date, "delivery_seq": pl.Int32,
}


def polars_type(col: Column) -> pl.DataType:
    """The type landing gives a declared column (a `list` is a list of structs of its fields)."""
    if col.type == "list":
        return pl.List(pl.Struct({f.name: polars_type(f) for f in col.fields}))
    return DECLARED_TYPES[col.type][0]


def duckdb_type(col: Column) -> str:
    """The DuckDB name of a declared column's lake type."""
    if col.type == "list":
        fields = ", ".join(f"{f.name} {duckdb_type(f)}" for f in col.fields)
        return f"struct({fields})[]"
    return DECLARED_TYPES[col.type][1]


def added_columns(table: Table) -> tuple[LakeColumn, ...]:
    """The identity columns and stamps a table gets after its declared ones (a declared `uscc` is the identity
    column `uscc`, in its declared place)."""
    declared = {c.name for c in table.columns}
    return tuple(c for c in IDENTITY_COLUMNS + STAMP_COLUMNS if c.name not in declared)


def landed_schema(table: Table) -> dict[str, pl.DataType]:
    """The typed columns of a landed table before the delivery stamps: declared, then identity."""
    schema = {c.name: polars_type(c) for c in table.columns}
    return {**schema, **{c.name: c.dtype for c in IDENTITY_COLUMNS}}


def lake_schema(table: Table) -> dict[str, pl.DataType]:
    """Every column of a landed table in lake order: declared, identity, stamps."""
    return {**landed_schema(table), **STAMPS}
