"""Read one delivered file into text columns, one frame per declared table, each row with its source line.

Every value is read as text (casting is validation's job, so a bad value quarantines one row instead of
failing the file). A file that cannot be read as its declared format and encoding raises `Unreadable`, and
the whole file is rejected with that reason.
"""

from __future__ import annotations

import codecs
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import fastexcel
import polars as pl

from ingest.registry import Feed, Table

SOURCE_LINE = "_source_line"
# fastexcel renders a date-formatted cell as text in this shape; typed dates also accept it for workbooks.
EXCEL_DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
JSONL_DECODE_LINES = 50_000  # JSON Lines records decoded at a time


class Unreadable(ValueError):
    """The file is not readable as its declared format/encoding: reject it whole, with this reason."""


@dataclass
class RawTable:
    table: Table
    frame: pl.DataFrame  # one String column per delivered header, plus `_source_line`
    extra_date_formats: tuple[str, ...] = field(default=())


def read_delivery(feed: Feed, path: Path, data: bytes | None = None) -> list[RawTable]:
    """The delivered file (its bytes, when already read) as text frames, one per table of the feed."""
    data = path.read_bytes() if data is None else data
    readers = {"csv": _read_csv, "jsonl": _read_jsonl, "xlsx": _read_xlsx}
    return readers[feed.format](feed, data)


def _decode(data: bytes, encoding: str) -> bytes:
    """UTF-8 bytes of a file in its declared encoding; strict, so a foreign byte rejects the file."""
    try:
        text = data.decode(encoding)  # utf-8-sig also drops the byte-order mark
    except UnicodeDecodeError as exc:
        snippet = data[max(exc.start - 8, 0) : exc.end + 8]
        raise Unreadable(
            f"not valid {encoding}: byte {exc.start} ({data[exc.start:exc.end].hex(' ')}) cannot be decoded "
            f"(near {snippet!r}); re-export the file in {encoding}"
        ) from None
    return text.lstrip("\ufeff").encode("utf-8")


def _polars_bytes(data: bytes, encoding: str) -> bytes:
    """The UTF-8 bytes polars reads. A UTF-8 file is passed as it is (less its byte-order mark): polars
    validates UTF-8 itself, and `_explain_utf8` words its failure. Other encodings are decoded strictly."""
    if encoding.replace("_", "-").lower() in ("utf-8", "utf-8-sig", "utf8"):
        return data[len(codecs.BOM_UTF8):] if data.startswith(codecs.BOM_UTF8) else data
    return _decode(data, encoding)


def _explain_utf8(exc: Exception, data: bytes, encoding: str) -> None:
    """After polars rejected a file as invalid UTF-8: raise `Unreadable` naming the first bad byte."""
    if "utf-8" in str(exc).lower() or "utf8" in str(exc).lower():
        _decode(data, encoding)


def _empty(table: Table) -> pl.DataFrame:
    schema = {c.source: pl.String for c in table.columns}
    return pl.DataFrame(schema={**schema, SOURCE_LINE: pl.Int64})


def _read_csv(feed: Feed, data: bytes) -> list[RawTable]:
    table = feed.tables[0]
    utf8 = _polars_bytes(data, feed.encoding)
    if not utf8[:64].strip() and not utf8.strip():
        return [RawTable(table, _empty(table))]  # a zero-byte delivery: an empty snapshot, for the guard
    try:
        # Line numbers assume no newline inside a quoted value (agency CSVs have none).
        frame = pl.read_csv(
            io.BytesIO(utf8), infer_schema=False, row_index_name=SOURCE_LINE, row_index_offset=2
        )
    except (pl.exceptions.PolarsError, OSError) as exc:
        _explain_utf8(exc, data, feed.encoding)
        raise Unreadable(f"not a readable CSV: {_first_line(exc)}") from None
    return [RawTable(table, frame.with_columns(pl.col(SOURCE_LINE).cast(pl.Int64)))]


def _jsonl_schema(table: Table) -> dict[str, pl.DataType]:
    schema: dict[str, pl.DataType] = {}
    for col in table.columns:
        if col.type == "list":
            schema[col.source] = pl.List(pl.Struct({f.source: pl.String for f in col.fields}))
        else:
            schema[col.source] = pl.String
    return schema


