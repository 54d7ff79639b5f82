"""A small lake writer for dbt tests: Parquet files laid out and typed as ARCHITECTURE.md section 2 says.

The real writer is ingest (``ingest.land``); this one lets dbt tests build a lake from rows given in the test,
already canonical (English codes, normalized identifiers), without going through a drop.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ingest import registry
from qcredit.dbt_sources import IDENTITY_COLUMNS, STAMP_COLUMNS

_ARROW = {"str": pa.string(), "int": pa.int64(), "float": pa.float64(), "date": pa.date32(), "bool": pa.bool_()}
_STAMP_ARROW = {"varchar": pa.string(), "date": pa.date32(), "integer": pa.int32()}


def _arrow_type(column: registry.Column) -> pa.DataType:
    if column.type == "list":
        return pa.list_(pa.struct([(f.name, _arrow_type(f)) for f in column.fields]))
    return _ARROW[column.type]


def table_schema(table: registry.Table) -> pa.Schema:
    declared = [(c.name, _arrow_type(c)) for c in table.columns]
    names = {name for name, _ in declared}
    extra = [(name, _STAMP_ARROW[t]) for name, t, _ in IDENTITY_COLUMNS + STAMP_COLUMNS if name not in names]
    return pa.schema(declared + extra)


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
