"""Worksheet rows rendered by DuckDB as the SpreadsheetML that xlsxwriter writes for the same cells.

Why: xlsxwriter spends its time in Python on every cell, and the national run's workbooks hold tens of
millions (two sheets have a row per enterprise; docs/workbooks.md has the figures). So a workbook is made in
two steps: xlsxwriter writes it with everything but the data rows (headers, frozen panes, filters, widths,
styles, the legend), DuckDB renders the data rows as text, and `Splice` streams them into the sheets'
`<sheetData>`. A row is what xlsxwriter's constant_memory mode writes:
`<row r="2"><c r="A2" t="inlineStr"><is><t>…</t></is></c>…</row>`, with inline strings, XML escapes, control
characters as `_xHHHH_`, `xml:space="preserve"` for text with a space at either end, text past Excel's 32,767
UTF-16 units cut, numbers as `%.16G` and booleans as 1/0.
tests/qcredit/test_sheet_rows.py holds this to xlsxwriter's own output on hostile values. One difference, on
purpose: xlsxwriter writes text that starts with `<r>` and ends with `</r>` unescaped (its rich-text shortcut),
which would let a delivered name break the file; here text is always escaped.
"""

from __future__ import annotations

import re
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
CELL_BYTES_BOUND = 256  # more than a rendered cell of ours takes on average (a sheet row is ~40 bytes a cell)
# zlib level of the rendered sheets, below xlsxwriter's 6: deflating is otherwise the workbooks' largest cost,
# for files only a little smaller (docs/workbooks.md).
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
    text. Built with one `concat` of its pieces, not a chain of `||`: each `||` makes a string of its own, and
    the chains took a fifth of the rendering."""
    attributes = f' s="{style}"' if style else ""
    reference = [f"'<c r=\"{xl_col_to_name(column)}'", row, f"'\"{attributes}'"]
    if kind == TEXT:
        escaped = f"replace(replace(replace({text}, '&', '&amp;'), '<', '&lt;'), '>', '&gt;')"
        preserve = (f"case when regexp_matches({text}, '{string_literal(f'^{WHITESPACE}|{WHITESPACE}$')}') "
                    "then ' xml:space=\"preserve\"' else '' end")
        pieces = [*reference, "' t=\"inlineStr\"><is><t'", preserve, "'>'", escaped, "'</t></is></c>'"]
    elif kind == NUMBER:
        pieces = [*reference, "'><v>'", text, "'</v></c>'"]
    else:
        pieces = [*reference, "' t=\"b\"><v>'", text, "'</v></c>'"]
    return f"case when {text} is null then '' else concat({', '.join(pieces)}) end"


def row_xml(cells: list[str], row: str = "r") -> str:
    """SQL for a `<row>` of `cells` (`cell_xml` expressions)."""
    return f"concat('<row r=\"', {row}, '\">', {', '.join(cells)}, '</row>')"


def display_width(text: str) -> int:
    """Columns a text takes in Excel: a CJK or full-width character takes two."""
    return (len(text.encode("utf-8")) + len(text)) // 2  # 1 byte in UTF-8 for ASCII, 3 for CJK


def display_width_sql(text: str) -> str:
    """SQL for `display_width` of the text expression `text` (0 for NULL)."""
    return f"(strlen(coalesce({text}, '')) + length(coalesce({text}, ''))) // 2"


class Splice:
    """Writes `target` from the workbook `skeleton`, entry by entry in the skeleton's order (dates and attributes
    kept), with rendered rows streamed to the end of the `<sheetData>` of the sheets named in `dimensions` (the
    entry in the zip, `xl/worksheets/sheetN.xml`, and the range its header and rows cover). Rows come sheet by
    sheet in the skeleton's order, as UTF-8 bytes."""

    def __init__(self, skeleton: Path, target: Path, dimensions: dict[str, str]) -> None:
        self.dimensions = dimensions
        self.source = zipfile.ZipFile(skeleton)
        self.pending = iter(self.source.infolist())
        self.workbook = zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED)
        self.entry: str | None = None  # the sheet being written, its stream and what follows its rows
        self.sheet = None
        self.tail = b""

    def write(self, entry: str, rows: bytes) -> None:
        if entry != self.entry:
            self._end_sheet()
            self._copy_until(entry)
        self.sheet.write(rows)

    def finish(self) -> None:
        """Write the rest of the skeleton and close the workbook."""
        self._end_sheet()
        self._copy_until(None)
        self.close()

    def close(self) -> None:
        if self.sheet:
            self.sheet.close()
            self.sheet = None
        self.workbook.close()
        self.source.close()

    def _copy_until(self, name: str | None) -> None:
        """Copy the skeleton's entries up to `name` (all when None) and start that sheet."""
        for info in self.pending:
            entry = zipfile.ZipInfo(info.filename, info.date_time)
            entry.compress_type, entry.external_attr = info.compress_type, info.external_attr
            data = self.source.read(info)
            if info.filename != name:
                self.workbook.writestr(entry, data)
                continue
            head, tail = data.split(b"</sheetData>", 1)
            dimension = f'<dimension ref="{self.dimensions[name]}"/>'.encode()
            head = re.sub(rb'<dimension ref="[^"]*"/>', dimension, head, count=1)
            entry._compresslevel = DEFLATE_LEVEL  # Python 3.11's name for it (ZipFile.open takes no level)
            large = _could_pass_zip64(self.dimensions[name])
            self.entry, self.tail = name, b"</sheetData>" + tail
            self.sheet = self.workbook.open(entry, "w", force_zip64=large)
            self.sheet.write(head)
            return
        if name is not None:
            raise ValueError(f"{name} is not a sheet of the workbook, or its rows came out of order")

    def _end_sheet(self) -> None:
        if self.sheet:
            self.sheet.write(self.tail)
            self.sheet.close()
            self.entry, self.sheet = None, None


def _could_pass_zip64(dimension: str) -> bool:
    """Whether a sheet covering `dimension` (`A1:J12345`) could pass 2 GiB: a sheet's size is known only once
    written, and ZIP64 headers must be chosen before (zipfile refuses to finish an entry that outgrew them)."""
    last = dimension.rpartition(":")[2]
    column, row = re.match(r"([A-Z]+)(\d+)", last).groups()
    columns = sum(26 ** power * (ord(letter) - 64) for power, letter in enumerate(reversed(column)))
    return int(row) * columns * CELL_BYTES_BOUND >= ZIP64_FROM
