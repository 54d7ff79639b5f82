"""Builders of hostile deliveries: every hostile file of the drills is written here, by a script, never stored.

Each builder writes into an inbox laid out as FEEDS.md says and returns the path (relative to the inbox) of
what it wrote. Dates are on or before the drills' as-of date (2026-11-20).
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

SAMPLE_ENTERPRISES = "quality/enterprises_20261119.csv"
GOOD_USCC = "911101087986432663"  # S01 of the sample drop
AWKWARD = "quality/violations_20261120.csv"
# (line of the record in AWKWARD, what happens to it)
AWKWARD_LINES = {2: "loaded", 4: "quarantined", 5: "quarantined", 6: "loaded"}


def awkward_rows(inbox: Path) -> str:
    """A good events file with awkward rows: a quoted value spanning two lines (the next record is on line 4,
    not 3), a bad identifier (quarantined on its true line), a row with one field too many (quarantined
    alone), then a good row on line 6."""
    rows = [
        "record_id,uscc,decided_on,category,harm,penalty,description",
        f'VIO900001,{GOOD_USCC},2026-11-01,other,none,warning,"现场检查\n第二行说明"',
        "VIO900002,NOT-A-USCC,2026-11-01,other,none,warning,案件",
        f"VIO900003,{GOOD_USCC},2026-11-01,other,none,warning,案件,多余字段",
        f"VIO900004,{GOOD_USCC},2026-11-02,other,none,warning,案件",
    ]
    (inbox / AWKWARD).write_text("\n".join(rows) + "\n", encoding="utf-8")
    return AWKWARD


def _minimal_workbook(sheets: dict[str, list[list[str]]]) -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    workbook = xlsxwriter.Workbook(buf, {"in_memory": True})
    for name, rows in sheets.items():
        sheet = workbook.add_worksheet(name)
        for i, row in enumerate(rows):
            sheet.write_row(i, 0, row)
    workbook.close()
    return buf.getvalue()


def _rezip(workbook: bytes, extra: dict[str, bytes] | None = None, sheet_rows: int = 0) -> bytes:
    """The workbook's parts deflated again, with `extra` parts added and, when `sheet_rows`, that many
    rows appended to its first sheet."""
    source = zipfile.ZipFile(io.BytesIO(workbook))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in source.infolist():
            data = source.read(info.filename)
            if sheet_rows and info.filename == "xl/worksheets/sheet1.xml":
                head, tail = data.split(b"</sheetData>")
                row = b'<row><c t="inlineStr"><is><t>' + b"9" * 64 + b"</t></is></c></row>"
                data = head + row * sheet_rows + b"</sheetData>" + tail
            z.writestr(info.filename, data, compresslevel=9)
        for name, data in (extra or {}).items():
            z.writestr(name, data, compresslevel=9)
    return out.getvalue()


def zip_bomb_declared(inbox: Path) -> str:
    """A workbook carrying a part that unpacks to 1.1 GiB of zeros (about a megabyte packed): its declared
    size is over the limit, so it is refused before anything is unpacked."""
    rel = "commerce/registry_20261120.xlsx"
    workbook = _minimal_workbook({"登记信息": [["统一社会信用代码"]]})
    source = zipfile.ZipFile(io.BytesIO(workbook))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in source.infolist():
            z.writestr(info.filename, source.read(info.filename))
        with z.open("xl/media/image1.bin", "w", force_zip64=True) as part:
            chunk = bytes(2**24)
            for _ in range(70):  # 70 x 16 MiB = 1.1 GiB
                part.write(chunk)
    (inbox / rel).write_bytes(out.getvalue())
    return rel


def zip_bomb_parsed(inbox: Path) -> str:
    """A workbook whose first sheet holds two million rows (224 MB of XML in 0.8 MB): under the drills'
    unpack ratio it passes the size check, and parsing it exceeds the reader's memory limit, so its child
    process dies."""
    rel = "commerce/registry_20261120_01.xlsx"
    workbook = _minimal_workbook({"登记信息": [["统一社会信用代码"]], "经营异常名录": [["统一社会信用代码"]],
                                  "严重违法失信名单": [["统一社会信用代码"]]})
    (inbox / rel).write_bytes(_rezip(workbook, sheet_rows=2_000_000))
    return rel


def deep_json(inbox: Path) -> str:
    """A credit report whose second line's `uscc` is an object nested 1,000 deep."""
    rel = "bank/credit_report_20261120.jsonl"
    good = {"uscc": GOOD_USCC, "reportDate": "2026-11-20", "loans": []}
    deep = "{" + '"a":{' * 999 + "}" * 1000
    text = json.dumps(good) + "\n" + '{"uscc": ' + deep + ', "reportDate": "2026-11-20", "loans": []}\n'
    (inbox / rel).write_text(text, encoding="utf-8")
    return rel


def truncated_csv(inbox: Path) -> str:
    """An accidents delivery cut short in its last line (no line end)."""
    rel = "quality/accidents_20261120.csv"
    (inbox / rel).write_text(f"record_id,uscc,occurred_on,severity,description\nACC900001,{GOOD_USCC},2026-1",
                             encoding="utf-8")
    return rel


