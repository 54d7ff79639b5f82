"""write_workbooks on a small warehouse built here: sheets, headers, cell types, escaping, provinces, the row
limit. The whole run (sample drop in, workbooks out) is in test_exports_hostile_run.py."""

from __future__ import annotations

import os
from datetime import datetime

import duckdb
import openpyxl
import pytest

from qcredit import settings
from qcredit.exports import connect_read_only
from qcredit.settings import DuckDBShare
from qcredit.workbooks import COLUMNS, LEGEND_SHEET, SHEETS, _province_groups, write_workbooks, written_alongside

AS_OF = "2026-11-20"
ALL_DIGITS = "911101087986432663"  # a valid USCC of digits only: Excel would make it 9.11E+17 if it were a number
ENTERPRISES = [  # uscc, name, region_code, level
    (ALL_DIGITS, '=HYPERLINK("http://x")', "110108", "C"),
    ("91110105MA01ABCD2X", "北京测试有限公司", "110105", "A"),
    ("91330106159655658P", "-2+3", "330106", "C"),
    ("91330212MA2ABCDE1F", "@SUM(A1)", "330212", "D"),
    ("91440305529841408M", "\t制表符", "440305", "B"),
]


def build_warehouse(con: duckdb.DuckDBPyConnection, extra_province_11: int = 0) -> None:
    """The export views of contract C2 (as tables), the criteria seed, and `extra_province_11` more C-level
    enterprises in Beijing."""
    enterprises = list(ENTERPRISES) + [
        (f"9111010800000{i:04d}X", f"北京企业{i}", "110108", "C") for i in range(extra_province_11)
    ]
    con.execute("create schema exports; create schema seeds")
    con.execute("""create table exports.enterprise_levels (uscc varchar, name varchar, region_code varchar,
        as_of date, level varchar, provisional boolean, reasons varchar, signals varchar,
        untrustworthy_elsewhere boolean, ruleset_version varchar)""")
    con.execute("""create table exports.risk_warnings (uscc varchar, name varchar, region_code varchar, as_of date,
        risk_score integer, action varchar, reasons varchar, signals varchar, ruleset_version varchar)""")
    con.execute("""create table exports.d_review_queue (uscc varchar, name varchar, region_code varchar,
        as_of date, reasons varchar, review_status varchar, ruleset_version varchar)""")
    con.execute("""create table exports.level_changes (uscc varchar, previous_as_of date, previous_level varchar,
        level varchar, ruleset_version varchar)""")
    con.execute("""create table exports.supervision_plan (uscc varchar, level varchar,
        inspection_multiplier varchar, key_supervision boolean, measures varchar, name varchar,
        region_code varchar, ruleset_version varchar)""")  # name and region code appended, as contract C2 has it
    con.execute("""create table exports.criterion_evidence (uscc varchar, name varchar, region_code varchar,
        as_of date, code varchar, title varchar, dataset varchar, record_id varchar, event_date date,
        source_file varchar, source_line bigint, delivery_id varchar)""")
    con.execute("""create table exports.risk_score_breakdown (uscc varchar, name varchar, region_code varchar,
        as_of date, component varchar, code varchar, points integer)""")
    con.execute("""create table seeds.criteria (code varchar, kind varchar, level varchar, title_zh varchar,
        title_en varchar, reads varchar, "window" varchar)""")
    for uscc, name, region, level in enterprises:
        reasons = {"C": "C.2", "D": "D.2"}.get(level, "")
        con.execute("insert into exports.enterprise_levels values (?, ?, ?, ?, ?, false, ?, '', false, '2026.1')",
                    [uscc, name, region, AS_OF, level, reasons])
        con.execute("insert into exports.supervision_plan values (?, ?, ?, ?, '', ?, ?, '2026.1')",
                    [uscc, level, {"A": "0.5", "B": "1.0", "C": "2.0", "D": "3.0"}[level], level in "CD", name,
                     region])
        if level == "C":
            con.execute("insert into exports.risk_warnings values (?, ?, ?, ?, -5, 'warning', 'C.2', '', '2026.1')",
                        [uscc, name, region, AS_OF])
            con.execute("insert into exports.criterion_evidence values (?, ?, ?, ?, 'C.2', '监督抽查不合格', "
                        "'quality/inspections', 'INS-1', date '2026-03-01', 'quality/inspections_20260301.csv', "
                        "7, 'quality/inspections/20260301_01')", [uscc, name, region, AS_OF])
            con.execute("insert into exports.risk_score_breakdown values (?, ?, ?, ?, 'reason', 'C.2', 10)",
                        [uscc, name, region, AS_OF])
        if level == "D":
            con.execute("insert into exports.d_review_queue values (?, ?, ?, ?, 'D.2', 'pending', '2026.1')",
                        [uscc, name, region, AS_OF])
        con.execute("insert into exports.level_changes values (?, date '2026-11-19', 'B', ?, '2026.1')",
                    [uscc, level])
    con.execute("""insert into seeds.criteria values
        ('C.2', 'reason', 'C', '监督抽查不合格', 'failed spot/supervision check', 'quality/inspections', 'y1_years'),
        ('D.2', 'reason', 'D', '故意生产假冒伪劣', 'deliberate counterfeit goods', 'quality/violations', 'y1_years'),
        ('tax_c', 'signal', null, '纳税信用C级', 'tax credit rating C', 'tax/tax_credit', null)""")


