"""Checks of criterion_evidence against the inbox, independent of the code under test: every C and D reason and
every signal of an enterprise has evidence, and every evidence row names a delivered file of the inbox whose cited
line (CSV line with the header as 1, JSON Lines line, workbook sheet row) holds that record.

A line "holds" a record when, read as delivered and normalized the way agencies' keying is (NFKC, upper case),
it contains the record id (a date in any of the delivered date spellings) and names the enterprise: its USCC, or
for feeds that may name it by another identifier (a legacy tax number, a customs code) the organization code
inside the USCC or the record id itself.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

import openpyxl

ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def normalized(text: str) -> str:
    return unicodedata.normalize("NFKC", text).upper()


def cell_text(value: object) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


@lru_cache(maxsize=64)
def _text_lines(path: Path) -> tuple[str, ...]:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return tuple(raw.decode(encoding).splitlines())
        except UnicodeDecodeError:
            continue
    raise AssertionError(f"{path}: neither UTF-8 nor GB18030")


@lru_cache(maxsize=16)
def _sheet_rows(path: Path) -> tuple[tuple[str, ...], ...]:
    """Every sheet's rows as text, one tuple per sheet row number (1-based, same row across sheets joined)."""
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    by_row: dict[int, list[str]] = {}
    for sheet in workbook.worksheets:
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            by_row.setdefault(number, []).append(" ".join(cell_text(v) for v in row))
    workbook.close()
    return tuple(tuple(by_row.get(n, ())) for n in range(1, max(by_row, default=0) + 1))


def cited_texts(inbox: Path, source_file: str, source_line: int) -> list[str]:
    """The delivered text at the cited line: one text, or for a workbook one per sheet that has that row."""
    path = inbox / source_file
    if not path.is_file():
        raise FileNotFoundError(f"{source_file} is not a file of the inbox")
    if path.suffix.lower() == ".xlsx":
        rows = _sheet_rows(path)
        return list(rows[source_line - 1]) if 0 < source_line <= len(rows) else []
    lines = _text_lines(path)
    return [lines[source_line - 1]] if 0 < source_line <= len(lines) else []


def spellings(record_id: str) -> set[str]:
    """The ways a record id may be written in a delivered file: as is, or a date in the delivered formats."""
    found = ISO_DATE.fullmatch(record_id)
    if not found:
        return {normalized(record_id)}
    year, month, day = found.groups()
    return {
        f"{year}-{month}-{day}", f"{year}/{month}/{day}", f"{year}{month}{day}",
        f"{year}年{month}月{day}日", f"{year}/{int(month)}/{int(day)}", f"{year}年{int(month)}月{int(day)}日",
    }


def holds_record(text: str, row: dict) -> bool:
    line = normalized(text)
    if not any(spelling in line for spelling in spellings(row["record_id"])):
        return False
    uscc = row["uscc"]
    if uscc in line:
        return True
    if row["dataset"] == "tax/tax_credit":  # a legacy tax number carries the organization code (USCC 9-17)
        return uscc[8:17] in line
    return row["dataset"] == "customs/customs_credit"  # its record id is the customs code naming the enterprise


def evidence_problems(inbox: Path, evidence: list[dict]) -> list[str]:
    """One line per evidence row whose file, line or record does not check out."""
    problems = []
    for row in evidence:
        where = f"{row['uscc']} {row['code']} -> {row['source_file']}:{row['source_line']} ({row['record_id']})"
        if not row["source_file"] or not row["source_line"] or not row["record_id"]:
            problems.append(f"{where}: no file, line or record id")
            continue
        try:
            texts = cited_texts(inbox, row["source_file"], int(row["source_line"]))
        except FileNotFoundError as missing:
            problems.append(f"{where}: {missing}")
            continue
        if not any(holds_record(text, row) for text in texts):
            problems.append(f"{where}: the line does not hold the record: {texts!r}")
    return problems


def uncited_codes(levels: list[dict], evidence: list[dict]) -> list[str]:
    """The C/D reason codes and signals of graded enterprises that no evidence row cites."""
    cited = {(row["uscc"], row["code"]) for row in evidence}
    wanted = set()
    for row in levels:
        codes = row["signals"].split(";") if row["signals"] else []
        if row["level"] in ("C", "D") and row["reasons"]:
            codes += row["reasons"].split(";")
        wanted |= {(row["uscc"], code) for code in codes}
    return sorted(f"{uscc} {code}" for uscc, code in wanted - cited)
