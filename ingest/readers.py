"""Read one delivered file into text columns, one frame per declared table, each row with its source line.

Every value is read as text (casting is validation's job, so a bad value quarantines one row instead of
failing the file). A file that cannot be read as its declared format and encoding raises `Unreadable`, and
the whole file is rejected with that reason.

Files that are not what they claim (FEEDS.md) are refused before they can exhaust memory: a CSV or JSON Lines
file whose last line lacks its line end (a partial upload), a duplicated header, a JSON value nested deeper
than `Limits.max_json_depth`, a field longer than `Limits.max_field_bytes`, a workbook that would unpack to
more than `Limits.max_unpacked_bytes` (or `Limits.max_unpack_ratio` times its packed size). A workbook is
parsed in a child process whose resident memory is watched (`_parse_isolated`), so a workbook that lies about
its size, or crashes its parser, costs that child and rejects that file only.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import json
import os
import signal
import zipfile
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import fastexcel
import polars as pl

from ingest.orphans import die_with_parent
from ingest.registry import Feed, Table

SOURCE_LINE = "_source_line"
# fastexcel renders a date-formatted cell as text in this shape; typed dates also accept it for workbooks.
EXCEL_DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
JSONL_DECODE_LINES = 50_000  # JSON Lines records decoded at a time
REJECTED_ROW_SCHEMA: dict[str, pl.DataType] = {
    "table": pl.String, "line": pl.Int64, "reason": pl.String, "raw": pl.String,
}


@dataclass(frozen=True)
class Limits:
    """What a delivered file may demand of a landing process (FEEDS.md, "Files that are not what they claim").
    Each is set by the environment variable named in `limits()`."""

    max_unpacked_bytes: int = 2**30  # a workbook's sheets, unpacked
    max_unpack_ratio: int = 200  # unpacked size over packed size
    max_json_depth: int = 32
    max_field_bytes: int = 2**16
    reader_memory_bytes: int = 4 * 2**30  # resident memory of the child process that parses a workbook


def limits() -> Limits:
    """The limits, from QCREDIT_MAX_UNPACKED_BYTES, QCREDIT_MAX_UNPACK_RATIO, QCREDIT_MAX_JSON_DEPTH,
    QCREDIT_MAX_FIELD_BYTES and QCREDIT_READER_MEMORY_BYTES where set."""
    default = Limits()
    names = {
        "max_unpacked_bytes": "QCREDIT_MAX_UNPACKED_BYTES", "max_unpack_ratio": "QCREDIT_MAX_UNPACK_RATIO",
        "max_json_depth": "QCREDIT_MAX_JSON_DEPTH", "max_field_bytes": "QCREDIT_MAX_FIELD_BYTES",
        "reader_memory_bytes": "QCREDIT_READER_MEMORY_BYTES",
    }
    return Limits(**{key: int(os.environ.get(env) or getattr(default, key)) for key, env in names.items()})


class Unreadable(ValueError):
    """The file is not readable as its declared format/encoding: reject it whole, with this reason."""


@dataclass
class RawTable:
    table: Table
    frame: pl.DataFrame  # one String column per delivered header, plus `_source_line`
    extra_date_formats: tuple[str, ...] = field(default=())
    # Rows the reader could not split into the header's columns (too many fields): quarantined as they are,
    # with `REJECTED_ROW_SCHEMA`; `frame` holds the file's other rows.
    rejected_rows: pl.DataFrame | None = None


def read_delivery(feed: Feed, path: Path, data: bytes | None = None) -> list[RawTable]:
    """The delivered file (its bytes, when already read) as text frames, one per table of the feed."""
    data = path.read_bytes() if data is None else data
    readers = {"csv": _read_csv, "jsonl": _read_jsonl, "xlsx": _read_xlsx}
    raws = readers[feed.format](feed, data)
    if len(data) > limits().max_field_bytes:  # no field of a smaller file can be longer
        for raw in raws:
            _check_field_lengths(raw)
    return raws


def _check_line_end(data: bytes) -> None:
    """A text file's last line ends with its line end; without one the upload was cut short."""
    if data and not data.endswith(b"\n"):
        raise Unreadable(
            "truncated: the last line lacks its line end (an upload cut short?); deliver the whole file again"
        )


