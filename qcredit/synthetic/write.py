"""Writing generated frames in the agencies' delivered shapes, and dirtying a small fraction of rows.

Frames arrive with the declared English column names (plus private `_…` helper columns, dropped here) and
leave with the delivered headers of the feed declaration. The XLSX writer streams SpreadsheetML straight into
the zip (inline strings, one date style): openpyxl's write-only mode builds a Python object per cell, far too
slow at a million rows.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import polars as pl

from ingest.registry import Feed, Table
from qcredit.synthetic import ids

# --- dirt ---------------------------------------------------------------------------------------------------

DIRT_RATES = {"cosmetic": 0.0015, "bad_check": 0.0007, "unknown_code": 0.0006, "unknown_enterprise": 0.0004}
# Values no declaration accepts, per code column name (the row is quarantined).
UNKNOWN_CODES = {
    "kind": "random_check", "result": "unknown", "category": "misc", "harm": "moderate", "penalty": "notice",
    "severity": "critical", "conformance": "partial", "status": "pending", "decision": "deferred",
    "declaration_result": "bad", "tax_credit_level": "E", "credit_category": "一般企业",
    "registration_status": "待定", "provincial_result": "maybe",
}
_FULL_WIDTH = {c: chr(ord(c) + 0xFEE0) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}


def cosmetic(value: str, how: int) -> str:
    """Hand-keyed variants that normalize (NFKC, trim, upper-case) back to the same valid identifier."""
    if how == 0:
        return "".join(_FULL_WIDTH.get(c, c) for c in value[:6]) + value[6:]
    if how == 1:
        return f" {value}  "
    return value.lower() if any(c.isalpha() for c in value) else f"{value} "


def break_check(value: str) -> str:
    """Change the check character: a keying error the check catches."""
    last = value[-1]
    alphabet = ids.USCC_ALPHABET if len(value) == 18 else "0123456789X"
    return value[:-1] + alphabet[(alphabet.index(last) + 7) % len(alphabet)] if last in alphabet else value + "1"


def dirty(df: pl.DataFrame, ident: str, rng: np.random.Generator,
          foreign: Callable[[int], str]) -> tuple[pl.DataFrame, int]:
    """Dirty a small random fraction of rows; returns the frame and how many rows were touched.

    `foreign(row)` gives a valid USCC of an enterprise outside the archive (the row stays unresolved); distinct
    rows get distinct ones, so no key is duplicated inside a file.
    """
    n = df.height
    if n == 0:
        return df, 0
    counts = {kind: rng.binomial(n, rate) for kind, rate in DIRT_RATES.items()}
    rows = rng.permutation(n)[: sum(counts.values())] if n < 200_000 else rng.choice(n, sum(counts.values()))
    values = df[ident].to_list() if n < 5000 else None
    codes = [c for c in df.columns if c in UNKNOWN_CODES]
    updates: dict[str, tuple[list[int], list[str]]] = {}
    start = 0
    for kind, count in counts.items():
        for row in rows[start : start + count].tolist():
            current = values[row] if values is not None else df[ident][row]
            if kind == "unknown_code" and codes:
                col = codes[row % len(codes)]
                _add(updates, col, row, UNKNOWN_CODES[col])
            elif current is None:
                continue
            elif kind == "cosmetic":
                _add(updates, ident, row, cosmetic(current, row % 3))
            elif kind == "bad_check":
                _add(updates, ident, row, break_check(current))
            elif kind == "unknown_enterprise":
                _add(updates, ident, row, foreign(row))
        start += count
    for col, (at, new) in updates.items():
        df = df.with_columns(df[col].scatter(at, pl.Series(new, dtype=pl.String)))
    return df, sum(len(at) for at, _ in updates.values())


def _add(updates: dict[str, tuple[list[int], list[str]]], col: str, row: int, value: str) -> None:
    at, new = updates.setdefault(col, ([], []))
    at.append(row)
    new.append(value)


# --- text formats -------------------------------------------------------------------------------------------


def _delivered(df: pl.DataFrame, table: Table) -> pl.DataFrame:
    """Declared names to delivered headers, in declaration order; numbers formatted as agencies write them."""
    out = []
    for col in table.columns:
        expr = pl.col(col.name)
        if df.schema[col.name] == pl.Float64 and col.type == "float":
            expr = expr.round(2).cast(pl.String).str.replace(r"\.0$", "")
        out.append(expr.alias(col.source))
    return df.select(out)


def csv_bytes(df: pl.DataFrame, feed: Feed, header: bool = True) -> bytes:
    text = _delivered(df, feed.tables[0]).write_csv(include_header=header)
    if feed.encoding == "gb18030":
        return text.encode("gb18030")
    return text.encode("utf-8")


def csv_prefix(feed: Feed) -> bytes:
    return b"\xef\xbb\xbf" if feed.encoding == "utf-8-sig" else b""


def jsonl_bytes(df: pl.DataFrame, feed: Feed) -> bytes:
    table = feed.tables[0]
    loans = table.column("loans")
    inner = pl.col("loans").list.eval(
        pl.struct([pl.element().struct.field(f.source).alias(f.source) for f in loans.fields])
    )
    frame = df.select(pl.col("uscc").alias("uscc"), pl.col("report_date").alias("reportDate"), inner.alias("loans"))
    return frame.write_ndjson().encode("utf-8")


# --- XLSX ---------------------------------------------------------------------------------------------------

_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_STYLES = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet {_NS}>'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="宋体"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
    "</fill></fills><borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.'
    f'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{_REL_NS}/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_EXCEL_EPOCH_OFFSET = 25569  # Excel serial of 1970-01-01


def _letters(i: int) -> str:
    return chr(65 + i) if i < 26 else chr(64 + i // 26) + chr(65 + i % 26)


def _text_cell(ref: pl.Expr, value: pl.Expr) -> pl.Expr:
    escaped = value.str.replace_all("&", "&amp;", literal=True).str.replace_all("<", "&lt;", literal=True)
    cell = pl.concat_str([pl.lit('<c r="'), ref, pl.lit('" t="inlineStr"><is><t>'), escaped, pl.lit("</t></is></c>")])
    return pl.when(value.is_null()).then(pl.lit("")).otherwise(cell)


def _date_cell(ref: pl.Expr, days: pl.Expr, mode: pl.Expr) -> pl.Expr:
    """Registries mix Excel date cells, `YYYY-MM-DD` text and `YYYY年M月D日` text (mode 0, 1, 2)."""
    as_date = days.cast(pl.Date)
    serial = pl.concat_str([pl.lit('<c r="'), ref, pl.lit('" s="1"><v>'),
                            (days + _EXCEL_EPOCH_OFFSET).cast(pl.String), pl.lit("</v></c>")])
    chinese = pl.concat_str([as_date.dt.year().cast(pl.String), pl.lit("年"), as_date.dt.month().cast(pl.String),
                             pl.lit("月"), as_date.dt.day().cast(pl.String), pl.lit("日")])
    text = pl.when(mode == 1).then(as_date.dt.strftime("%Y-%m-%d")).otherwise(chinese)
    return pl.when(days.is_null()).then(pl.lit("")).when(mode == 0).then(serial).otherwise(_text_cell(ref, text))


def sheet_rows(df: pl.DataFrame, table: Table, first_row: int, modes: np.ndarray) -> str:
    """SpreadsheetML rows for a frame (declared names), numbered from `first_row`."""
    r = pl.int_range(first_row, first_row + df.height, dtype=pl.Int64).cast(pl.String)
    cells = []
    for i, col in enumerate(table.columns):
        ref = pl.concat_str([pl.lit(_letters(i)), r])
        value = pl.col(col.name)
        if col.type == "date":
            cells.append(_date_cell(ref, value.cast(pl.Int64), pl.lit(pl.Series(modes[:, i % modes.shape[1]]))))
        else:
            cells.append(_text_cell(ref, value.cast(pl.String)))
    row = pl.concat_str([pl.lit('<row r="'), r, pl.lit('">'), *cells, pl.lit("</row>")])
    return df.select(row.str.join("")).item() if df.height else ""


def header_row(table: Table) -> str:
    cells = "".join(f'<c r="{_letters(i)}1" t="inlineStr"><is><t>{c.source}</t></is></c>'
                    for i, c in enumerate(table.columns))
    return f'<row r="1">{cells}</row>'


def write_xlsx(path: Path, feed: Feed, sheets: dict[str, Iterable[tuple[pl.DataFrame, np.ndarray]]]) -> int:
    """A workbook with one sheet per declared table; `sheets[table.name]` yields (frame, date modes) chunks."""
    rows = 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        _put(zf, "[Content_Types].xml", _content_types(len(feed.tables)))
        _put(zf, "_rels/.rels", _ROOT_RELS)
        _put(zf, "xl/workbook.xml", _workbook(feed))
        _put(zf, "xl/_rels/workbook.xml.rels", _workbook_rels(len(feed.tables)))
        _put(zf, "xl/styles.xml", _STYLES)
        for n, table in enumerate(feed.tables, start=1):
            info = _info(f"xl/worksheets/sheet{n}.xml")
            with zf.open(info, "w", force_zip64=True) as out:
                out.write(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {_NS}>'
                          f"<sheetData>{header_row(table)}".encode())
                next_row = 2
                for frame, modes in sheets[table.name]:
                    out.write(sheet_rows(frame, table, next_row, modes).encode())
                    next_row += frame.height
                out.write(b"</sheetData></worksheet>")
                rows += next_row - 2
    return rows


def _info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))  # fixed: same seed, same bytes
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _put(zf: zipfile.ZipFile, name: str, text: str) -> None:
    zf.writestr(_info(name), text.encode(), compresslevel=1)


def _content_types(sheets: int) -> str:
    parts = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for i in range(1, sheets + 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
        'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" ContentType="application/'
        f'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>{parts}</Types>'
    )


def _workbook(feed: Feed) -> str:
    sheets = "".join(f'<sheet name="{t.sheet}" sheetId="{i}" r:id="rId{i}"/>'
                     for i, t in enumerate(feed.tables, start=1))
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook {_NS} xmlns:r="{_REL_NS}">'
            f"<sheets>{sheets}</sheets></workbook>")


def _workbook_rels(sheets: int) -> str:
    rels = "".join(f'<Relationship Id="rId{i}" Type="{_REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                   for i in range(1, sheets + 1))
    styles = f'<Relationship Id="rId{sheets + 1}" Type="{_REL_NS}/styles" Target="styles.xml"/>'
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="'
            f'http://schemas.openxmlformats.org/package/2006/relationships">{rels}{styles}</Relationships>')
