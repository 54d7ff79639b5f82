"""Grade the sample drop as of 2026-11-20 (real ingest, then `dbt build`) and compare every export with the
hand-worked outcome in expected.json, field for field."""

from __future__ import annotations

import json

import pytest
from dbt_helpers import query, run_dbt, sample_dir

pytestmark = pytest.mark.slow
AS_OF = "2026-11-20"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    from qcredit import pipeline

    samples = sample_dir()
    home = tmp_path_factory.mktemp("sample_home")
    pipeline.ingest(samples / "inbox", home, AS_OF)
    run_dbt(home, AS_OF, "build")
    expected = json.loads((samples / "expected.json").read_text(encoding="utf-8"))
    return home, expected


def _by_uscc(home, view):
    return {row["uscc"]: row for row in query(home, f"select * from exports.{view} order by all")}


def test_every_enterprise_grades_as_worked_out_by_hand(graded):
    home, expected = graded
    levels = _by_uscc(home, "enterprise_levels")
    warnings = _by_uscc(home, "risk_warnings")
    plan = _by_uscc(home, "supervision_plan")
    public_a = _by_uscc(home, "public_a_list")
    public_d = _by_uscc(home, "public_d_list")
    queue = _by_uscc(home, "d_review_queue")
    awards = query(home, "select * from exports.award_actions order by all")
    mismatches = []
    for uscc, want in expected["enterprises"].items():
        got_level = levels.get(uscc)
        actual = {
            "level": got_level and got_level["level"],
            "reasons": got_level["reasons"] if got_level else "",
            "provisional": bool(got_level and got_level["provisional"]),
            "signals": got_level["signals"] if got_level else "",
            "untrusted": bool(got_level and got_level["untrustworthy_elsewhere"]),
            "risk_score": warnings[uscc]["risk_score"] if uscc in warnings else None,
            "action": warnings[uscc]["action"] if uscc in warnings else None,
            "multiplier": plan[uscc]["inspection_multiplier"] if uscc in plan else None,
            "key_supervision": plan[uscc]["key_supervision"] if uscc in plan else None,
            "public_a": uscc in public_a,
            "public_d": uscc in public_d,
            "review_status": queue[uscc]["review_status"] if uscc in queue else None,
            "award_actions": sorted([a["award_id"], a["action"]] for a in awards if a["uscc"] == uscc),
        }
        for field, value in actual.items():
            wanted = want[field] if field != "award_actions" else sorted(want[field])
            if value != wanted:
                mismatches.append(f"{uscc} ({want.get('note')}): {field} = {value!r}, expected {wanted!r}")
    assert not mismatches, "\n".join(mismatches)


def test_export_views_have_the_outputs_md_columns(graded):
    """OUTPUTS.md's columns in order; an internal view then carries name and region_code where OUTPUTS.md does not
    list them, then ruleset_version; the evidence and breakdown views and public views carry exactly theirs."""
    home, _ = graded
    internal = {
        "enterprise_levels": "uscc name region_code as_of level provisional reasons signals untrustworthy_elsewhere",
        "risk_warnings": "uscc name region_code as_of risk_score action reasons signals",
        "supervision_plan": "uscc level inspection_multiplier key_supervision measures",
        "award_actions": "award_id uscc kind action",
        "d_review_queue": "uscc name region_code as_of reasons review_status",
        "level_changes": "uscc previous_as_of previous_level level",
        "unresolved": "agency dataset file line identifier reason",
    }
    exact = {
        "public_a_list": "uscc name region_code level as_of",
        "public_d_list": "uscc name region_code level as_of reasons",
        "criterion_evidence": "uscc name region_code as_of code title dataset record_id event_date source_file "
        "source_line delivery_id",
        "risk_score_breakdown": "uscc name region_code as_of component code points",
    }
    for view, columns in {**internal, **exact}.items():
        rows = query(
            home,
            f"select column_name from information_schema.columns "
            f"where table_schema = 'exports' and table_name = '{view}' order by ordinal_position",
        )
        names = [r["column_name"] for r in rows]
        want = columns.split()
        if view in internal:
            names_added = [] if "name" in want or view == "unresolved" else ["name", "region_code"]
            assert names == [*want, *names_added, "ruleset_version"], (view, names)
        else:
            assert names == want, (view, names)


def test_export_formats(graded):
    home, _ = graded
    types = {
        (r["table_name"], r["column_name"]): r["data_type"]
        for r in query(
            home,
            "select table_name, column_name, data_type from information_schema.columns where table_schema = 'exports'",
        )
    }
    assert types[("enterprise_levels", "as_of")] == "DATE"
    assert types[("enterprise_levels", "provisional")] == "BOOLEAN"
    assert types[("supervision_plan", "inspection_multiplier")] == "VARCHAR"
    assert types[("supervision_plan", "key_supervision")] == "BOOLEAN"
    nulls = query(home, "select count(*) as n from exports.enterprise_levels where reasons is null or signals is null")
    assert nulls[0]["n"] == 0


def test_unresolved_lists_the_deregistered_enterprise_rows(graded):
    home, _ = graded
    rows = query(home, "select * from exports.unresolved order by all")
    assert rows, "the deregistered S10 has rows in several datasets"
    assert {r["identifier"] for r in rows} == {"913301062007404175"}
    assert all(r["reason"] for r in rows)


def test_every_c_and_d_reason_and_signal_cites_a_delivered_record(graded):
    """criterion_evidence: each C/D reason and signal has a row, and each row's file and line hold its record."""
    from tests.scenarios.evidence import evidence_problems, uncited_codes

    home, _ = graded
    levels = query(home, "select * from exports.enterprise_levels")
    evidence = query(home, "select * from exports.criterion_evidence order by all")
    assert any(row["level"] in ("C", "D") for row in levels) and evidence
    assert uncited_codes(levels, evidence) == []
    assert evidence_problems(sample_dir() / "inbox", evidence) == []
    titles = {r["code"]: r["title_zh"] for r in query(home, "select code, title_zh from seeds.criteria")}
    assert all(row["title"] == titles[row["code"]] for row in evidence)
