"""Focused checks of the intake rules the drills exercise end to end: one feed landed (no dbt), or one reader."""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from pathlib import Path

import pytest

from ingest import land, readers
from ingest.inbox import ignored_names
from ingest.readers import Unreadable, read_delivery
from ingest.registry import get_feed
from tests.conftest import SAMPLES
from tests.drills import hostile
from tests.drills.conftest import READER_MEMORY_BYTES

AS_OF = "2026-11-20"
INSPECTIONS = "quality/inspections_20261119.csv"
HEADER = "record_id,uscc,kind,product,inspected_on,result,severity\n"
ROW = "INS9{n:05d},911101087986432663,quality_spot_check,产品甲,2026-11-0{d},pass,\n"


def inbox_with(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    inbox = tmp_path / "inbox"
    for rel, content in files.items():
        (inbox / rel).parent.mkdir(parents=True, exist_ok=True)
        (inbox / rel).write_bytes(content.encode() if isinstance(content, str) else content)
    return inbox


def land_inspections(inbox: Path, home: Path) -> dict[str, dict]:
    return {e["file"]: e for e in land.land_feed("quality/inspections", inbox, home, AS_OF)["files"]}


@pytest.mark.parametrize(("text", "depth"), [
    ('{"a": [1, {"b": "[[[{{{"}]}', 3), ('"no nesting"', 0), ('{"s": "\\"]"}', 1), ("[[[[]]]]", 4),
])
def test_json_depth_ignores_brackets_inside_strings(text, depth):
    assert readers._json_depth(text) == depth


def test_deep_json_is_refused_before_parsing(tmp_path):
    path = tmp_path / "credit_report_20261120.jsonl"
    path.write_text('{"uscc": ' + "[" * 40 + "]" * 40 + ', "reportDate": "2026-11-20", "loans": []}\n')
    with pytest.raises(Unreadable, match="line 1: a JSON value nested deeper than 32 levels"):
        read_delivery(get_feed("bank/credit_report"), path)


def test_csv_line_numbers_survive_quoted_line_breaks_and_blank_lines(tmp_path):
    path = tmp_path / "violations_20261120.csv"
    path.write_text('record_id,uscc,decided_on,category,harm,penalty,description\n'
                    'V1,U,2026-11-01,other,none,warning,"a\nb\nc"\n\nV2,U,2026-11-01,other,none,warning,x\n')
    [raw] = read_delivery(get_feed("quality/violations"), path)
    assert raw.frame["_source_line"].to_list() == [2, 6]
    assert raw.frame["description"].to_list() == ["a\nb\nc", "x"]


def test_a_row_with_too_many_fields_is_set_aside_alone(tmp_path):
    path = tmp_path / "inspections_20261120.csv"
    path.write_text(HEADER + ROW.format(n=1, d=1) + ROW.format(n=2, d=2).replace("\n", ",x\n") + ROW.format(n=3, d=3))
    [raw] = read_delivery(get_feed("quality/inspections"), path)
    assert raw.frame["record_id"].to_list() == ["INS900001", "INS900003"]
    assert raw.frame["_source_line"].to_list() == [2, 4]
    assert raw.rejected_rows["line"].to_list() == [3]


@pytest.mark.parametrize(("data", "reason"), [
    (HEADER.replace("product", "kind") + ROW.format(n=1, d=1), "names column(s) 'kind' more than once"),
    (HEADER + ROW.format(n=1, d=1).rstrip("\n"), "truncated: the last line lacks its line end"),
])
def test_csv_refusals(tmp_path, data, reason):
    path = tmp_path / "inspections_20261120.csv"
    path.write_text(data)
    with pytest.raises(Unreadable, match=reason.replace("(", r"\(").replace(")", r"\)")):
        read_delivery(get_feed("quality/inspections"), path)


def test_a_long_field_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("QCREDIT_MAX_FIELD_BYTES", "100")
    path = tmp_path / "inspections_20261120.csv"
    path.write_text(HEADER + ROW.format(n=1, d=1).replace("产品甲", "甲" * 40))
    with pytest.raises(Unreadable, match="a field longer than 100 bytes \\(column 'product', line 2: 120 bytes\\)"):
        read_delivery(get_feed("quality/inspections"), path)


def test_workbook_size_is_checked_on_its_declared_sizes(monkeypatch):
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/big.bin", bytes(10_000_000))
    monkeypatch.setenv("QCREDIT_MAX_UNPACK_RATIO", "100")
    with pytest.raises(Unreadable, match="would unpack to 10000000 bytes"):
        readers._check_unpacked_size(packed.getvalue())
    monkeypatch.setenv("QCREDIT_MAX_UNPACK_RATIO", "100000")
    readers._check_unpacked_size(packed.getvalue())


def test_a_workbook_reader_over_its_memory_rejects_its_file_and_the_next_gets_a_fresh_one(tmp_path, monkeypatch):
    monkeypatch.setenv("QCREDIT_READER_MEMORY_BYTES", str(READER_MEMORY_BYTES))
    (tmp_path / "commerce").mkdir()
    bomb = (tmp_path / hostile.zip_bomb_parsed(tmp_path)).read_bytes()  # two million rows
    with readers.workbook_reader():
        over = f"the workbook reader failed on it \\(its memory passed the limit of {READER_MEMORY_BYTES} bytes"
        with pytest.raises(Unreadable, match=over):
            readers._parse_isolated(bomb, ["登记信息"])
        sample = (SAMPLES / "inbox/commerce/registry_20261119.xlsx").read_bytes()
        assert readers._parse_isolated(sample, ["登记信息"])["登记信息"].height > 0


def test_a_workbook_reader_that_dies_once_gets_a_second_try_not_a_third(tmp_path, monkeypatch):
    """A good file whose reader dies for another reason (here SIGKILL, as from the OOM killer of a busy machine)
    is read again in a fresh child; a file whose reader dies twice is rejected."""
    deaths = tmp_path / "deaths"
    monkeypatch.setenv("QCREDIT_TEST_READER_DEATHS", str(deaths))
    monkeypatch.setattr(readers, "_load_sheets", hostile.dies_in_the_reader)
    sample = (SAMPLES / "inbox/commerce/registry_20261119.xlsx").read_bytes()
    with readers.workbook_reader():
        deaths.write_text("1")
        assert readers._parse_isolated(sample, ["登记信息"])["登记信息"].height > 0
        deaths.write_text("2")
        with pytest.raises(Unreadable, match="the workbook reader failed on it twice \\(BrokenProcessPool"):
            readers._parse_isolated(sample, ["登记信息"])
        assert deaths.read_text() == "0"
        assert readers._parse_isolated(sample, ["登记信息"])["登记信息"].height > 0


def test_changed_content_under_a_landed_name_is_a_conflict_until_restored(tmp_path):
    original = (SAMPLES / "inbox" / INSPECTIONS).read_bytes()
    inbox, home = inbox_with(tmp_path, {INSPECTIONS: original}), tmp_path / "home"
    assert land_inspections(inbox, home)["inspections_20261119.csv"]["status"] == "loaded"
    (inbox / INSPECTIONS).write_bytes(original[: original.index(b"\n", 200) + 1])  # a partial copy over it
    for _ in range(2):  # reported on every run
        entry = land_inspections(inbox, home)["inspections_20261119.csv"]
        assert entry["status"] == "conflict" and "differs from what loaded under this name" in entry["reason"]
    assert land.manifests(home, get_feed("quality/inspections"))["inspections_20261119.csv"]["status"] == "loaded"
    (inbox / INSPECTIONS).write_bytes(original)
    entry = land_inspections(inbox, home)["inspections_20261119.csv"]
    assert entry.get("already_landed") and entry["status"] == "loaded"
    assert not list(land.conflicts_dir(home, get_feed("quality/inspections")).glob("*.json"))


def test_a_rejected_file_sent_again_with_other_content_is_tried_again(tmp_path):
    rel = "quality/inspections_20261120.csv"
    inbox, home = inbox_with(tmp_path, {rel: HEADER + ROW.format(n=1, d=1)[:-5]}), tmp_path / "home"
    assert land_inspections(inbox, home)["inspections_20261120.csv"]["status"] == "rejected"
    assert land_inspections(inbox, home)["inspections_20261120.csv"].get("already_landed")  # not retried
    (inbox / rel).write_text(HEADER + ROW.format(n=1, d=1))
    assert land_inspections(inbox, home)["inspections_20261120.csv"]["status"] == "loaded"


def ignored_paths(inbox: Path) -> dict[str, str]:
    return {i["path"]: i["why"] for i in ignored_names(inbox)[0]}


def test_one_delivery_lands_once_whatever_its_spelling(tmp_path):
    inbox = inbox_with(tmp_path, {"quality/inspections_20261120.csv": HEADER + ROW.format(n=1, d=1),
                                  "quality/inspections_20261120_00.csv": HEADER + ROW.format(n=2, d=2),
                                  "quality/inspections_２０２６1121.csv": HEADER + ROW.format(n=3, d=3)})
    files = land_inspections(inbox, tmp_path / "home")
    assert [files[n]["status"] for n in sorted(files)] == ["loaded", "conflict"]
    assert "quality/inspections_２０２６1121.csv" in ignored_paths(inbox)


def test_links_are_refused_and_a_linked_agency_folder_is_not_followed(tmp_path):
    outside = inbox_with(tmp_path / "elsewhere", {INSPECTIONS: (SAMPLES / "inbox" / INSPECTIONS).read_bytes()})
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    os.symlink(outside / "quality", inbox / "quality")
    assert land_inspections(inbox, tmp_path / "home") == {}
    assert ignored_paths(inbox)["quality"] == "a symbolic link in the inbox: not followed"
    (inbox / "quality").unlink()
    (inbox / "quality").mkdir()
    os.symlink(outside / INSPECTIONS, inbox / INSPECTIONS)
    entry = land_inspections(inbox, tmp_path / "home")["inspections_20261119.csv"]
    assert entry["status"] == "rejected" and "a symbolic link" in entry["reason"]


def test_stale_temporaries_of_a_feed_are_removed(tmp_path):
    inbox, home = inbox_with(tmp_path, {INSPECTIONS: (SAMPLES / "inbox" / INSPECTIONS).read_bytes()}), tmp_path / "home"
    land_inspections(inbox, home)
    feed = get_feed("quality/inspections")
    stale = [land.manifest_dir(home, feed) / ".x.json.1.tmp",
             land.table_dir(home, feed.tables[0]) / "delivery=20261119_00" / ".part-x.parquet.1.tmp"]
    for path in stale:
        path.write_text("half")
    land_inspections(inbox, home)
    assert not [p for p in stale if p.exists()]
    shutil.rmtree(home)