def delivery_clash(inbox: Path) -> str:
    """`_00` written out beside the landed file without a suffix, with other content: the same delivery."""
    rel = "quality/enterprises_20261119_00.csv"
    lines = (inbox / SAMPLE_ENTERPRISES).read_text(encoding="utf-8").splitlines(keepends=True)
    (inbox / rel).write_text("".join(lines[:-1]), encoding="utf-8")  # one enterprise fewer
    return rel


def events_clash(inbox: Path) -> str:
    """The same clash in an events feed, where it would otherwise pass silently."""
    rel = "quality/inspections_20261119_00.csv"
    (inbox / rel).write_text("record_id,uscc,kind,product,inspected_on,result,severity\n"
                             f"INS900001,{GOOD_USCC},quality_spot_check,产品甲,2026-11-01,fail,serious\n",
                             encoding="utf-8")
    return rel


def full_width_name(inbox: Path) -> str:
    """An enterprises snapshot named with full-width digits: not a delivery name."""
    rel = "quality/enterprises_２０２６1120.csv"
    (inbox / rel).write_bytes((inbox / SAMPLE_ENTERPRISES).read_bytes()[:200].rsplit(b"\n", 1)[0] + b"\n")
    return rel


def symlink_outside(inbox: Path) -> str:
    """A delivery name that is a symbolic link to a file outside the inbox, with rows that would land."""
    rel = "quality/export_inspections_20261120.csv"
    outside = inbox.parent / "outside.csv"
    outside.write_text("record_id,uscc,inspected_on,declaration_result,conformity_result,passed\n"
                       f"EXI900001,{GOOD_USCC},2026-11-01,serious,serious,0\n", encoding="utf-8")
    os.symlink(outside, inbox / rel)
    return rel


def duplicated_header(inbox: Path) -> str:
    """A complaints delivery whose header names `kind` twice."""
    rel = "quality/complaints_20261120.csv"
    (inbox / rel).write_text("record_id,uscc,kind,kind,received_on,enterprise_liable,resolved_on\n"
                             f"CMP900001,{GOOD_USCC},claim,return,2026-11-01,1,\n", encoding="utf-8")
    return rel


def folder_as_file(inbox: Path) -> str:
    """A folder under a delivery name."""
    rel = "quality/licences_20261120.csv"
    (inbox / rel).mkdir()
    return rel


def shrunk_snapshot(inbox: Path) -> str:
    """A standards snapshot with one row where the previous delivery had fifteen: held for review."""
    rel = "quality/standards_20261120.csv"
    lines = (inbox / "quality/standards_20261119.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (inbox / rel).write_text("".join(lines[:2]), encoding="utf-8")
    return rel


def byte_identical(inbox: Path) -> str:
    """The customs registry delivered again under the next day's name, byte for byte."""
    rel = "customs/customs_registry_20261120.csv"
    (inbox / rel).write_bytes((inbox / "customs/customs_registry_20261119.csv").read_bytes())
    return rel


def long_field(inbox: Path) -> str:
    """A tax rating whose taxpayer name is 100,000 characters long."""
    rel = "tax/tax_credit_20261120.csv"
    text = f"纳税人识别号,纳税人名称,评价年度,纳税信用级别,评价日期\n{GOOD_USCC},{'企' * 100_000},2025,A,2026-11-01\n"
    (inbox / rel).write_bytes(text.encode("gb18030"))
    return rel


def still_arriving(inbox: Path) -> list[str]:
    """Uploads under temporary names: they wait."""
    rels = ["quality/inspections_20261120.csv.part", "quality/.inspections_20261120.csv", "tax/tax_credit_20261120.tmp"]
    for rel in rels:
        (inbox / rel).write_text("record_id,uscc\n", encoding="utf-8")
    return rels


def outside_agency_folder(inbox: Path) -> str:
    rel = "enterprises_20261120.csv"
    (inbox / rel).write_bytes((inbox / SAMPLE_ENTERPRISES).read_bytes())
    return rel


def partial_over_landed(inbox: Path) -> str:
    """The landed enterprises snapshot overwritten by a partial copy of itself (its first lines, each
    ended): changed content under a landed name."""
    rel = SAMPLE_ENTERPRISES
    lines = (inbox / rel).read_text(encoding="utf-8").splitlines(keepends=True)
    (inbox / rel).write_text("".join(lines[:9]), encoding="utf-8")
    return rel


def dies_in_the_reader(data: bytes, sheets: list[str]) -> dict:
    """In place of the workbook reader's parser: its child process dies (SIGKILL, as the kernel's OOM killer
    does) on every call while `QCREDIT_TEST_READER_DEATHS` names a file holding a positive count, which each
    death lowers by one; then it parses as the reader does."""
    import signal

    from ingest import readers

    counter = Path(os.environ["QCREDIT_TEST_READER_DEATHS"])
    left = int(counter.read_text())
    if left > 0:
        counter.write_text(str(left - 1))
        os.kill(os.getpid(), signal.SIGKILL)
    return readers._load_sheets(data, sheets)
