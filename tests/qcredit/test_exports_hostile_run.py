"""The whole run with hostile enterprise names: the sample drop, its enterprises renamed to formulas, graded by
`qcredit run`. Every published cell is formula-safe (OUTPUTS.md's cell rule), the warehouse keeps the names as
delivered, and each province's workbook holds exactly that province's rows of the CSVs."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import openpyxl
import pytest

from qcredit import pipeline
from qcredit.cli import main
from qcredit.workbooks import COLUMNS, CRITERIA_SEED, LEGEND_SHEET, SHEETS, header_text

AS_OF = "2026-11-20"
HOSTILE = ['=HYPERLINK("http://x")', "@SUM(A1)", "+1+1", "-2+3", "\t制表符开头", "\r回车开头"]
PUBLIC_A, PUBLIC_D = "911101087986432663", "91420106706509888K"  # the sample's disclosed A and D enterprises
ENTERPRISES = Path("quality") / "enterprises_20261119.csv"


def published(raw: str) -> str:
    """OUTPUTS.md's cell rule, written out independently of the code under test."""
    return "'" + raw if raw[:1] in ("=", "+", "-", "@", "\t", "\r") else raw


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory, sample_inbox) -> Path:
    """The sample drop with every enterprise renamed to a hostile name (and a number, to keep names apart)."""
    root = tmp_path_factory.mktemp("hostile")
    inbox = root / "inbox"
    shutil.copytree(sample_inbox, inbox)
    rows = read(inbox / ENTERPRISES)
    for i, row in enumerate(rows):
        row["name"] = f"{HOSTILE[i % len(HOSTILE)]}{i}"
    for row in rows:  # the public lists get names a spreadsheet would run
        row["name"] = {PUBLIC_A: '=HYPERLINK("http://x")', PUBLIC_D: "@SUM(A1)"}.get(row["uscc"], row["name"])
    with (inbox / ENTERPRISES).open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    home = root / "home"
    assert main(["run", "--inbox", str(inbox), "--home", str(home), "--as-of", AS_OF]) == 0
    return home


@pytest.fixture(scope="module")
def names_in_warehouse(hostile_run) -> dict[str, str]:
    with duckdb.connect(str(hostile_run / "warehouse.duckdb"), read_only=True) as con:
        return dict(con.execute("select uscc, name from exports.enterprise_levels").fetchall())


def test_the_warehouse_keeps_the_names_as_delivered(hostile_run, names_in_warehouse):
    landed = set(names_in_warehouse.values())
    for prefix in ('=HYPERLINK("http://x")', "@SUM(A1)", "+1+1", "-2+3"):
        assert any(name.startswith(prefix) for name in landed), prefix


@pytest.mark.parametrize("file", ["enterprise_levels.csv", "public_a_list.csv", "public_d_list.csv",
                                  "risk_warnings.csv", "d_review_queue.csv"])
def test_names_in_the_csvs_are_formula_safe(hostile_run, names_in_warehouse, file):
    rows = read(hostile_run / "exports" / AS_OF / file)
    assert rows, f"{file}: the sample drop should put rows here"
    for row in rows:
        assert row["name"] == published(names_in_warehouse[row["uscc"]]), (file, row["uscc"])
        assert row["name"][:1] not in ("=", "+", "-", "@", "\t", "\r")


def test_the_public_lists_carry_escaped_hostile_names(hostile_run):
    folder = hostile_run / "exports" / AS_OF
    public_a = {row["uscc"]: row["name"] for row in read(folder / "public_a_list.csv")}
    public_d = {row["uscc"]: row["name"] for row in read(folder / "public_d_list.csv")}
    assert public_a[PUBLIC_A] == "'=HYPERLINK(\"http://x\")"
    assert public_d[PUBLIC_D] == "'@SUM(A1)"


