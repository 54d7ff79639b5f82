"""The risk officers' workbooks: `exports/<date>/workbooks/<province>.xlsx`, one per two-digit province code.

Each workbook holds its province's rows of the internal export views as sheets (Chinese headers with the column
name beside them), and a legend sheet with the meaning of every code and signal (from the criteria seed, the one
table of code meanings) and of every column. Cells are typed for Excel: text as text (an all-digit USCC stays
text), dates as dates, numbers as numbers, booleans as booleans; text is formula-safe as in the CSVs.

Each sheet is read twice, with one query for all provinces each time: the first counts each province's rows
and measures its columns, so that xlsxwriter can write every workbook but its rows (headers, parts past the row
limit, filters, widths, styles, the legend); the second has DuckDB render the rows as the sheet's XML
(`qcredit/sheet_rows.py`: the bytes xlsxwriter would write, without its cost per cell), streamed into each
province's workbook as its skeleton is copied to its place. No sheet is held in memory or on disk.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import xlsxwriter
from xlsxwriter.utility import xl_range

from ingest.orphans import die_with_parent
from qcredit import settings, sheet_rows
from qcredit.exports import EXPORT_SCHEMA, connect_read_only, export_views, formula_safe
from qcredit.sql import quoted

EXCEL_MAX_ROWS = 1_048_576  # rows in an Excel sheet, the header row included
BATCH_ROWS = 20_000
MAX_COLUMN_WIDTH = 60
DATE_FORMAT = "yyyy-mm-dd"
EXCEL_EPOCH = "1899-12-30"  # Excel's day 0: a date cell holds the days since then
CRITERIA_SEED = settings.DBT_PROJECT_DIR / "seeds" / "criteria.csv"


@dataclass(frozen=True)
class Sheet:
    view: str  # the export view in schema `exports` (and the CSV it is published as)
    name: str  # the sheet's name in the workbook
    title_en: str
    one_row_per: str


SHEETS = (
    Sheet("risk_warnings", "风险预警", "risk warnings", "C-level enterprise"),
    Sheet("d_review_queue", "D级复核", "D review queue", "D-level enterprise not disclosed"),
    Sheet("level_changes", "等级变化", "level changes", "enterprise whose level changed since the previous date"),
    Sheet("supervision_plan", "监管计划", "supervision plan", "graded enterprise"),
    Sheet("criterion_evidence", "判定依据", "evidence", "reason code or signal, with a delivered record behind it"),
    Sheet("enterprise_levels", "企业等级", "enterprise levels", "graded enterprise"),
    Sheet("risk_score_breakdown", "风险分值构成", "risk score breakdown", "point component of a risk score"),
)
LEGEND_SHEET = "图例"
ENTERPRISE_COLUMNS = ("name", "region_code")  # beside the USCC in every sheet
# The same value on every row of a run: the legend states it once instead (one cell fewer per row to write).
LEGEND_ONLY_COLUMNS = ("ruleset_version",)


@dataclass(frozen=True)
class Column:
    header_zh: str
    meaning_zh: str
    meaning_en: str
    number_format: str | None = None  # text the views format for the CSVs (one decimal) but Excel should count


COLUMNS = {
    "uscc": Column("统一社会信用代码", "企业的统一社会信用代码（18位）", "the enterprise's unified social credit code"),
    "name": Column("企业名称", "企业名称（质量档案）", "enterprise name, from the quality archive"),
    "region_code": Column("行政区划代码", "6位行政区划代码，前两位为省份", "6-digit region code; the first two digits "
                          "are the province"),
    "as_of": Column("评价日期", "评价所依据的日期 T", "the as-of date T of the grading"),
    "level": Column("信用等级", "质量信用等级 A/B/C/D", "quality credit level A to D"),
    "provisional": Column("暂定", "暂按B级管理（如成立未满年限）", "managed as B provisionally (a B code fails)"),
    "reasons": Column("判定代码", "决定等级的代码，分号分隔", "codes that decided the level, ;-separated"),
    "signals": Column("跨部门信号", "银行、税务、工商、海关信号，分号分隔", "cross-agency signals, ;-separated"),
    "untrustworthy_elsewhere": Column("他部门失信", "在其他部门被认定失信", "untrustworthy at another agency"),
    "risk_score": Column("风险分值", "风险预警分值", "risk warning score"),
    "action": Column("预警措施", "yellow_card 黄牌、warning 预警、none 无", "yellow_card, warning or none"),
    "review_status": Column("复核状态", "pending 待复核、overturned 已撤销", "pending or overturned"),
    "previous_as_of": Column("上次评价日期", "历史中上一次评价日期", "previous graded date kept in history"),
    "previous_level": Column("上次等级", "上一次评价的等级", "level at the previous graded date"),
    "inspection_multiplier": Column("检查频次倍数", "监督检查频次倍数", "inspection frequency multiplier",
                                    number_format="0.0"),
    "key_supervision": Column("重点监管", "是否列为重点监管对象", "under key supervision"),
    "measures": Column("管理措施", "激励或惩戒措施，分号分隔", "incentive or disciplinary measures, ;-separated"),
    "code": Column("代码", "判定代码或跨部门信号", "reason code or cross-agency signal"),
    "title": Column("含义", "代码的中文含义", "the code's meaning (Chinese)"),
    "dataset": Column("数据集", "依据记录所在数据集（部门/数据集）", "dataset of the record (agency/dataset)"),
    "record_id": Column("记录编号", "依据记录的编号", "identifier of the record"),
    "event_date": Column("事件日期", "依据记录的日期", "date of the record's event"),
    "source_file": Column("来源文件", "报送文件（相对于收件目录）", "delivered file, relative to the inbox"),
    "source_line": Column("来源行号", "记录在报送文件中的行号", "line of the record in the delivered file"),
    "delivery_id": Column("报送批次", "记录所在的报送批次", "delivery the record came in"),
    "component": Column("分值组成", "reason 判定代码、repeat 重复、signal 信号", "reason, repeat or signal"),
    "points": Column("分值", "该组成计入的分值", "points this component adds"),
    "ruleset_version": Column("规则版本", "评价所用规则版本", "version of the grading rules applied"),
}

LEGEND_CODE_COLUMNS = (  # the criteria seed's columns (contract C1) and their headers
    ("code", "代码"), ("kind", "类别"), ("level", "导致等级"), ("title_zh", "中文含义"),
    ("title_en", "英文含义"), ("reads", "所读数据"), ("window", "时间窗参数"),
)


def write_workbooks(con: duckdb.DuckDBPyConnection, out_dir: Path, as_of: str,
                    row_limit: int = EXCEL_MAX_ROWS) -> list[Path]:
    """Write `out_dir/workbooks/<province>.xlsx` for every province with graded enterprises, in this process;
    return the paths.

    `row_limit` is the rows a sheet may hold, header included (Excel's limit; tests pass a small one): a sheet
    with more continues on `<name> (2)`, `<name> (3)`, ..."""
    folder = _fresh_folder(out_dir)
    return write_provinces(con, folder, as_of, _provinces(con), row_limit)


@contextlib.contextmanager
def written_alongside(con: duckdb.DuckDBPyConnection, warehouse: Path, out_dir: Path, as_of: str,
                      workers: int | None = None) -> Iterator[None]:
    """Write the workbooks in `workers` processes (default `settings.workbook_workers()`) while the block runs,
    and wait for them at its end. Provinces are independent and the workbooks cost CPU per cell, so each
    process writes a share of the provinces, balanced by their enterprises, from its own read-only connection
    to `warehouse`; the block (the CSVs) runs meanwhile. A process that fails fails the export, naming it."""
    folder = _fresh_folder(out_dir)
    groups = _province_groups(con, workers or settings.workbook_workers())
    if len(groups) <= 1:  # one process is enough: no second connection, no start-up
        write_provinces(con, folder, as_of, groups[0] if groups else [])
        yield
        return
    _, share = settings.export_duckdb_shares(len(groups))
    processes = [(*_start_writer(warehouse, folder, as_of, share, group, number), group)
                 for number, group in enumerate(groups)]
    try:
        yield
    except BaseException:
        for process, *_ in processes:
            process.kill()
        raise
    finally:
        reasons = [_writer_failure(process, log, group) for process, log, group in processes
                   if process.wait() != 0]
        for _, log, _ in processes:
            log.unlink(missing_ok=True)
    if reasons:
        raise RuntimeError(f"writing the workbooks failed: {'; '.join(reasons)}")


def _fresh_folder(out_dir: Path) -> Path:
    folder = out_dir / "workbooks"
    shutil.rmtree(folder, ignore_errors=True)  # a province gone since an earlier export leaves no stale workbook
    folder.mkdir(parents=True)
    return folder


def _province_groups(con: duckdb.DuckDBPyConnection, workers: int) -> list[list[str]]:
    """The provinces in at most `workers` groups of about equal enterprises (the largest first, each to the
    lightest group), each group in province order."""
    sizes = con.execute(
        f"select left(region_code, 2), count(*) from {EXPORT_SCHEMA}.enterprise_levels "
        "where region_code is not null group by 1 order by 2 desc, 1"
    ).fetchall()
    groups: list[tuple[int, list[str]]] = [(0, []) for _ in range(min(max(workers, 1), len(sizes)))]
    for province, size in sizes:
        lightest = min(range(len(groups)), key=lambda i: groups[i][0])
        weight, members = groups[lightest]
        groups[lightest] = (weight + size, [*members, province])
    return [sorted(members) for _, members in groups]


def _start_writer(warehouse: Path, folder: Path, as_of: str, share: settings.DuckDBShare, provinces: list[str],
                  number: int) -> tuple[subprocess.Popen, Path]:
    """A process writing `provinces`' workbooks (`python -m qcredit.workbooks`) with its `share` of DuckDB; it
    dies with this one."""
    log = folder.parent / f".workbooks-{number}.log"  # beside, not in, the folder: never published
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "qcredit.workbooks", str(warehouse), str(folder), as_of, str(share.memory_mb),
             str(share.threads), *provinces],
            stdout=subprocess.DEVNULL, stderr=stderr, preexec_fn=die_with_parent)
    return process, log


def _writer_failure(process: subprocess.Popen, log: Path, provinces: list[str]) -> str:
    lines = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    why = lines[-1] if lines else f"exit status {process.returncode}"
    return f"provinces {', '.join(provinces)}: {why}"


def write_provinces(con: duckdb.DuckDBPyConnection, folder: Path, as_of: str, provinces: list[str],
                    row_limit: int = EXCEL_MAX_ROWS) -> list[Path]:
    """Write `folder/<province>.xlsx` for each of `provinces`; return the paths.

    Two passes over each sheet: the first counts each province's rows and measures its columns, so that
    xlsxwriter can write every workbook but its rows (headers, parts past the row limit, filters over the
    rows, widths, the legend); the second renders the rows in DuckDB and streams them into the sheets."""
    scratch = folder / f".xlsxwriter-{os.getpid()}"  # unfinished workbooks, beside the output
    scratch.mkdir(exist_ok=True)
    sheet_rows.register(con)
    created = datetime.fromisoformat(as_of)  # the document's date: a rerun gives the same bytes
    books = {province: _ProvinceBook(folder / f"{province}.xlsx", scratch, created) for province in provinces}
    splices: dict[str, sheet_rows.Splice] = {}
    try:
        present = set(export_views(con))
        sheets = []
        for sheet in SHEETS:
            if sheet.view in present:
                cells, source, region = _cells(con, sheet.view)
                sizes = _measure(con, cells, source, region, provinces)
                headers = [sheet_rows.display_width(header_text(cell.column)) for cell in cells]
                for province, book in books.items():
                    rows, widths = sizes.get(province, (0, headers))
                    book.add_sheet(sheet, cells, rows, [max(a, b) for a, b in zip(headers, widths, strict=True)],
                                   row_limit)
                sheets.append((sheet, cells, source, region))
        criteria, run_facts = criteria_rows(con), _run_facts(con)
        for province, book in books.items():
            book.write_legend(criteria, [sheet for sheet, *_ in sheets], run_facts)
            book.close()
            splices[province] = sheet_rows.Splice(book.skeleton, book.path, book.dimensions)
        for sheet, cells, source, region in sheets:
            _stream_rows(con, sheet, cells, source, region, books, splices, row_limit)
        for splice in splices.values():
            splice.finish()
    finally:
        for book in books.values():
            book.close()
        for splice in splices.values():
            splice.close()
        shutil.rmtree(scratch, ignore_errors=True)
    return [book.path for book in books.values()]


def criteria_rows(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Every code and signal with its meaning (contract C1): the table dbt seeded into the warehouse, so the
    legend matches the grading; before that seed is built, the seed file itself."""
    columns = ", ".join(formula_safe(f"cast({quoted(name)} as varchar)") for name, _ in LEGEND_CODE_COLUMNS)
    tables = con.execute(
        "select table_schema from information_schema.tables where table_name = 'criteria' "
        "order by table_schema <> 'seeds', table_schema"
    ).fetchall()
    if tables:
        return con.execute(f"select {columns} from {quoted(tables[0][0])}.criteria").fetchall()
    if CRITERIA_SEED.exists():
        return con.execute(f"select {columns} from read_csv(?, all_varchar = true, header = true)",
                           [str(CRITERIA_SEED)]).fetchall()
    return []


def _run_facts(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """The legend-only columns with their one value in this run, e.g. (`ruleset_version`, `2026.1`)."""
    present = {name for name, *_ in con.execute(f"describe {EXPORT_SCHEMA}.enterprise_levels").fetchall()}
    return [(column, str(con.execute(f"select max({quoted(column)}) from {EXPORT_SCHEMA}.enterprise_levels")
                         .fetchone()[0]))
            for column in LEGEND_ONLY_COLUMNS if column in present]


def _provinces(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        f"select distinct left(region_code, 2) from {EXPORT_SCHEMA}.enterprise_levels "
        "where region_code is not null order by 1"
    ).fetchall()
    return [province for (province,) in rows]


@dataclass(frozen=True)
class _Cell:
    """How one column reaches Excel: its SQL expression and the kind of cell it makes."""
    column: str
    sql: str
    kind: str  # sheet_rows.TEXT, NUMBER or BOOLEAN
    number_format: str | None = None


def _cells(con: duckdb.DuckDBPyConnection, view: str) -> tuple[list[_Cell], str, str]:
    """The sheet's cells, the FROM clause that provides them and the region code's expression. The enterprise's
    name and region code stand beside its USCC in every sheet, from enterprise_levels where the view has none."""
    relation = f"{EXPORT_SCHEMA}.{quoted(view)}"
    own = {name: (name, kind, f"v.{quoted(name)}")
           for name, kind, *_ in con.execute(f"describe {relation}").fetchall()}
    missing = [name for name in ENTERPRISE_COLUMNS if name not in own]
    source = f"{relation} as v"
    if missing:
        source += f" left join {EXPORT_SCHEMA}.enterprise_levels as e on e.uscc = v.uscc"
    enterprise = [own.get(name, (name, "VARCHAR", f"e.{name}")) for name in ENTERPRISE_COLUMNS]
    placed = ("uscc", *ENTERPRISE_COLUMNS, *LEGEND_ONLY_COLUMNS)
    columns = [own["uscc"], *enterprise, *(own[name] for name in own if name not in placed)]
    region = "e.region_code" if "region_code" in missing else "v.region_code"
    return [_cell(name, kind, expression) for name, kind, expression in columns], source, region


def _cell(name: str, kind: str, expression: str) -> _Cell:
    column = COLUMNS.get(name)
    if column and column.number_format and kind == "VARCHAR":
        return _Cell(name, f"try_cast({expression} as double)", sheet_rows.NUMBER, column.number_format)
    if kind == "DATE":
        return _Cell(name, f"date_diff('day', date '{EXCEL_EPOCH}', {expression})", sheet_rows.NUMBER, DATE_FORMAT)
    if kind == "BOOLEAN":
        return _Cell(name, expression, sheet_rows.BOOLEAN)
    if kind.startswith(NUMBER_TYPES):
        return _Cell(name, f"cast({expression} as double)", sheet_rows.NUMBER)
    return _Cell(name, f"nullif({formula_safe(f'cast({expression} as varchar)')}, '')", sheet_rows.TEXT)  # blank


NUMBER_FORMATS = (DATE_FORMAT, *sorted({column.number_format for column in COLUMNS.values() if column.number_format}))
NUMBER_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
                "UBIGINT", "FLOAT", "DOUBLE", "DECIMAL")


def _measure(con: duckdb.DuckDBPyConnection, cells: list[_Cell], source: str, region: str,
             provinces: list[str]) -> dict[str, tuple[int, list[int]]]:
    """Each province's rows in the sheet and the widest value of each column (in Excel's columns)."""
    widths = ", ".join(f"max({_width(cell, f'v{i}')})" for i, cell in enumerate(cells))
    rows = con.execute(f"""
        with {_cells_cte(cells, source, region)}
        select province, count(*), [{widths}] from cells group by province""", [provinces]).fetchall()
    return {province: (count, [width or 0 for width in column_widths]) for province, count, column_widths in rows}


def _cells_cte(cells: list[_Cell], source: str, region: str) -> str:
    """CTE `cells`: the sheet's cells as v0, v1, ... with each row's province, for the provinces bound to the
    query's one parameter."""
    values = ", ".join(f"{cell.sql} as v{i}" for i, cell in enumerate(cells))
    return (f"cells as (select left({region}, 2) as province, {values} from {source} "
            f"where left({region}, 2) in (select unnest(?)))")


def _width(cell: _Cell, value: str) -> str:
    if cell.number_format == DATE_FORMAT:
        return str(len(DATE_FORMAT))
    shown = value if cell.kind == sheet_rows.TEXT else sheet_rows.cell_text(cell.kind, value)
    return sheet_rows.display_width_sql(shown)


def _stream_rows(con: duckdb.DuckDBPyConnection, sheet: Sheet, cells: list[_Cell], source: str, region: str,
                 books: dict[str, _ProvinceBook], splices: dict[str, sheet_rows.Splice], row_limit: int) -> None:
    """One query for all provinces, ordered by province: each province's rows, rendered, stream into its
    workbook's sheet (the part of the sheet each row falls in)."""
    result = con.execute(_rendering_query(cells, source, region, books, row_limit), [list(books)])
    while batch := result.fetchmany(BATCH_ROWS):
        start = 0
        for end in range(1, len(batch) + 1):  # consecutive rows of one province and part are written at once
            if end == len(batch) or batch[end][:2] != batch[start][:2]:
                province, part = batch[start][:2]
                entry = books[province].entries[(sheet.view, part)]
                splices[province].write(entry, b"".join(row for *_, row in batch[start:end]))
                start = end


def _rendering_query(cells: list[_Cell], source: str, region: str, books: dict[str, _ProvinceBook],
                     row_limit: int) -> str:
    """SQL giving, in the sheet's order, each row's province, part (1, 2, ... past the row limit) and XML (as
    UTF-8 bytes: written as they come)."""
    styles = next(iter(books.values())).style_indexes if books else {}
    per_part = row_limit - 1  # the header takes a row of each part
    order = ", ".join(f"v{i}" for i in range(len(cells)))
    texts = ", ".join(f"{sheet_rows.cell_text(cell.kind, f'v{i}')} as t{i}" for i, cell in enumerate(cells))
    xml = sheet_rows.row_xml([sheet_rows.cell_xml(cell.kind, f"t{i}", i, styles.get(cell.number_format))
                              for i, cell in enumerate(cells)])
    return f"""
        with {_cells_cte(cells, source, region)}, numbered as (
            select *, row_number() over (partition by province order by {order}) as number from cells
        ), texts as (
            select province, number, (number - 1) // {per_part} + 1 as part,
                   cast((number - 1) % {per_part} + 2 as varchar) as r, {texts}
            from numbered
        )
        select province, part, encode({xml}) from texts order by province, number"""


def header_text(column: str) -> str:
    """A column's header: its Chinese name with the column name beside it (`统一社会信用代码 uscc`)."""
    known = COLUMNS.get(column)
    return f"{known.header_zh} {column}" if known else column


def _meanings(column: str) -> list[str]:
    known = COLUMNS.get(column)
    return [known.meaning_zh, known.meaning_en] if known else []


class _ProvinceBook:
    """One province's workbook as xlsxwriter writes it in the scratch folder: every sheet but its rows, and
    the legend; `sheet_rows.Splice` then writes it to its place with the rows."""

    def __init__(self, path: Path, scratch: Path, created: datetime) -> None:
        self.path = path
        self.skeleton = scratch / path.name
        self.workbook = xlsxwriter.Workbook(str(self.skeleton), {"constant_memory": True, "tmpdir": str(scratch)})
        self.workbook.set_properties({"title": f"质量信用 {path.stem} quality credit", "created": created})
        self.bold = self.workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "bottom": 1})
        # Styles are numbered now, in the same order in every workbook, so one rendering serves all provinces.
        self.bold._get_xf_index()
        self.style_indexes: dict[str | None, int | None] = {None: None} | {
            number_format: self.workbook.add_format({"num_format": number_format})._get_xf_index()
            for number_format in NUMBER_FORMATS}
        self.entries: dict[tuple[str, int], str] = {}  # (view, part) with rows: the sheet's entry in the zip
        self.dimensions: dict[str, str] = {}  # such an entry: the range its header and rows cover
        self.columns: dict[str, None] = {}  # every column shown, in order of first appearance, for the legend
        self.closed = False

    def add_sheet(self, sheet: Sheet, cells: list[_Cell], rows: int, widths: list[int], row_limit: int) -> None:
        """The sheet's `rows` (written later), on as many worksheets as the row limit needs, each with its
        header, frozen, filtered, its columns `widths` wide (at most MAX_COLUMN_WIDTH)."""
        self.columns.update(dict.fromkeys(cell.column for cell in cells))
        headers = [header_text(cell.column) for cell in cells]
        per_part = row_limit - 1
        for part in range(1, max(1, -(-rows // per_part)) + 1):
            part_rows = min(per_part, rows - (part - 1) * per_part)
            worksheet = self.workbook.add_worksheet(sheet.name if part == 1 else f"{sheet.name} ({part})")
            worksheet.write_row(0, 0, headers, self.bold)
            worksheet.freeze_panes(1, 0)
            worksheet.autofilter(0, 0, part_rows, len(cells) - 1)
            for column, width in enumerate(widths):
                worksheet.set_column(column, column, min(width + 2, MAX_COLUMN_WIDTH))
            if part_rows:
                entry = f"xl/worksheets/sheet{worksheet.index + 1}.xml"  # xlsxwriter's name for it in the zip
                self.entries[(sheet.view, part)] = entry
                self.dimensions[entry] = xl_range(0, 0, part_rows, len(cells) - 1)

    def write_legend(self, criteria: list[tuple], sheets: list[Sheet], run_facts: list[tuple[str, str]]) -> None:
        """Codes and signals with their meanings (filters on them), then the columns, the sheets, and the values
        every row of this run shares."""
        legend = self.workbook.add_worksheet(LEGEND_SHEET)
        legend.freeze_panes(1, 0)
        codes = criteria or [("代码含义表缺失 the criteria seed is missing",)]
        row = self._legend_table(legend, 0, [f"{zh} {name}" for name, zh in LEGEND_CODE_COLUMNS], codes)
        legend.autofilter(0, 0, len(codes), len(LEGEND_CODE_COLUMNS) - 1)
        row = self._legend_table(legend, row + 1, ["列 column", "表头 header", "中文含义 meaning", "English meaning"], [
            [column, header_text(column), *_meanings(column)] for column in self.columns])
        row = self._legend_table(legend, row + 1, ["工作表 sheet", "English", "文件 file", "每行 one row per"], [
            [sheet.name, sheet.title_en, f"{sheet.view}.csv", sheet.one_row_per] for sheet in sheets])
        self._legend_table(legend, row + 1, ["全部行相同 same on every row", "值 value", "中文含义 meaning",
                                             "English meaning"], [
            [header_text(column), value, *_meanings(column)] for column, value in run_facts])
        for column, width in enumerate((24, 16, 12, 40, 48, 36, 14)):
            legend.set_column(column, column, width)

    def _legend_table(self, legend: object, row: int, header: list[str], rows: list) -> int:
        """A header and its rows from `row` on, all text; returns the row after them."""
        legend.write_row(row, 0, header, self.bold)
        for values in rows:
            row += 1
            for column, value in enumerate(values):
                if value is not None:
                    legend.write_string(row, column, str(value))
        return row + 1

    def close(self) -> None:
        if not self.closed:
            self.workbook.close()
            self.closed = True


def main(argv: list[str] | None = None) -> int:
    """`python -m qcredit.workbooks WAREHOUSE FOLDER AS_OF MEMORY_MB THREADS PROVINCE...`: one of
    `written_alongside`'s processes, with MEMORY_MB of DuckDB memory and THREADS threads."""
    warehouse, folder, as_of, memory_mb, threads, *provinces = sys.argv[1:] if argv is None else argv
    with connect_read_only(Path(warehouse), settings.DuckDBShare(int(memory_mb), int(threads))) as con:
        write_provinces(con, Path(folder), as_of, provinces)
    return 0


if __name__ == "__main__":
    sys.exit(main())