def _read_jsonl(feed: Feed, data: bytes) -> list[RawTable]:
    table = feed.tables[0]
    utf8 = _polars_bytes(data, feed.encoding)
    # Split and parse inside polars (str.json_decode is several times faster than read_ndjson here), keeping
    # each record's line number; blank lines are not records.
    try:
        # A second (empty) value: polars keeps a one-value column as a scalar and copies it whole on each use.
        text = pl.Series([utf8, b""], dtype=pl.Binary).cast(pl.String)
    except pl.exceptions.PolarsError as exc:
        _explain_utf8(exc, data, feed.encoding)
        raise Unreadable(f"not valid {feed.encoding}: {_first_line(exc)}") from None
    lines = (
        pl.DataFrame({"_text": text.str.split("\n").explode()})
        .with_row_index(SOURCE_LINE, offset=1)
        .filter(pl.col("_text").str.strip_chars() != "")
    )
    del text
    if lines.is_empty():  # typed like a decoded file (list columns too), so validation treats it alike
        return [RawTable(table, pl.DataFrame(schema={**_jsonl_schema(table), SOURCE_LINE: pl.Int64}))]
    schema = pl.Struct(_jsonl_schema(table))
    try:  # in slices: decoding a whole file at once holds several copies of it (and is slower)
        records = pl.concat([
            lines.get_column("_text").slice(start, JSONL_DECODE_LINES).str.json_decode(schema)
            for start in range(0, lines.height, JSONL_DECODE_LINES)
        ], rechunk=False)
    except pl.exceptions.PolarsError as exc:
        raise Unreadable(_first_bad_json_line(utf8) or f"not readable JSON Lines: {_first_line(exc)}") from None
    if records.null_count():
        first = lines.filter(records.is_null()).row(0, named=True)
        raise Unreadable(f"line {first[SOURCE_LINE]} is not a JSON object: {first['_text'][:80]!r}")
    # A key no line carries is a missing column (decoding would silently fill it with nulls).
    absent = [c.source for c in table.columns if f'"{c.source}"'.encode() not in utf8]
    frame = records.struct.unnest().drop(absent).with_columns(lines.get_column(SOURCE_LINE).cast(pl.Int64))
    return [RawTable(table, frame)]


def _first_bad_json_line(data: bytes) -> str | None:
    """Only on failure: find the line a person must fix (Python's parser is slow but precise)."""
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            return f"line {number} is not valid JSON ({exc}): {line[:80]!r}"
        if not isinstance(record, dict):
            return f"line {number} is not a JSON object: {line[:80]!r}"
    return None


def _read_xlsx(feed: Feed, data: bytes) -> list[RawTable]:
    try:
        workbook = fastexcel.read_excel(data)
    except Exception as exc:  # calamine raises its own error types for every kind of broken workbook
        raise Unreadable(f"not a readable workbook: {_first_line(exc)}") from None
    out = []
    for table in feed.tables:
        if table.sheet not in workbook.sheet_names:
            raise Unreadable(f"workbook has no sheet {table.sheet!r} (sheets: {', '.join(workbook.sheet_names)})")
        try:
            # eager: calamine builds the Arrow columns as it parses, with no copy of the cells kept in between
            frame = pl.from_arrow(workbook.load_sheet(table.sheet, dtypes="string", eager=True))
        except Exception as exc:
            raise Unreadable(f"sheet {table.sheet!r} is not readable: {_first_line(exc)}") from None
        # Header is sheet row 1, so data row i (from 0) is sheet row i + 2; blank rows are not records.
        frame = frame.with_row_index(SOURCE_LINE, offset=2).with_columns(pl.col(SOURCE_LINE).cast(pl.Int64))
        data_cols = [c for c in frame.columns if c != SOURCE_LINE]
        if data_cols:
            frame = frame.filter(pl.any_horizontal(pl.col(data_cols).is_not_null()))
        out.append(RawTable(table, frame, extra_date_formats=(EXCEL_DATETIME_FORMAT,)))
    return out


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