def _check_field_lengths(raw: RawTable) -> None:
    longest = limits().max_field_bytes
    text = [c for c, t in raw.frame.schema.items() if t == pl.String]
    if not text:
        return
    lengths = raw.frame.select(pl.col(text).str.len_bytes().max()).row(0, named=True)
    for column, length in lengths.items():
        if length is not None and length > longest:
            line = raw.frame.filter(pl.col(column).str.len_bytes() > longest).get_column(SOURCE_LINE)[0]
            raise Unreadable(
                f"a field longer than {longest} bytes (column {column!r}, line {line}: {length} bytes); "
                "QCREDIT_MAX_FIELD_BYTES sets the limit"
            )


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
    _check_line_end(utf8)
    header = _csv_header(utf8)
    try:
        frame = pl.read_csv(
            io.BytesIO(utf8), infer_schema=False, row_index_name=SOURCE_LINE, row_index_offset=2
        )
    except (pl.exceptions.PolarsError, OSError) as exc:
        _explain_utf8(exc, data, feed.encoding)
        if "field" not in str(exc).lower():
            raise Unreadable(f"not a readable CSV: {_first_line(exc)}") from None
        return [_read_csv_by_record(table, utf8, header)]  # a row with too many fields
    # The row index is the record's line only while no record spans lines (a quoted line break) and no line
    # is blank; one count tells, and the rare file that differs is read record by record.
    if utf8.count(b"\n") != frame.height + 1:
        return [_read_csv_by_record(table, utf8, header)]
    return [RawTable(table, frame.with_columns(pl.col(SOURCE_LINE).cast(pl.Int64)))]


def _csv_header(utf8: bytes) -> list[str]:
    """The header's names; a name given twice would leave one column's values unread: the file is rejected."""
    end = utf8.find(b"\n")
    first = utf8[: end if end >= 0 else len(utf8)].decode("utf-8", errors="replace").rstrip("\r")
    names = next(csv.reader([first]), [])
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise Unreadable(f"the header names column(s) {', '.join(map(repr, twice))} more than once")
    return names


def _read_csv_by_record(table: Table, utf8: bytes, header: list[str]) -> RawTable:
    """The slow path for the files polars cannot number or split: Python's csv module knows each record's first
    line (a quoted value may span lines); a record with more fields than the header is set aside for
    quarantine with its line, and the rest of the file loads."""
    reader = csv.reader(io.StringIO(utf8.decode("utf-8"), newline=""))
    next(reader, None)
    rows: list[list[str | None]] = []
    lines: list[int] = []
    rejected: list[tuple[str, int, str, str]] = []
    line = reader.line_num + 1
    for record in reader:
        if record and (len(record) > 1 or record[0] != ""):
            if len(record) > len(header):
                reason = f"{len(record)} fields where the header has {len(header)}: the row cannot be split"
                rejected.append((table.name, line, reason, json.dumps(record, ensure_ascii=False)))
            else:
                rows.append([v if v != "" else None for v in record] + [None] * (len(header) - len(record)))
                lines.append(line)
        line = reader.line_num + 1
    frame = pl.DataFrame(rows, schema=dict.fromkeys(header, pl.String), orient="row")
    frame = frame.with_columns(pl.Series(SOURCE_LINE, lines, dtype=pl.Int64))
    return RawTable(table, frame, rejected_rows=pl.DataFrame(rejected, schema=REJECTED_ROW_SCHEMA, orient="row"))


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
    _check_line_end(utf8)
    lines = (
        pl.DataFrame({"_text": text.str.split("\n").explode()})
        .with_row_index(SOURCE_LINE, offset=1)
        .filter(pl.col("_text").str.strip_chars() != "")
    )
    del text
    _check_json_depth(lines)
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