def test_every_csv_is_formula_safe(hostile_run):
    for path in sorted((hostile_run / "exports" / AS_OF).glob("*.csv")):
        for row in read(path):
            for column, value in row.items():
                assert value[:1] not in ("=", "+", "-", "@", "\t", "\r"), (path.name, column, value)


def test_one_workbook_per_province_with_the_rows_of_the_csvs(hostile_run):
    """Each sheet of a province's workbook is its CSV's rows of that province, in the same order, with the same
    text (name and region code added beside the USCC where the CSV has none)."""
    folder = hostile_run / "exports" / AS_OF
    levels = read(folder / "enterprise_levels.csv")
    region = {row["uscc"]: row["region_code"] for row in levels}
    provinces = sorted({code[:2] for code in region.values()})
    assert sorted(p.stem for p in (folder / "workbooks").glob("*.xlsx")) == provinces
    assert not (folder / "workbooks" / ".xlsxwriter").exists()
    books = {p: openpyxl.load_workbook(folder / "workbooks" / f"{p}.xlsx") for p in provinces}
    for sheet in [s for s in SHEETS if (folder / f"{s.view}.csv").exists()]:
        csv_rows = read(folder / f"{sheet.view}.csv")
        for province, book in books.items():
            header, *cells = list(book[sheet.name].iter_rows(values_only=True))
            columns = [text.split(" ")[-1] for text in header]
            assert list(header) == [header_text(c) for c in columns]
            assert set(columns) <= set(COLUMNS), f"{sheet.view}: give new columns a header and meaning in COLUMNS"
            got = [dict(zip(columns, row, strict=True)) for row in cells]
            expected = [r for r in csv_rows if region[r["uscc"]][:2] == province]
            assert [r["uscc"] for r in got] == [r["uscc"] for r in expected], (province, sheet.name)
            for row, csv_row in zip(got, expected, strict=True):
                assert row["region_code"] == region[row["uscc"]] and row["region_code"][:2] == province
                assert set(csv_row) - set(row) <= {"ruleset_version"}, (sheet.name, "the legend states it once")
                for column, value in csv_row.items():
                    if column in row and (isinstance(row[column], str) or row[column] is None):
                        assert (row[column] or "") == value, (province, sheet.name, column)


def test_workbook_cells_are_escaped_and_typed(hostile_run, names_in_warehouse):
    folder = hostile_run / "exports" / AS_OF
    seen = 0
    for path in (folder / "workbooks").glob("*.xlsx"):
        sheet = openpyxl.load_workbook(path)["企业等级"]
        for uscc, name, _, as_of in sheet.iter_rows(min_row=2, max_col=4):
            assert uscc.data_type == "s" and name.data_type == "s"
            assert name.value == published(names_in_warehouse[uscc.value])
            assert as_of.is_date and as_of.value.date().isoformat() == AS_OF
            seen += 1
    assert seen == len(names_in_warehouse)


@pytest.mark.skipif(not CRITERIA_SEED.exists(), reason="the criteria seed (contract C1) is not in this tree yet")
def test_the_legend_explains_every_code_and_signal_shown(hostile_run):
    folder = hostile_run / "exports" / AS_OF
    shown = set()
    for row in read(folder / "enterprise_levels.csv"):
        shown |= set(filter(None, row["reasons"].split(";") + row["signals"].split(";")))
    for path in (folder / "workbooks").glob("*.xlsx"):
        legend = openpyxl.load_workbook(path)[LEGEND_SHEET]
        explained = {row[0]: row for row in legend.iter_rows(min_row=2, values_only=True) if row[0]}
        for code in shown:
            assert explained[code][3] and explained[code][4], (path.name, code)


def test_exporting_again_gives_the_same_bytes(hostile_run):
    folder = hostile_run / "exports" / AS_OF
    def published() -> dict:  # files_needing_attention.csv reports one night's landing, not the date's results
        return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*")
                if p.suffix in (".csv", ".xlsx") and p.name != "files_needing_attention.csv"}

    before = published()
    pipeline.export(hostile_run, AS_OF)
    after = published()
    assert after == before
