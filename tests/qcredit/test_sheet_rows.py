"""Rows rendered by DuckDB (qcredit/sheet_rows.py) are the bytes xlsxwriter writes for the same cells: both
write a sheet of hostile values, and the sheets are compared byte for byte."""

from __future__ import annotations

import itertools
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pytest
import xlsxwriter

from qcredit import sheet_rows
from qcredit.sheet_rows import BOOLEAN, NUMBER, TEXT

TEXTS = [
    "plain", "北京测试有限公司", " leading space", "trailing space ", "\u3000全角空格", "no-break\u00a0",
    "&<>\"' all escaped", "tab\tinside", "\ttab first", "line\nbreak", "ends with a newline\n", "\r\nCRLF",
    "control \x01 and \x1f", "\x0b", "\x1c file separator", "_x0041_ looks escaped", "_X00af_ and _x12g4_",
    "emoji 😀 astral", "x" * 40_000, "😀" * 20_000, "a" * 32_766 + "😀", "\ufffe\uffff", "'=HYPERLINK(\"x\")",
    "'-2+3", "_x005F_x0000_", "ÿ\u0085nel", "\u2028line separator", "a\u205f", "\u200b zero width is no space",
]
NUMBERS = [0.0, -5.0, 60.0, 1.5, 0.1, 2 / 3, 1e20, 1e-7, 46_000.0, 123_456_789.123, -0.5, 1e16,
           12_345_678_901_234_567.0]
DATES = [46_000.0, 45_991.0, 1.0, 60.0, 61.0]  # days since 1899-12-30, shown as dates
BOOLEANS = [True, False]
COLUMNS = [(TEXT, None), (NUMBER, None), (NUMBER, "yyyy-mm-dd"), (BOOLEAN, None), (TEXT, None)]


def table() -> list[tuple]:
    """Every value at least once, with NULLs (no cell) where a column's values run out."""
    values = [TEXTS, NUMBERS, DATES, BOOLEANS, [None, "second text column"]]
    return list(itertools.zip_longest(*values))


def xlsxwriter_sheet(path: Path, rows: list[tuple]) -> None:
    """The sheet as xlsxwriter writes it cell by cell (constant_memory, as the workbooks use it)."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    bold, formats = book.add_format({"bold": True}), {None: None}
    sheet = book.add_worksheet("s")
    sheet.write_row(0, 0, [f"h{column}" for column in range(len(COLUMNS))], bold)
    for number_format in ("yyyy-mm-dd",):
        formats[number_format] = book.add_format({"num_format": number_format})
    methods = {TEXT: sheet.write_string, NUMBER: sheet.write_number, BOOLEAN: sheet.write_boolean}
    for row, values in enumerate(rows, start=1):
        for column, ((kind, number_format), value) in enumerate(zip(COLUMNS, values, strict=True)):
            if value is not None:
                methods[kind](row, column, value, formats[number_format])
    book.close()


def rendered_sheet(path: Path, rows: list[tuple], scratch: Path) -> None:
    """The same sheet with its rows rendered by DuckDB and spliced into a header-only workbook."""
    skeleton = scratch / "skeleton.xlsx"
    book = xlsxwriter.Workbook(str(skeleton), {"constant_memory": True})
    bold = book.add_format({"bold": True})
    styles = {"yyyy-mm-dd": book.add_format({"num_format": "yyyy-mm-dd"})}
    # Styles are numbered before the workbook closes, in the order xlsxwriter meets them in the other sheet.
    bold._get_xf_index()
    indexes = {None: None} | {name: style._get_xf_index() for name, style in styles.items()}
    sheet = book.add_worksheet("s")
    sheet.write_row(0, 0, [f"h{column}" for column in range(len(COLUMNS))], bold)
    book.close()
    con = duckdb.connect()
    sheet_rows.register(con)
    con.execute("create table t (i integer, a varchar, b double, c double, d boolean, e varchar)")
    con.executemany("insert into t values (?, ?, ?, ?, ?, ?)", [(i, *values) for i, values in enumerate(rows)])
    cells = [sheet_rows.cell_xml(kind, sheet_rows.cell_text(kind, name), column, indexes[number_format])
             for column, ((kind, number_format), name) in enumerate(zip(COLUMNS, "abcde", strict=True))]
    lines = con.execute(f"select {sheet_rows.row_xml(cells)} from (select *, i + 2 as r from t) order by i")
    splice = sheet_rows.Splice(skeleton, path, {"xl/worksheets/sheet1.xml": f"A1:E{len(rows) + 1}"})
    for (line,) in lines.fetchall():
        splice.write("xl/worksheets/sheet1.xml", line.encode())
    splice.finish()


@pytest.fixture
def both(tmp_path) -> tuple[zipfile.ZipFile, zipfile.ZipFile]:
    rows = table()
    xlsxwriter_sheet(tmp_path / "xlsxwriter.xlsx", rows)
    rendered_sheet(tmp_path / "rendered.xlsx", rows, tmp_path)
    with zipfile.ZipFile(tmp_path / "xlsxwriter.xlsx") as expected, zipfile.ZipFile(tmp_path / "rendered.xlsx") as got:
        yield expected, got


def test_rendered_rows_are_the_bytes_xlsxwriter_writes(both):
    expected, got = both
    assert got.read("xl/worksheets/sheet1.xml") == expected.read("xl/worksheets/sheet1.xml")


def test_every_other_part_of_the_workbook_is_xlsxwriters(both):
    expected, got = both
    assert got.namelist() == expected.namelist()
    for name in expected.namelist():
        assert got.read(name) == expected.read(name), name
    assert [info.date_time for info in got.infolist()] == [info.date_time for info in expected.infolist()]


def test_excel_reads_back_the_values(tmp_path):
    rows = table()
    rendered_sheet(tmp_path / "rendered.xlsx", rows, tmp_path)
    read = list(openpyxl.load_workbook(tmp_path / "rendered.xlsx").active.iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in read][:3] == TEXTS[:3]
    written = [float(f"{number:.16G}") for number in NUMBERS]  # 16 digits, as xlsxwriter writes them
    assert [row[1] for row in read][:len(NUMBERS)] == written
    assert [row[3] for row in read][:2] == [True, False]
    assert len(read[18][0]) == 32_767 and read[19][0] == "😀" * 16_383  # cut at Excel's limit, not inside a pair


def test_a_name_shaped_like_rich_text_stays_text(tmp_path):
    """xlsxwriter would write `<r>…</r>` into the sheet unescaped; a delivered name must not reach the XML."""
    hostile = '<r><t>x</t></r><c r="Z9"><v>1</v></c><r></r>'
    rows = [(hostile, None, None, None, None)]
    rendered_sheet(tmp_path / "rendered.xlsx", rows, tmp_path)
    sheet = openpyxl.load_workbook(tmp_path / "rendered.xlsx").active
    assert sheet["A2"].value == hostile and sheet["Z9"].value is None


def test_zip64_headers_only_for_a_sheet_that_could_pass_2_gib():
    """A sheet's size is known only once written, so ZIP64 is chosen from its rows and columns: a full
    Excel sheet of ten columns could pass 2 GiB, a province's sheet of 100,000 rows cannot."""
    assert sheet_rows._could_pass_zip64("A1:J1048576")
    assert not sheet_rows._could_pass_zip64("A1:J100001")
    assert not sheet_rows._could_pass_zip64("A1:AB50000")
