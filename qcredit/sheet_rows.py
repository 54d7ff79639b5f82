"""Worksheet rows rendered by DuckDB as the SpreadsheetML that xlsxwriter writes for the same cells.

Why: xlsxwriter spends about 5 µs of Python on every cell, and the national run's workbooks hold about 20
million (two sheets have a row per enterprise). So a workbook is made in two steps: xlsxwriter writes it with
everything but the data rows (headers, frozen panes, filters, widths, styles, the legend), DuckDB renders the
data rows as text, and `splice` puts them into the sheets' `<sheetData>`. A row is what xlsxwriter's
constant_memory mode writes: `<row r="2"><c r="A2" t="inlineStr"><is><t>…</t></is></c>…</row>`, with inline
strings, XML escapes, control characters as `_xHHHH_`, `xml:space="preserve"` for text with a space at either
end, text past Excel's 32,767 UTF-16 units cut, numbers as `%.16G` and booleans as 1/0.
tests/qcredit/test_sheet_rows.py holds this to xlsxwriter's own output on hostile values. One difference, on
purpose: xlsxwriter writes text that starts with `<r>` and ends with `</r>` unescaped (its rich-text shortcut),
which would let a delivered name break the file; here text is always escaped.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import duckdb
from xlsxwriter.utility import xl_col_to_name

from qcredit.sql import string_literal

TEXT, NUMBER, BOOLEAN = "text", "number", "boolean"
EXCEL_TEXT_UNITS = 32_767  # UTF-16 units a cell's text may hold; xlsxwriter cuts the rest
# Python's \s (xlsxwriter tests text for leading or trailing whitespace with it), spelled out for RE2.
WHITESPACE = (r"[\t\n\x0b\x0c\r\x1c-\x1f \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}"
              r"\x{205f}\x{3000}]")
# Text that needs xlsxwriter's rarer rewrites (cut, control characters, a literal _xHHHH_), done in Python.
RARE_TEXT = r"_x[0-9a-fA-F]{4}_|[\x00-\x08\x0b-\x1f\x{fffe}\x{ffff}]"
RARE_TEXT_FUNCTION = "qcredit_xlsx_rare_text"
_ESCAPED_ESCAPE = re.compile("(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"([\x00-\x08\x0b-\x1f])")
ZIP64_FROM = 1 << 31  # bytes from which a zip entry needs the ZIP64 extension
# zlib level of the rendered sheets: 3 deflates 2.4 times as fast as xlsxwriter's 6 for a file 12% larger (a 1M
# run's sheets are about 900 MB of XML, so 6 would be the workbooks' largest cost).
DEFLATE_LEVEL = 3


def rare_text(text: str) -> str:
    """The rewrites xlsxwriter makes to the rare text that needs them: cut to Excel's limit without splitting a
    character, a literal `_xHHHH_` protected, control characters and U+FFFE/U+FFFF as `_xHHHH_`."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > EXCEL_TEXT_UNITS:
            text = text[:index]
            break
    text = _ESCAPED_ESCAPE.sub(r"_x005F\1", text)
    text = _CONTROL.sub(lambda match: f"_x{ord(match.group(1)):04X}_", text)
    return text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")


def register(con: duckdb.DuckDBPyConnection) -> None:
    """Make `rare_text` callable from SQL on this connection (read-only connections too)."""
    known = con.execute("select count(*) from duckdb_functions() where function_name = ?",
                        [RARE_TEXT_FUNCTION]).fetchall()[0][0]
    if not known:
        con.create_function(RARE_TEXT_FUNCTION, rare_text, ["VARCHAR"], "VARCHAR", side_effects=False)


def cell_text(kind: str, value: str) -> str:
    """SQL for the text a cell holds, before XML: rare text rewritten as xlsxwriter would, numbers as `%.16G`
    (a number Excel cannot hold, NaN or infinite, as no cell), booleans as 1/0. NULL means no cell."""
    if kind == TEXT:
        short = EXCEL_TEXT_UNITS // 2  # text this short cannot pass the limit in UTF-16 units
        return (f"case when length({value}) > {short} or regexp_matches({value}, '{string_literal(RARE_TEXT)}') "
                f"then {RARE_TEXT_FUNCTION}({value}) else {value} end")
    if kind == NUMBER:
        number = f"cast({value} as double)"
        return f"case when isfinite({number}) then printf('%.16G', {number}) end"
    return f"case when {value} then '1' when not {value} then '0' end"


def cell_xml(kind: str, text: str, column: int, style: int | None, row: str = "r") -> str:
    """SQL for one cell's XML, '' when `text` (a `cell_text`) is NULL. `row` is the 1-based row number as
    text."""
    name = xl_col_to_name(column)
    attributes = f"' s=\"{style}\"'" if style else "''"
    if kind == TEXT:
        escaped = f"replace(replace(replace({text}, '&', '&amp;'), '<', '&lt;'), '>', '&gt;')"
        preserve = (f"case when regexp_matches({text}, '{string_literal(f'^{WHITESPACE}|{WHITESPACE}$')}') "
                    "then ' xml:space=\"preserve\"' else '' end")
        body = f"' t=\"inlineStr\"><is><t' || {preserve} || '>' || {escaped} || '</t></is></c>'"
    elif kind == NUMBER:
        body = f"'><v>' || {text} || '</v></c>'"
    else:
        body = f"' t=\"b\"><v>' || {text} || '</v></c>'"
    return f"coalesce('<c r=\"{name}' || {row} || '\"' || {attributes} || {body}, '')"


def row_xml(cells: list[str], row: str = "r") -> str:
    """SQL for a `<row>` of `cells` (`cell_xml` expressions)."""
    return f"'<row r=\"' || {row} || '\">' || {' || '.join(cells)} || '</row>'"


def display_width(text: str) -> str:
    """SQL for the columns `text` takes in Excel: a CJK or full-width character takes two."""
    return f"(strlen(coalesce({text}, '')) + length(coalesce({text}, ''))) // 2"


def splice(skeleton: Path, target: Path, rows: dict[str, tuple[Path, str]]) -> None:
    """Write `target`: the workbook `skeleton` with, in each sheet named in `rows` (its entry in the zip,
    `xl/worksheets/sheetN.xml`), the rendered rows of a file (UTF-8) put at the end of its `<sheetData>` and its
    dimension set to the given range. Entries keep the skeleton's order, dates and attributes."""
    with zipfile.ZipFile(skeleton) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as workbook:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, info.date_time)
            entry.compress_type, entry.external_attr = info.compress_type, info.external_attr
            data = source.read(info)
            if info.filename not in rows:
                workbook.writestr(entry, data)
                continue
            rendered, dimension = rows[info.filename]
            head, tail = data.split(b"</sheetData>", 1)
            head = re.sub(rb'<dimension ref="[^"]*"/>', f'<dimension ref="{dimension}"/>'.encode(), head, count=1)
            large = len(data) + rendered.stat().st_size >= ZIP64_FROM
            entry._compresslevel = DEFLATE_LEVEL  # Python 3.11's name for it (ZipFile.open takes no level)
            with workbook.open(entry, "w", force_zip64=large) as sheet, rendered.open("rb") as lines:
                sheet.write(head)
                shutil.copyfileobj(lines, sheet, 1 << 20)
                sheet.write(b"</sheetData>" + tail)
