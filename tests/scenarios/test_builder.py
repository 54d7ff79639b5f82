"""The scenario builder writes what FEEDS.md says (fast; no pipeline)."""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from pathlib import Path

import openpyxl
import pytest

from .builder import QUALITY_COLUMNS, REGISTRY_SHEETS, build_inbox, org_code, uscc_valid
from .cases import SCENARIOS

DATE = re.compile(r"^\d{4}[-/]\d{2}[-/]\d{2}$")
NAME = re.compile(r"^(?P<dataset>[a-z_]+)_(?P<day>\d{8})(?:_\d{2})?\.(?P<ext>csv|jsonl|xlsx)$")
NOT_A_RECORD_DATE = {"expires_on", "rectify_deadline"}  # validity ends, naturally in the future


@pytest.fixture(scope="module")
def inbox(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("builder") / "inbox"
    build_inbox(root, [s.ent for s in SCENARIOS])
    return root


def test_check_characters_match_the_published_examples() -> None:
    assert uscc_valid("911101087986432663") and uscc_valid("91510104921254566N")
    assert not uscc_valid("913301065032807880") and not uscc_valid("91350100M0001TGQXM")
    assert org_code("92125456") == "921254566"  # the sample's legacy tax number 510104921254566


def rows_of(path: Path) -> tuple[list[str], list[list[str]]]:
    if path.parent.name == "tax":
        text = path.read_bytes().decode("gb18030")
    elif path.parent.name == "customs":
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), f"{path.name}: customs CSV without BOM"
        text = raw.decode("utf-8-sig")
    else:
        text = path.read_text(encoding="utf-8")
    header, *rows = list(csv.reader(io.StringIO(text)))
    return header, rows


def test_every_file_parses_with_valid_identifiers_and_dates_not_after_delivery(inbox: Path) -> None:
    files = sorted(p for p in inbox.rglob("*") if p.is_file())
    assert {p.parent.name for p in files} == {"quality", "bank", "tax", "commerce", "customs"}
    for path in files:
        m = NAME.match(path.name)
        assert m, path.name
        day = f"{m['day'][:4]}-{m['day'][4:6]}-{m['day'][6:]}"
        tables: list[tuple[list[str], list[list]]] = []
        if m["ext"] == "csv":
            tables.append(rows_of(path))
        elif m["ext"] == "jsonl":
            reports = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
            tables.append((["uscc", "reportDate"], [[r["uscc"], r["reportDate"]] for r in reports]))
        else:
            wb = openpyxl.load_workbook(path)
            assert wb.sheetnames == list(REGISTRY_SHEETS)
            for ws in wb:
                header, *rows = [list(r) for r in ws.iter_rows(values_only=True)]
                assert header == REGISTRY_SHEETS[ws.title]
                tables.append((header, [[c.date().isoformat() if hasattr(c, "date") else c for c in r]
                                        for r in rows]))
        if path.parent.name == "quality":
            assert tables[0][0] == QUALITY_COLUMNS[m["dataset"]].split(",")
        for header, rows in tables:
            for row in rows:
                for col, value in zip(header, row, strict=True):
                    if col in ("uscc", "统一社会信用代码") and value:  # valid once normalized (FEEDS.md)
                        assert uscc_valid(unicodedata.normalize("NFKC", value).strip().upper()), value
                    if col == "纳税人识别号":
                        assert uscc_valid(value) or len(value) == 15, value
                    if isinstance(value, str) and DATE.match(value) and col not in NOT_A_RECORD_DATE:
                        assert value.replace("/", "-") <= day, f"{path.name}: {col}={value} after delivery"


def test_keys_unique_within_each_file(inbox: Path) -> None:
    keys = {"enterprises": ["uscc"], "licences": ["licence_no"], "production_stats": ["uscc", "year"],
            "standards": ["uscc", "product"], "awards": ["award_id"], "a_applications": ["uscc", "applied_on"]}
    for path in sorted((inbox / "quality").glob("*.csv")):
        dataset = NAME.match(path.name)["dataset"]
        header, rows = rows_of(path)
        idx = [header.index(c) for c in keys.get(dataset, ["record_id"])]
        seen = [tuple(r[i] for i in idx) for r in rows]
        assert len(seen) == len(set(seen)), f"{path.name}: duplicate key"
