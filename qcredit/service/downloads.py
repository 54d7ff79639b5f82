"""CSV and XLSX downloads of what a page shows. Text that a spreadsheet would run as a formula (starting with
`=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`, as in every published file (OUTPUTS.md)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

import xlsxwriter
from django.http import HttpResponse

from qcredit.exports import FORMULA_TRIGGERS  # the cell rule's one list of formula starts

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_text(value: Any) -> Any:
    """The value as it may go into a spreadsheet cell: text that would start a formula is quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def csv_response(rows: Iterable[dict[str, Any]], columns: list[str], filename: str) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else safe_text(row.get(c)) for c in columns])
    response = HttpResponse(buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_response(rows: Iterable[dict[str, Any]], columns: list[str], filename: str, sheet: str) -> HttpResponse:
    """One sheet, header frozen and filtered; text written as text (xlsxwriter's `write` would make a formula
    of a leading `=`), USCCs included."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    ws = book.add_worksheet(sheet)
    bold = book.add_format({"bold": True})
    for col, name in enumerate(columns):
        ws.write_string(0, col, name, bold)
    count = 0
    for count, row in enumerate(rows, start=1):
        for col, name in enumerate(columns):
            value = safe_text(row.get(name))
            if value is None:
                continue
            if isinstance(value, int | float):
                ws.write_number(count, col, value)
            else:
                ws.write_string(count, col, str(value))
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, count, max(len(columns) - 1, 0))
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 30)
    book.close()
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
