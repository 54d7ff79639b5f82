"""A small lake writer for dbt tests: Parquet files laid out and typed as ARCHITECTURE.md section 2 says.

The real writer is ingest (``ingest.land``); this one lets dbt tests build a lake from rows given in the test,
already canonical (English codes, normalized identifiers), without going through a drop.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from ingest import registry
from ingest.lake_schema import lake_schema

# The lake's polars types (`ingest.lake_schema`) as Arrow writes them: text stamps are plain strings here.
_ARROW = {pl.String: pa.string(), pl.Categorical: pa.string(), pl.Int64: pa.int64(), pl.Int32: pa.int32(),
          pl.Float64: pa.float64(), pl.Date: pa.date32(), pl.Boolean: pa.bool_()}


def _arrow_type(dtype: pl.DataType) -> pa.DataType:
    if isinstance(dtype, pl.List):
        return pa.list_(pa.struct([(f.name, _arrow_type(f.dtype)) for f in dtype.inner.fields]))
    return _ARROW[dtype if isinstance(dtype, type) else type(dtype)]


def table_schema(table: registry.Table) -> pa.Schema:
    """The table's lake columns in lake order (declared, identity, stamps)."""
    return pa.schema([(name, _arrow_type(dtype)) for name, dtype in lake_schema(table).items()])


def find_table(table_id: str) -> registry.Table:
    for table in registry.all_tables():
        if table.table_id == table_id:
            return table
    raise KeyError(table_id)


def ensure_empty_lake(home: Path) -> None:
    """The zero-row schema file of every declared table, so every dbt source resolves."""
    for table in registry.all_tables():
        folder = home / "lake" / table.agency / table.name / "delivery=00000000_00"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(table_schema(table).empty_table(), folder / "part-empty.parquet")


def write_delivery(home: Path, table_id: str, delivered: date, rows: list[dict], seq: int = 0) -> Path:
    """One delivery of `table_id`: rows hold declared columns; identity and stamps are filled in."""
    table = find_table(table_id)
    schema = table_schema(table)
    delivery_id = f"{delivered:%Y%m%d}_{seq:02d}"
    file_name = f"{table.name}_{delivered:%Y%m%d}" + (f"_{seq:02d}" if seq else "") + ".csv"
    source_file = f"{table.agency}/{file_name}"
    sha = hashlib.sha256(f"{source_file}{rows!r}".encode()).hexdigest()
    ident_col = table.identifier.column
    full_rows = []
    for line, row in enumerate(rows, start=2):
        identifier = row.get(ident_col)
        kind = row.get("identifier_kind", "uscc")
        full = {
            "identifier": identifier,
            "identifier_kind": kind,
            "uscc": row.get("uscc", identifier if kind == "uscc" else None),
            "unresolved_reason": None,
            "_agency": table.agency,
            "_dataset": table.table_id.split("/")[1].split("__")[0],
            "_table": table.name,
            "_delivery_date": delivered,
            "_delivery_seq": seq,
            "_delivery_id": delivery_id,
            "_source_file": source_file,
            "_source_line": line,
            "_file_sha256": sha,
            **row,
        }
        full_rows.append({name: full.get(name) for name in schema.names})
    folder = home / "lake" / table.agency / table.name / f"delivery={delivery_id}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"part-{sha[:12]}.parquet"
    pq.write_table(pa.Table.from_pylist(full_rows, schema=schema), path)
    return path