def _check_json_depth(lines: pl.DataFrame) -> None:
    """Refuse a value nested deeper than the limit before any parser recurses into it. A line cannot nest
    deeper than it has brackets, so only the few lines with many are measured."""
    deepest = limits().max_json_depth
    suspects = lines.filter(pl.col("_text").str.count_matches(r"[\[{]") > deepest)
    for number, text in suspects.select(SOURCE_LINE, "_text").iter_rows():
        if _json_depth(text) > deepest:
            raise Unreadable(f"line {number}: a JSON value nested deeper than {deepest} levels "
                             "(QCREDIT_MAX_JSON_DEPTH sets the limit)")


def _json_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in one JSON text (brackets inside strings do not count)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            escaped, in_string = (False, True) if escaped else (char == "\\", char != '"')
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _first_bad_json_line(data: bytes) -> str | None:
    """Only on failure: find the line a person must fix (Python's parser is slow but precise)."""
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except (ValueError, RecursionError) as exc:
            return f"line {number} is not valid JSON ({exc}): {line[:80]!r}"
        if not isinstance(record, dict):
            return f"line {number} is not a JSON object: {line[:80]!r}"
    return None


def _read_xlsx(feed: Feed, data: bytes) -> list[RawTable]:
    _check_unpacked_size(data)
    sheets = _parse_isolated(data, [table.sheet for table in feed.tables])
    out = []
    for table in feed.tables:
        # Header is sheet row 1, so data row i (from 0) is sheet row i + 2; blank rows are not records.
        frame = sheets[table.sheet].with_row_index(SOURCE_LINE, offset=2).with_columns(
            pl.col(SOURCE_LINE).cast(pl.Int64))
        data_cols = [c for c in frame.columns if c != SOURCE_LINE]
        if data_cols:
            frame = frame.filter(pl.any_horizontal(pl.col(data_cols).is_not_null()))
        out.append(RawTable(table, frame, extra_date_formats=(EXCEL_DATETIME_FORMAT,)))
    return out