@pytest.fixture
def warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    build_warehouse(con)
    yield con
    con.close()


def rows(sheet) -> list[dict]:
    values = list(sheet.iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def test_one_workbook_per_province_with_every_sheet_and_the_legend(warehouse, tmp_path):
    paths = write_workbooks(warehouse, tmp_path, AS_OF)
    assert [p.name for p in paths] == ["11.xlsx", "33.xlsx", "44.xlsx"]
    assert all(p.parent == tmp_path / "workbooks" for p in paths)
    assert sorted(p.name for p in (tmp_path / "workbooks").iterdir()) == ["11.xlsx", "33.xlsx", "44.xlsx"]
    book = openpyxl.load_workbook(paths[0])
    assert book.sheetnames == [s.name for s in SHEETS] + [LEGEND_SHEET]
    assert book.sheetnames[:2] == ["风险预警", "D级复核"]


def test_headers_chinese_with_the_column_name_frozen_and_filtered(warehouse, tmp_path):
    book = openpyxl.load_workbook(write_workbooks(warehouse, tmp_path, AS_OF)[0])
    levels = book["企业等级"]
    header = [cell.value for cell in levels[1]]
    assert header[:4] == ["统一社会信用代码 uscc", "企业名称 name", "行政区划代码 region_code", "评价日期 as_of"]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
    assert levels.auto_filter.ref == "A1:I3"  # ruleset_version is stated once, in the legend
    assert all(levels.column_dimensions[letter].width >= 10 for letter in "ABCD")


def test_names_beside_the_uscc_in_every_sheet_even_where_the_view_has_none(warehouse, tmp_path):
    book = openpyxl.load_workbook(write_workbooks(warehouse, tmp_path, AS_OF)[0])
    for sheet in SHEETS:
        header = [cell.value for cell in book[sheet.name][1]]
        assert header[1:3] == ["企业名称 name", "行政区划代码 region_code"], sheet.name
    changes = rows(book["等级变化"])
    assert {r["企业名称 name"] for r in changes} == {"'=HYPERLINK(\"http://x\")", "北京测试有限公司"}


def test_cells_are_typed_for_excel(warehouse, tmp_path):
    book = openpyxl.load_workbook(write_workbooks(warehouse, tmp_path, AS_OF)[0])
    warnings = book["风险预警"]
    uscc, as_of, score = warnings["A2"], warnings["D2"], warnings["E2"]
    assert uscc.value == ALL_DIGITS and uscc.data_type == "s"  # text, not 9.11E+17
    assert as_of.is_date and as_of.value == datetime(2026, 11, 20) and as_of.number_format == "yyyy-mm-dd"
    assert score.value == -5 and score.data_type == "n"  # a negative number stays a number
    plan = rows(book["监管计划"])
    assert {r["检查频次倍数 inspection_multiplier"] for r in plan} == {0.5, 2.0}
    assert {r["重点监管 key_supervision"] for r in plan} == {True, False}
    evidence = rows(book["判定依据"])[0]
    assert evidence["来源行号 source_line"] == 7 and evidence["事件日期 event_date"] == datetime(2026, 3, 1)
    levels = rows(book["企业等级"])
    assert levels[1]["跨部门信号 signals"] is None  # empty text is a blank cell, not an empty string


def test_text_cells_that_look_like_formulas_are_escaped(warehouse, tmp_path):
    paths = write_workbooks(warehouse, tmp_path, AS_OF)
    names = {}
    for path in paths:
        for row in rows(openpyxl.load_workbook(path)["企业等级"]):
            names[row["统一社会信用代码 uscc"]] = row["企业名称 name"]
    assert names == {
        ALL_DIGITS: "'=HYPERLINK(\"http://x\")",
        "91110105MA01ABCD2X": "北京测试有限公司",
        "91330106159655658P": "'-2+3",
        "91330212MA2ABCDE1F": "'@SUM(A1)",
        "91440305529841408M": "'\t制表符",
    }


def test_a_province_sees_only_its_own_rows(warehouse, tmp_path):
    for path in write_workbooks(warehouse, tmp_path, AS_OF):
        book = openpyxl.load_workbook(path)
        for sheet in SHEETS:
            regions = {r["行政区划代码 region_code"] for r in rows(book[sheet.name])}
            assert {region[:2] for region in regions} <= {path.stem}, (path.name, sheet.name)
    zhejiang = openpyxl.load_workbook(tmp_path / "workbooks" / "33.xlsx")
    assert [r["统一社会信用代码 uscc"] for r in rows(zhejiang["企业等级"])] == [
        "91330106159655658P", "91330212MA2ABCDE1F"]
    assert [r["统一社会信用代码 uscc"] for r in rows(zhejiang["D级复核"])] == ["91330212MA2ABCDE1F"]


def test_a_sheet_past_the_row_limit_continues_on_the_next(tmp_path):
    con = duckdb.connect()
    build_warehouse(con, extra_province_11=5)  # Beijing: 7 enterprises, 6 of them C
    beijing = write_workbooks(con, tmp_path, AS_OF, row_limit=3)[0]  # a header and two rows per sheet
    book = openpyxl.load_workbook(beijing)
    assert book.sheetnames[:4] == ["风险预警", "风险预警 (2)", "风险预警 (3)", "D级复核"]
    assert "企业等级 (4)" in book.sheetnames and "企业等级 (5)" not in book.sheetnames
    parts = [rows(book[name]) for name in ("风险预警", "风险预警 (2)", "风险预警 (3)")]
    assert [len(part) for part in parts] == [2, 2, 2]
    usccs = [r["统一社会信用代码 uscc"] for part in parts for r in part]
    assert usccs == sorted(usccs) and len(set(usccs)) == 6
    for name in ("风险预警 (2)", "风险预警 (3)"):
        assert book[name]["A1"].value == "统一社会信用代码 uscc" and book[name].freeze_panes == "A2"
        assert book[name].auto_filter.ref == "A1:H3"


def test_legend_has_every_code_and_column_meaning(warehouse, tmp_path):
    book = openpyxl.load_workbook(write_workbooks(warehouse, tmp_path, AS_OF)[0])
    legend = list(book[LEGEND_SHEET].iter_rows(values_only=True))
    assert legend[0][:5] == ("代码 code", "类别 kind", "导致等级 level", "中文含义 title_zh", "英文含义 title_en")
    codes = {row[0]: row for row in legend[1:4]}
    assert codes["C.2"][3:5] == ("监督抽查不合格", "failed spot/supervision check")
    assert codes["tax_c"][1] == "signal"
    described = {row[0]: row for row in legend if row[0] in COLUMNS}
    for sheet in SHEETS:
        for header in (cell.value for cell in book[sheet.name][1]):
            column = header.split(" ")[-1]
            assert column in COLUMNS, f"{sheet.name}: column {column} has no Chinese header or meaning"
            assert described[column][1] == header and described[column][2] and described[column][3]
    sheets = {row[0]: row for row in legend if row[0] in {s.name for s in SHEETS}}
    assert sheets["风险预警"][1:3] == ("risk warnings", "risk_warnings.csv")
    assert ("规则版本 ruleset_version", "2026.1") in [row[:2] for row in legend]
    assert all("规则版本 ruleset_version" not in [c.value for c in book[s.name][1]] for s in SHEETS)


def test_optional_views_missing_means_no_sheet(warehouse, tmp_path):
    warehouse.execute("drop table exports.criterion_evidence; drop table exports.risk_score_breakdown")
    book = openpyxl.load_workbook(write_workbooks(warehouse, tmp_path, AS_OF)[0])
    assert "判定依据" not in book.sheetnames and "风险分值构成" not in book.sheetnames
    assert book.sheetnames[-1] == LEGEND_SHEET


def test_writing_again_leaves_no_stale_workbook(warehouse, tmp_path):
    (tmp_path / "workbooks").mkdir()
    (tmp_path / "workbooks" / "99.xlsx").write_bytes(b"from an earlier export")
    write_workbooks(warehouse, tmp_path, AS_OF)
    assert sorted(p.name for p in (tmp_path / "workbooks").iterdir()) == ["11.xlsx", "33.xlsx", "44.xlsx"]


def test_same_warehouse_same_bytes(warehouse, tmp_path):
    first = [p.read_bytes() for p in write_workbooks(warehouse, tmp_path / "one", AS_OF)]
    second = [p.read_bytes() for p in write_workbooks(warehouse, tmp_path / "two", AS_OF)]
    assert first == second
    assert sorted(p.name for p in (tmp_path / "one" / "workbooks").iterdir()) == ["11.xlsx", "33.xlsx", "44.xlsx"]


@pytest.fixture
def warehouse_file(warehouse, tmp_path):
    """The small warehouse as a DuckDB file, which the writing processes open read-only."""
    path = tmp_path / "warehouse.duckdb"
    warehouse.execute(f"attach '{path}' as on_disk")
    warehouse.execute("copy from database memory to on_disk")
    warehouse.execute("detach on_disk")
    con = duckdb.connect(str(path), read_only=True)
    yield path, con
    con.close()


def test_processes_side_by_side_write_the_same_bytes_as_one(warehouse, warehouse_file, tmp_path):
    """Provinces are split over processes (the export's CSVs are written meanwhile): the workbooks are those one
    process writes, byte for byte, and nothing else is left in the date's folder."""
    path, con = warehouse_file
    alone = {p.name: p.read_bytes() for p in write_workbooks(warehouse, tmp_path / "alone", AS_OF)}
    ran_meanwhile = []
    with written_alongside(con, path, tmp_path / "split", AS_OF, workers=2):
        ran_meanwhile.append(True)
    split = {p.name: p.read_bytes() for p in (tmp_path / "split" / "workbooks").iterdir()}
    assert ran_meanwhile and split == alone
    assert sorted(p.name for p in (tmp_path / "split").iterdir()) == ["workbooks"]


def test_provinces_are_shared_by_enterprises(warehouse):
    build_more = [(f"9144030500000{i:04d}X", "粤企", "440305", "B") for i in range(4)]
    for uscc, name, region, level in build_more:
        warehouse.execute("insert into exports.enterprise_levels values (?, ?, ?, ?, ?, false, '', '', false, "
                          "'2026.1')", [uscc, name, region, AS_OF, level])
    # 44 has 5 enterprises, 11 and 33 two each: 44 alone in one process, the others together in the other
    assert _province_groups(warehouse, 2) == [["44"], ["11", "33"]]
    assert _province_groups(warehouse, 8) == [["44"], ["11"], ["33"]]
    assert _province_groups(warehouse, 1) == [["11", "33", "44"]]


def test_a_writing_process_that_fails_fails_the_export_naming_its_provinces(warehouse_file, tmp_path):
    path, con = warehouse_file
    target = tmp_path / "out"
    failed = r"writing the workbooks failed: provinces (11|33|44)(, \d\d)*: .*Error"
    with (pytest.raises(RuntimeError, match=failed),
          written_alongside(con, tmp_path / "no-such-warehouse.duckdb", target, AS_OF, workers=2)):
        pass
    assert not list(target.glob(".workbooks-*.log"))


def test_all_column_meanings_are_safe_text():
    for name, column in COLUMNS.items():
        for text in (column.header_zh, column.meaning_zh, column.meaning_en):
            assert text and text[0] not in "=+-@\t\r", name


def test_region_codes_come_from_enterprise_levels_when_a_view_lacks_them(warehouse, tmp_path):
    """level_changes has no region_code before the dbt views carry one (contract C2): it is joined, so an
    enterprise's level change lands in its own province's workbook."""
    paths = {p.stem: p for p in write_workbooks(warehouse, tmp_path, AS_OF)}
    guangdong = rows(openpyxl.load_workbook(paths["44"])["等级变化"])
    assert [(r["统一社会信用代码 uscc"], r["行政区划代码 region_code"]) for r in guangdong] == [
        ("91440305529841408M", "440305")]


def test_the_export_duckdb_is_shared_by_its_processes(monkeypatch):
    """Memory: half of the budget for the CSVs and the serving copy, half split among the workbook writers.
    Threads: the cores split among the processes. One process doing everything gets it all."""
    monkeypatch.delenv("QCREDIT_EXPORT_DUCKDB_MEMORY_MB", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    budget = settings.EXPORT_DUCKDB_MEMORY_MB
    assert settings.export_duckdb_shares(2) == (DuckDBShare(budget // 2, 1), DuckDBShare(budget // 4, 1))
    monkeypatch.setenv("QCREDIT_EXPORT_DUCKDB_MEMORY_MB", "1200")
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert settings.export_duckdb_shares(3) == (DuckDBShare(600, 2), DuckDBShare(200, 2))
    assert settings.export_duckdb_shares(1) == (DuckDBShare(1200, 8), DuckDBShare(1200, 8))


def test_writers_hold_to_their_share_and_write_the_same_bytes(warehouse, warehouse_file, tmp_path, monkeypatch):
    """The connections the export opens carry their share of DuckDB, and a small one changes no byte."""
    path, _ = warehouse_file
    expected = duckdb.connect(config={"memory_limit": "64MB", "threads": 3}).execute(
        "select current_setting('memory_limit'), current_setting('threads')").fetchone()
    with connect_read_only(path, DuckDBShare(64, 3)) as con:
        assert con.execute("select current_setting('memory_limit'), current_setting('threads')").fetchone() \
            == expected
    alone = {p.name: p.read_bytes() for p in write_workbooks(warehouse, tmp_path / "alone", AS_OF)}
    monkeypatch.setenv("QCREDIT_EXPORT_DUCKDB_MEMORY_MB", "256")  # 64 MB for each of the two writers
    with (connect_read_only(path, DuckDBShare(128, 1)) as con,
          written_alongside(con, path, tmp_path / "small", AS_OF, workers=2)):
        pass
    assert {p.name: p.read_bytes() for p in (tmp_path / "small" / "workbooks").iterdir()} == alone
