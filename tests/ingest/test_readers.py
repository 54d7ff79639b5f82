"""Each format read as text with its source lines; unreadable files raise `Unreadable` with a clear reason."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from ingest import readers
from ingest.cast import cast_table
from ingest.readers import Unreadable, read_delivery
from ingest.registry import get_feed
from ingest.validate import Rejected, check_structure
from tests.conftest import SAMPLES

TAX_HEADER = "纳税人识别号,纳税人名称,评价年度,纳税信用级别,评价日期\n"


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_gb18030_keeps_characters_outside_gbk(tmp_path: Path) -> None:
    name = "𠀾测试企业（㙓）"  # U+2003E and U+3653 are not in GBK; GB18030 encodes them in four bytes
    text = TAX_HEADER + f"911101087986432663,{name},2025,A,2026-04-18\n"
    path = write(tmp_path / "tax_credit_20260420.csv", text.encode("gb18030"))
    [raw] = read_delivery(get_feed("tax/tax_credit"), path)
    assert raw.frame["纳税人名称"].to_list() == [name]
    assert raw.frame["_source_line"].to_list() == [2]


def test_invalid_gb18030_bytes_reject_the_file(tmp_path: Path) -> None:
    data = (TAX_HEADER + "911101087986432663,企业,2025,A,2026-04-18\n").encode("gb18030") + b"\x81\x20\n"
    path = write(tmp_path / "tax_credit_20260420.csv", data)
    with pytest.raises(Unreadable, match=r"not valid gb18030: byte \d+ \(81\)"):
        read_delivery(get_feed("tax/tax_credit"), path)


@pytest.mark.parametrize(("feed_id", "name", "text"), [
    ("quality/accidents", "accidents_20261120.csv",
     "record_id,uscc,occurred_on,description\nACC1,911101087986432663,2026-06-03,锅炉爆炸\n"),
    ("customs/customs_credit", "customs_credit_20261120.csv", "\ufeffcustoms_code,uscc,credit_level,rated_on\n"
     "1101234567,911101087986432663,高级认证企业,2026-01-05\n"),
    ("bank/credit_report", "credit_report_20261031.jsonl",
     '{"uscc":"911101087986432663","reportDate":"2026-10-31","loans":[{"contractId":"L1",'
     '"classification":"正常","balance":1.0,"overdueDays":0}]}\n'),
])
def test_gb18030_bytes_in_a_utf8_feed_reject_the_file_naming_the_byte(tmp_path: Path, feed_id: str, name: str,
                                                                       text: str) -> None:
    """polars validates UTF-8 itself; its failure is worded with the first bad byte, as for other encodings."""
    feed = get_feed(feed_id)
    path = write(tmp_path / name, text.encode("gb18030"))
    with pytest.raises(Unreadable, match=rf"not valid {feed.encoding}: byte \d+ \([0-9a-f]{{2}}\)"):
        read_delivery(feed, path)


def test_utf8_file_declared_gb18030_fails_on_its_header(tmp_path: Path) -> None:
    text = TAX_HEADER + "911101087986432663,企业,2025,A,2026-04-18\n"
    path = write(tmp_path / "tax_credit_20260420.csv", text.encode("utf-8"))
    try:
        raws = read_delivery(get_feed("tax/tax_credit"), path)
    except Unreadable:
        return  # some UTF-8 byte runs are not GB18030 at all
    with pytest.raises(Rejected, match="missing column"):
        check_structure(raws[0])


def test_bom_csv_header_reads_clean(tmp_path: Path) -> None:
    data = "海关编码,统一社会信用代码\n3122930011,91310115097084131D\n".encode("utf-8-sig")
    [raw] = read_delivery(get_feed("customs/customs_registry"), write(tmp_path / "customs_registry_20261119.csv", data))
    assert "海关编码" in raw.frame.columns


def test_jsonl_line_numbers_skip_blank_lines_and_nested_values_are_text(tmp_path: Path) -> None:
    data = (
        b'{"uscc": "911101087986432663", "reportDate": "2026-10-31", "loans": []}\n\n'
        b'{"uscc": "91370202508935368Q", "reportDate": "2026-10-31", "loans": [{"contractId": "L-1", '
        b'"classification": "\xe6\xac\xa1\xe7\xba\xa7", "balance": 12.5, "overdueDays": 130}]}\n'
    )
    [raw] = read_delivery(get_feed("bank/credit_report"), write(tmp_path / "credit_report_20261031.jsonl", data))
    assert raw.frame["_source_line"].to_list() == [1, 3]
    main, lists = cast_table(get_feed("bank/credit_report"), raw)
    loans = main["loans"].to_list()
    assert loans[0] == [] and loans[1][0]["overdue_days"] == 130 and loans[1][0]["balance"] == 12.5
    assert lists["loans"]["loans.classification"].to_list() == ["substandard"]


def test_jsonl_decoded_in_slices_reads_as_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    record = b'{"uscc": "911101087986432663", "reportDate": "2026-10-31", "loans": [{"contractId": "L-%d"}]}\n'
    data = b"".join(record % i + (b"\n" if i == 3 else b"") for i in range(7))  # a blank line after record 3
    path = write(tmp_path / "credit_report_20261031.jsonl", data)
    whole = read_delivery(get_feed("bank/credit_report"), path)[0].frame
    monkeypatch.setattr(readers, "JSONL_DECODE_LINES", 2)
    sliced = read_delivery(get_feed("bank/credit_report"), path)[0].frame
    assert sliced.equals(whole)
    assert sliced["_source_line"].to_list() == [1, 2, 3, 4, 6, 7, 8]
    assert [loans[0]["contractId"] for loans in sliced["loans"].to_list()] == [f"L-{i}" for i in range(7)]
    path.write_bytes(data + b'{"uscc": "9137020\n')  # the bad line is in the last slice: still named
    with pytest.raises(Unreadable, match="line 9 is not valid JSON"):
        read_delivery(get_feed("bank/credit_report"), path)


def test_truncated_json_line_rejects_the_file(tmp_path: Path) -> None:
    data = b'{"uscc": "911101087986432663", "reportDate": "2026-10-31", "loans": []}\n{"uscc": "9137020'
    path = write(tmp_path / "credit_report_20261031.jsonl", data)
    with pytest.raises(Unreadable, match="truncated: the last line lacks its line end"):
        read_delivery(get_feed("bank/credit_report"), path)


def test_crlf_lines_and_a_non_object_line(tmp_path: Path) -> None:
    good = b'{"uscc": "911101087986432663", "reportDate": "2026-10-31", "loans": []}\r\n'
    [raw] = read_delivery(get_feed("bank/credit_report"), write(tmp_path / "credit_report_20261031.jsonl", good * 2))
    assert raw.frame["_source_line"].to_list() == [1, 2]
    path = write(tmp_path / "credit_report_20261101.jsonl", good + b"null\n")
    with pytest.raises(Unreadable, match="line 2 is not a JSON object"):
        read_delivery(get_feed("bank/credit_report"), path)


def test_broken_workbook_rejects_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "registry_20261119.xlsx", b"PK\x03\x04 this is not a workbook")
    with pytest.raises(Unreadable, match="not a readable workbook"):
        read_delivery(get_feed("commerce/registry"), path)


def registry_workbook(path: Path, rows: list[list], sheets: tuple[str, ...] | None = None) -> Path:
    feed = get_feed("commerce/registry")
    book = openpyxl.Workbook()
    book.remove(book.active)
    for table in feed.tables:
        if sheets is not None and table.sheet not in sheets:
            continue
        sheet = book.create_sheet(table.sheet)
        sheet.append([c.source for c in table.columns])
        for row in rows if table.name.endswith("registrations") else []:
            sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def test_workbook_dates_excel_iso_and_chinese_non_padded(tmp_path: Path) -> None:
    rows = [
        ["911101087986432663", None, "甲", dt.datetime(2010, 3, 1), "存续", "局"],
        ["91320583162243750U", None, "乙", "2024-05-06", "吊销,未注销", "局"],
        ["91440305529841408M", None, "丙", "2025年8月1日", "存续（在营、开业、在册）", "局"],
        [None, None, None, None, None, None],
        ["91330106159655658P", None, "丁", "2010年12月31日", " 存续 ", "局"],
    ]
    path = registry_workbook(tmp_path / "registry_20261119.xlsx", rows)
    feed = get_feed("commerce/registry")
    raw = read_delivery(feed, path)[0]
    assert raw.frame["_source_line"].to_list() == [2, 3, 4, 6]  # sheet rows; the blank row is skipped
    main, _ = cast_table(feed, raw)
    assert main["established_on"].to_list() == [
        dt.date(2010, 3, 1), dt.date(2024, 5, 6), dt.date(2025, 8, 1), dt.date(2010, 12, 31)]
    assert main["registration_status"].to_list() == ["active", "revoked", "active", "active"]


def test_workbook_missing_a_sheet_is_rejected(tmp_path: Path) -> None:
    path = registry_workbook(tmp_path / "registry_20261119.xlsx", [], sheets=("登记信息",))
    with pytest.raises(Unreadable, match="no sheet '经营异常名录'"):
        read_delivery(get_feed("commerce/registry"), path)


def test_missing_column_is_structural(tmp_path: Path) -> None:
    data = b"record_id,uscc,kind,product,inspected_on\nINS1,911101087986432663,supervision_check,x,2026-01-01\n"
    [raw] = read_delivery(get_feed("quality/inspections"), write(tmp_path / "inspections_20261119.csv", data))
    with pytest.raises(Rejected, match="missing column\\(s\\) result, severity"):
        check_structure(raw)


def _read_workbook_in(queue) -> None:  # runs in a daemonic process, as an Airflow LocalExecutor task does
    from ingest.readers import workbook_reader

    feed = get_feed("commerce/registry")
    path = SAMPLES / "inbox" / "commerce" / "registry_20261119.xlsx"
    try:
        with workbook_reader():
            queue.put([raw.frame.height for raw in read_delivery(feed, path, path.read_bytes())])
    except BaseException as exc:  # the test reports whatever stopped the reader
        queue.put(repr(exc))


def test_a_workbook_is_read_in_a_daemonic_process():
    """Airflow's LocalExecutor runs tasks in daemonic processes, which multiprocessing forbids to have children:
    the workbook reader's child must start there all the same, or every workbook a DAG task lands is rejected."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")  # a fork of pytest, whose threads hold locks, could hang
    queue = context.Queue()
    process = context.Process(target=_read_workbook_in, args=(queue,), daemon=True)
    process.start()
    heights = queue.get(timeout=120)
    process.join()
    assert heights == [15, 0, 0]
