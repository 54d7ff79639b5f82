"""OUTPUTS.md's cell rule on the export step's SELECT: text that a spreadsheet would run gets a leading ',
everything else (numbers, dates, ordinary text) goes out unchanged."""

from __future__ import annotations

import duckdb
import pytest

from qcredit.exports import _copy, _sorted_select, export_views, formula_safe


@pytest.mark.parametrize(("raw", "published"), [
    ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("+1+1", "'+1+1"),
    ("-2+3", "'-2+3"),
    ("\t制表符", "'\t制表符"),
    ("\r回车", "'\r回车"),
    ("北京=测试", "北京=测试"),  # only the first character matters
    ("'already quoted", "'already quoted"),
    ("", ""),
    (None, None),
])
def test_formula_safe_text(raw, published):
    con = duckdb.connect()
    cell = con.execute(f"select {formula_safe('x')} from (select cast(? as varchar) as x)", [raw]).fetchone()[0]
    assert cell == published


def test_a_csv_escapes_text_and_leaves_numbers_and_dates(tmp_path):
    con = duckdb.connect()
    con.execute("create schema exports")
    con.execute("create table exports.sample as select '-2+3' as name, -5 as points, -1.5 as score, "
                "date '2026-11-20' as as_of, '' as reasons, true as flag")
    target = tmp_path / "sample.csv"
    _copy(con, _sorted_select(con, "exports.sample"), target)
    assert target.read_text(encoding="utf-8").splitlines() == [
        "name,points,score,as_of,reasons,flag",
        "'-2+3,-5,-1.5,2026-11-20,,true",
    ]
    assert export_views(con) == ["sample"]
    assert con.execute("select name from exports.sample").fetchone() == ("-2+3",)  # the data itself unchanged
