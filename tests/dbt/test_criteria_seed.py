"""The criteria seed (dbt_project/seeds/criteria.csv) is the one table of code meanings: checked here against the
SQL that emits the codes, the feed registry it names and the grading policy it names windows from, so a code,
a feed or a window cannot be renamed in one place only. (In the warehouse, dbt's relationships tests check that
every code a run emits is in the seed; this checks every code the SQL can emit, whether or not a run does.)"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from ingest.registry import load_registry

REPO = Path(__file__).resolve().parents[2]
DBT = REPO / "dbt_project"
REASON_CODE = re.compile(r"[A-D]\.(?:[1-8]|H)")
# the code argument of evidence_columns(...) in a criteria or signals model, or a literal `'<code>' as code`
EMITTED_CODE = re.compile(r"evidence_columns(?:_without_record)?\(\s*'([^']+)'|'([^']+)' as code\b")


def seed_rows(name: str) -> list[dict[str, str]]:
    with (DBT / "seeds" / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def emitted_codes(folder: str) -> set[str]:
    codes = set()
    for path in (DBT / "models" / "intermediate" / folder).glob("*.sql"):
        codes |= {a or b for a, b in EMITTED_CODE.findall(path.read_text(encoding="utf-8"))}
    return codes


def test_every_code_the_sql_emits_is_in_the_seed_with_its_kind_and_back():
    criteria = {row["code"]: row for row in seed_rows("criteria")}
    reasons = emitted_codes("criteria")
    signals = emitted_codes("signals")
    assert reasons and signals
    assert {code for code, row in criteria.items() if row["kind"] == "reason"} == reasons
    assert {code for code, row in criteria.items() if row["kind"] == "signal"} == signals


def test_reason_rows_lead_to_their_level_and_signals_to_none():
    for row in seed_rows("criteria"):
        if row["kind"] == "reason":
            assert REASON_CODE.fullmatch(row["code"]), row
            letter = row["code"][0]
            assert row["level"] == (letter if letter in "CD" else "B"), row
        else:
            assert row["kind"] == "signal" and row["level"] == "", row
        assert row["title_zh"].strip() and row["title_en"].strip(), row


def test_reads_name_declared_feeds_and_windows_name_policy_parameters():
    feeds = set(load_registry())
    parameters = {row["parameter"] for row in seed_rows("grading_policy")}
    for row in seed_rows("criteria"):
        read = row["reads"].split(";")
        assert read and set(read) <= feeds, (row["code"], set(read) - feeds)
        assert row["window"] == "" or row["window"] in parameters, row


def test_every_signal_has_a_risk_weight_in_the_policy():
    parameters = {row["parameter"] for row in seed_rows("grading_policy")}
    for row in seed_rows("criteria"):
        if row["kind"] == "signal":
            assert f"weight_{row['code']}" in parameters, row["code"]
