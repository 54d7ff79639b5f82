"""The synthetic drop: deterministic, prefix-stable, in the declared shapes, mostly clean, plausibly graded."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
import zipfile
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from ingest import identifiers, registry
from qcredit.synthetic.drop import generate, history_start
from qcredit.synthetic.proxy import level_mix

AS_OF = "2026-11-19"  # a Thursday: the next day (Friday) has daily deliveries
NEXT = "2026-11-20"


@pytest.fixture(scope="module")
def drop(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("drop")
    return out, generate(3000, AS_OF, 11, out, years=1)


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _feed_of(path: Path) -> registry.Feed:
    matches = [f for f in registry.load_registry().values() if f.agency == path.parent.name and f.match_file(path.name)]
    assert len(matches) == 1, path
    return matches[0]


def _rows(path: Path, feed: registry.Feed) -> list[dict[str, str]]:
    text = path.read_bytes().decode("gb18030" if feed.encoding == "gb18030" else "utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def _norm(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip().upper()


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(150, AS_OF, 5, a, years=0, workers=1)
    generate(150, AS_OF, 5, b, years=0, workers=2)
    generate(150, AS_OF, 6, c, years=0, workers=1)
    assert _files(a) == _files(b)
    assert _files(a).keys() & _files(c).keys()
    assert _files(a) != _files(c)


def test_prefix_stable_next_day_only_adds_that_days_files(tmp_path: Path) -> None:
    day, next_day = tmp_path / "d", tmp_path / "d1"
    generate(800, AS_OF, 3, day, years=0)
    generate(800, NEXT, 3, next_day, years=0)
    before, after = _files(day), _files(next_day)
    assert {k: after[k] for k in before} == before
    added = sorted(set(after) - set(before))
    assert added and all("_20261120" in name for name in added)
    assert any(name.startswith("quality/inspections_") for name in added)
    increment = tmp_path / "increment"
    generate(800, NEXT, 3, increment, years=0, since=NEXT)
    assert _files(increment) == {name: after[name] for name in added}


def test_history_start_is_a_quarter_start_years_back() -> None:
    from datetime import date

    assert history_start(date(2026, 11, 20), 3) == date(2023, 10, 1)
    assert history_start(date(2026, 11, 21), 3) == history_start(date(2026, 11, 20), 3)


def test_every_feed_delivers_and_every_name_matches_its_pattern(drop: tuple[Path, dict]) -> None:
    out, stats = drop
    seen = Counter(_feed_of(p).feed_id for p in out.rglob("*") if p.is_file())
    assert set(seen) == set(registry.load_registry())
    assert stats["files"] == sum(seen.values())
    assert all(stats["feeds"][f]["rows"] > 0 for f in seen)
    assert any(p.name.endswith("_01.csv") for p in out.rglob("*.csv"))  # same-day re-deliveries


def test_event_rows_per_enterprise_are_in_the_expected_range(drop: tuple[Path, dict]) -> None:
    _, stats = drop
    events = ["inspections", "complaints", "export_inspections", "violations", "accidents", "a_applications",
              "d_reviews", "production_stats"]
    per_year = sum(stats["feeds"][f"quality/{e}"]["rows"] for e in events) / 3000 / 1.14  # ~1.14 years
    assert 3.5 <= per_year <= 7  # ~15 per enterprise over three years


def test_csv_headers_and_encodings(drop: tuple[Path, dict]) -> None:
    out, _ = drop
    for path in out.rglob("*.csv"):
        feed = _feed_of(path)
        data = path.read_bytes()
        assert data.startswith(b"\xef\xbb\xbf") == (feed.encoding == "utf-8-sig"), path
        if feed.encoding == "gb18030":
            header = data.decode("gb18030").splitlines()[0]
            assert header == "纳税人识别号,纳税人名称,评价年度,纳税信用级别,评价日期"
            with pytest.raises(UnicodeDecodeError):
                data.decode("utf-8")
        else:
            header = data.decode("utf-8-sig").splitlines()[0]
        assert header.split(",") == [c.source for c in feed.tables[0].columns], path


def test_jsonl_reports_nest_loans(drop: tuple[Path, dict]) -> None:
    out, _ = drop
    lines = [json.loads(line) for p in (out / "bank").glob("*.jsonl") for line in p.read_text("utf-8").splitlines()]
    assert lines and all(set(r) == {"uscc", "reportDate", "loans"} for r in lines)
    loans = [loan for r in lines for loan in r["loans"]]
    assert any(not r["loans"] for r in lines)
    assert set(loans[0]) == {"contractId", "classification", "balance", "overdueDays"}
    classes = Counter(loan["classification"] for loan in loans)
    assert set(classes) <= {"正常", "关注", "次级", "可疑", "损失"} and classes["关注"] and classes["次级"]


def test_workbook_has_the_three_declared_sheets_with_mixed_dates(drop: tuple[Path, dict]) -> None:
    out, _ = drop
    path = sorted((out / "commerce").glob("*.xlsx"))[-1]
    feed = registry.get_feed("commerce/registry")
    assert zipfile.ZipFile(path).testzip() is None
    book = openpyxl.load_workbook(path, read_only=True)
    assert book.sheetnames == [t.sheet for t in feed.tables]
    for table in feed.tables:
        rows = list(book[table.sheet].iter_rows(values_only=True))
        assert list(rows[0]) == [c.source for c in table.columns]
    dates = [r[3] for r in book["登记信息"].iter_rows(min_row=2, values_only=True)]
    kinds = Counter("cell" if not isinstance(d, str) else "cn" if "年" in d else "iso" for d in dates)
    assert kinds["cell"] and kinds["cn"] and kinds["iso"]
    statuses = {r[4] for r in book["登记信息"].iter_rows(min_row=2, values_only=True)}
    assert {"存续", "注销"} <= statuses


def test_identifiers_are_valid_except_a_small_dirty_fraction(drop: tuple[Path, dict]) -> None:
    out, _ = drop
    total = bad = cosmetic = legacy = blank = 0
    for path in out.rglob("*.csv"):
        feed = _feed_of(path)
        ident = feed.tables[0].identifier.column
        source = feed.tables[0].column(ident).source
        for row in _rows(path, feed):
            raw = row[source]
            if not raw:
                blank += 1
                continue
            total += 1
            value = _norm(raw)
            cosmetic += value != raw
            if len(value) == 15:
                legacy += 1
                bad += not identifiers.is_valid_org_code(value[6:])
            else:
                bad += not identifiers.is_valid_uscc(value)
    assert legacy > 0 and blank > 0  # legacy tax numbers, blank customs USCCs
    assert 0.0003 <= bad / total <= 0.004
    assert 0.0005 <= cosmetic / total <= 0.005


def test_unknown_codes_are_rare(drop: tuple[Path, dict]) -> None:
    out, _ = drop
    rows = unknown = 0
    for path in (out / "quality").glob("*.csv"):
        feed = _feed_of(path)
        coded = [c for c in feed.tables[0].columns if c.values]
        for row in _rows(path, feed):
            rows += 1
            unknown += any(row[c.source] and row[c.source] not in c.values for c in coded)
    assert 0 < unknown / rows < 0.003


def test_corrections_redeliver_earlier_records(drop: tuple[Path, dict]) -> None:
    out, _ = drop
    ids = Counter(r["record_id"] for p in (out / "quality").glob("complaints_*.csv") for r in _rows(p, _feed_of(p)))
    assert sum(1 for n in ids.values() if n > 1) > 10  # open complaints re-delivered once resolved


def test_outcome_mix_is_plausible(drop: tuple[Path, dict]) -> None:
    out, _ = drop
    mix = level_mix(out, AS_OF)
    assert mix["A"] + mix["B"] > 0.85
    assert 0.02 <= mix["C"] <= 0.1
    assert 0.001 <= mix["D"] <= 0.02


def test_generated_identifiers_are_unique_and_pass_the_validators_checks() -> None:
    import numpy as np

    from qcredit.synthetic.world import World

    world = World(3, 50_000)
    usccs = world.uscc(np.arange(50_000)).to_list()
    assert len(set(usccs)) == len(usccs)
    assert all(identifiers.is_valid_uscc(u) and identifiers.is_valid_org_code(u[8:17]) for u in usccs)
    assert {u[2:4] for u in usccs} >= {"11", "31", "33", "44"}  # provinces from real division codes
    legacy = world.legacy_tax_no(np.arange(1000)).to_list()
    assert all(len(x) == 15 and x == u[2:17] for x, u in zip(legacy, usccs, strict=False))