def _check_unpacked_size(data: bytes) -> None:
    """Refuse a workbook whose parts declare more unpacked bytes than the limits allow (a zip bomb), before
    anything unpacks it. A part may lie about its size: the child's memory limit catches that."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise Unreadable(f"not a readable workbook: {exc}") from None
    limit = limits()
    allowed = min(limit.max_unpacked_bytes, limit.max_unpack_ratio * len(data))
    if unpacked > allowed:
        raise Unreadable(
            f"the workbook would unpack to {unpacked} bytes from {len(data)}, over the limit of {allowed} "
            f"(QCREDIT_MAX_UNPACKED_BYTES {limit.max_unpacked_bytes}, QCREDIT_MAX_UNPACK_RATIO "
            f"{limit.max_unpack_ratio}): refused before unpacking"
        )


def _load_sheets(data: bytes, sheets: list[str]) -> dict[str, pl.DataFrame]:
    """Every named sheet as text columns (runs in the workbook reader's child process)."""
    try:
        workbook = fastexcel.read_excel(data)
    except Exception as exc:  # calamine raises its own error types for every kind of broken workbook
        raise Unreadable(f"not a readable workbook: {_first_line(exc)}") from None
    out = {}
    for sheet in sheets:
        if sheet not in workbook.sheet_names:
            raise Unreadable(f"workbook has no sheet {sheet!r} (sheets: {', '.join(workbook.sheet_names)})")
        try:
            # eager: calamine builds the Arrow columns as it parses, with no copy of the cells kept in between
            out[sheet] = pl.from_arrow(workbook.load_sheet(sheet, dtypes="string", eager=True))
        except Exception as exc:
            raise Unreadable(f"sheet {sheet!r} is not readable: {_first_line(exc)}") from None
    return out


_workbook_reader: ProcessPoolExecutor | None = None


# How often the parent reads the workbook reader's resident memory. Faulting pages in takes time, so a child
# passes its limit by at most what it can touch in this long (a few hundred MB) before it is killed.
MEMORY_POLL_SECONDS = 0.05


class _OverMemory(Exception):
    """The workbook reader's child passed the memory limit and was killed."""


def _parse_isolated(data: bytes, sheets: list[str]) -> dict[str, pl.DataFrame]:
    """`_load_sheets` in a child process, killed if its resident memory passes the reader memory limit. A file
    that takes its child over the limit is rejected; a child that dies otherwise (a parser crash, the kernel's
    OOM killer) gets one more try in a fresh child before its file is rejected, so a good file is not lost to
    one death under a busy machine. The next workbook gets a fresh child either way."""
    limit = limits().reader_memory_bytes
    for _ in range(2):
        try:
            return _parse_in_child(data, sheets, limit)
        except _OverMemory:
            close_workbook_reader()
            raise Unreadable(
                f"the workbook reader failed on it (its memory passed the limit of {limit} bytes, "
                "QCREDIT_READER_MEMORY_BYTES, and it was stopped)") from None
        except (BrokenProcessPool, MemoryError) as exc:
            close_workbook_reader()
            death = type(exc).__name__
    raise Unreadable(f"the workbook reader failed on it twice ({death}: killed or crashed)")


def _parse_in_child(data: bytes, sheets: list[str], limit: int) -> dict[str, pl.DataFrame]:
    global _workbook_reader
    if _workbook_reader is None:
        from multiprocessing import get_context

        # spawn, not fork: polars' threads do not survive a fork
        _workbook_reader = ProcessPoolExecutor(1, mp_context=get_context("spawn"), initializer=die_with_parent)
    with _children_allowed():
        future = _workbook_reader.submit(_load_sheets, data, sheets)
    # the executor starts its child on the first submit and has no public handle on it
    children = list(_workbook_reader._processes)  # noqa: SLF001
    while True:
        try:
            return future.result(timeout=MEMORY_POLL_SECONDS)
        except TimeoutError:
            over = [pid for pid in children if _resident_bytes(pid) > limit]
            for pid in over:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            if over:
                with contextlib.suppress(BrokenProcessPool):
                    future.result()
                raise _OverMemory from None


def _resident_bytes(pid: int) -> int:
    """Resident memory of process `pid` (0 once it is gone). What the machine spends, unlike the address space,
    which the allocators reserve by the gigabyte up front."""
    try:
        with open(f"/proc/{pid}/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (FileNotFoundError, ProcessLookupError):
        return 0


@contextlib.contextmanager
def _children_allowed() -> Iterator[None]:
    """Let any process start the reader's child. An Airflow LocalExecutor task runs in a daemonic process, which
    multiprocessing forbids to have children (so that they are not orphaned; ours die with their parent,
    `die_with_parent`), and under the `airflow` command, whose script a spawned child would run again as its own
    main module (initializing Airflow inside the reader's child). The child needs neither: it
    runs `_load_sheets` of this module. Without this, every workbook a DAG task lands is rejected."""
    import multiprocessing
    import sys

    config = multiprocessing.current_process()._config  # noqa: SLF001 (the flag has no public setter)
    daemon = config.pop("daemon", None)
    main = sys.modules["__main__"].__dict__
    saved = {key: main[key] for key in ("__file__", "__spec__") if key in main}
    main.pop("__file__", None)
    main["__spec__"] = None
    try:
        yield
    finally:
        main.pop("__spec__", None)
        main.update(saved)
        if daemon is not None:
            config["daemon"] = daemon


def close_workbook_reader() -> None:
    """Stop the workbook reader's child process, if one was started."""
    global _workbook_reader
    if _workbook_reader is not None:
        _workbook_reader.shutdown(wait=True, cancel_futures=True)
        _workbook_reader = None


@contextlib.contextmanager
def workbook_reader() -> Iterator[None]:
    """Close the workbook reader's child process when the block ends."""
    try:
        yield
    finally:
        close_workbook_reader()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
