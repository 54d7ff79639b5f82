"""The grading rules (RULES.md) checked end to end: one combined inbox of hand-worked scenarios, the real
`qcredit run` as of T (twice: byte-identical rerun) and as of an earlier T0 (backfill), then every expected
field of every scenario compared with the export CSVs of OUTPUTS.md."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from .builder import BASE, EARLY, Identity, award_id, build_inbox
from .cases import SCENARIOS, T0, Expect, Scenario, T, plan
from .evidence import cited_texts, evidence_problems, uncited_codes

REPO = Path(__file__).resolve().parents[2]

PUBLIC_A_COLUMNS = ["uscc", "name", "region_code", "level", "as_of"]
PUBLIC_D_COLUMNS = [*PUBLIC_A_COLUMNS, "reasons"]
INTERNAL_COLUMNS = {
    "enterprise_levels": "uscc name region_code as_of level provisional reasons signals untrustworthy_elsewhere",
    "risk_warnings": "uscc name region_code as_of risk_score action reasons signals",
    "supervision_plan": "uscc level inspection_multiplier key_supervision measures",
    "award_actions": "award_id uscc kind action",
    "d_review_queue": "uscc name region_code as_of reasons review_status",
}
KEYED = ["enterprise_levels", "risk_warnings", "supervision_plan", "d_review_queue", "public_a_list",
         "public_d_list"]


def qcredit_run(inbox: Path, home: Path, as_of: str) -> None:
    script = REPO / ".venv" / "bin" / "qcredit"
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "qcredit.cli"]
    cmd += ["run", "--inbox", str(inbox), "--home", str(home), "--as-of", as_of]
    env = {k: v for k, v in os.environ.items() if not k.startswith("QCREDIT_")}
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"qcredit run --as-of {as_of} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"


@dataclass
class Exports:
    folder: Path
    headers: dict[str, list[str]]
    rows: dict[str, list[dict]]

    def by_uscc(self, file: str) -> dict[str, dict]:
        return {r["uscc"]: r for r in self.rows[file]}


def read_exports(home: Path, as_of: str) -> Exports:
    folder = home / "exports" / as_of
    headers, rows = {}, {}
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            rows[path.stem] = list(reader)
            headers[path.stem] = list(reader.fieldnames or [])
    return Exports(folder, headers, rows)


def csv_bytes(home: Path, as_of: str) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((home / "exports" / as_of).glob("*.csv"))}


@dataclass
class World:
    inbox: Path
    home: Path
    ids: dict[str, Identity]   # scenario name -> identity
    at_t: Exports
    first_bytes: dict[str, bytes]


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    root = tmp_path_factory.mktemp("scenarios")
    inbox, home = root / "inbox", root / "home"
    ids = build_inbox(inbox, [s.ent for s in SCENARIOS])
    qcredit_run(inbox, home, T)
    return World(inbox, home, {s.name: who for s, who in zip(SCENARIOS, ids, strict=True)},
                 read_exports(home, T), csv_bytes(home, T))


@pytest.fixture(scope="module")
def rerun(world: World) -> dict[str, bytes]:
    qcredit_run(world.inbox, world.home, T)
    return csv_bytes(world.home, T)


@pytest.fixture(scope="module")
def at_t0(world: World, rerun) -> Exports:
    """Backfill as of T0 into the same home: the lake already holds the deliveries dated after T0."""
    qcredit_run(world.inbox, world.home, T0)
    return read_exports(world.home, T0)


def flag(value: bool) -> str:
    return "true" if value else "false"


def mismatches(s: Scenario, ex: Expect, who: Identity, out: Exports, as_of: str) -> list[str]:
    """Every field of OUTPUTS.md the scenario pins down, compared with the exports; one line per mismatch."""
    problems: list[str] = []
    u = who.uscc

    def same(what: str, want, got) -> None:
        if want != got:
            problems.append(f"{what}: expected {want!r}, got {got!r}")

    level_row = out.by_uscc("enterprise_levels").get(u)
    risk_row = out.by_uscc("risk_warnings").get(u)
    plan_row = out.by_uscc("supervision_plan").get(u)
    queue_row = out.by_uscc("d_review_queue").get(u)
    pub_a = out.by_uscc("public_a_list").get(u)
    pub_d = out.by_uscc("public_d_list").get(u)
    awards = {r["award_id"]: r["action"] for r in out.rows["award_actions"] if r["uscc"] == u}

    if ex.level is None:  # not graded: in no output at all
        for file, row in [("enterprise_levels", level_row), ("risk_warnings", risk_row),
                          ("supervision_plan", plan_row), ("d_review_queue", queue_row),
                          ("public_a_list", pub_a), ("public_d_list", pub_d)]:
            same(f"{file} row (not graded)", None, row)
        same("award_actions", {}, awards)
        return problems
    if level_row is None:
        return ["not graded: no enterprise_levels row"]

    same("name", who.name, level_row["name"])
    same("region_code", s.ent.region, level_row["region_code"])
    same("as_of", as_of, level_row["as_of"])
    same("level", ex.level, level_row["level"])
    same("reasons", ex.reasons, level_row["reasons"])
    same("provisional", flag(ex.provisional), level_row["provisional"])
    same("signals", ex.signals, level_row["signals"])
    same("untrustworthy_elsewhere", flag(ex.untrusted), level_row["untrustworthy_elsewhere"])

    if ex.level == "C":
        if risk_row is None:
            problems.append("risk_warnings: no row for a C enterprise")
        else:
            try:
                same("risk_score", ex.risk_score, float(risk_row["risk_score"]))
            except ValueError:
                problems.append(f"risk_score: not a number: {risk_row['risk_score']!r}")
            same("action", ex.action, risk_row["action"])
            same("risk_warnings.reasons", ex.reasons, risk_row["reasons"])
            same("risk_warnings.signals", ex.signals, risk_row["signals"])
    else:
        same("risk_warnings row (not C)", None, risk_row)

    multiplier, key, measures = plan(ex.level, s.ent.exporter, ex.untrusted)
    if plan_row is None:
        problems.append("supervision_plan: no row")
    else:
        same("plan.level", ex.level, plan_row["level"])
        same("inspection_multiplier", multiplier, plan_row["inspection_multiplier"])
        same("key_supervision", flag(key), plan_row["key_supervision"])
        same("measures", measures, plan_row["measures"])

    same("award_actions", {award_id(who.idx, a): act for a, act in ex.awards.items()}, awards)
    same("review_status (d_review_queue)", ex.review_status, queue_row and queue_row["review_status"])
    if queue_row:
        same("d_review_queue.reasons", ex.reasons, queue_row["reasons"])
    same("in public_a_list", ex.public_a, pub_a is not None)
    same("in public_d_list", ex.public_d, pub_d is not None)
    if pub_d:
        same("public_d_list.reasons", ex.reasons, pub_d["reasons"])
        same("public_d_list.level", "D", pub_d["level"])
    if pub_a:
        same("public_a_list.level", "A", pub_a["level"])
    return problems


def report(s: Scenario, problems: list[str], as_of: str) -> str:
    return f"scenario {s.name} (as of {as_of}) - {s.rule}:\n  " + "\n  ".join(problems)


# --- every scenario as of T ---------------------------------------------------------------------------

@pytest.mark.parametrize("s", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_scenario(world: World, s: Scenario) -> None:
    problems = mismatches(s, s.expect, world.ids[s.name], world.at_t, T)
    assert not problems, report(s, problems, T)


def test_graded_set_is_exactly_the_scenarios(world: World) -> None:
    expected = {world.ids[s.name].uscc for s in SCENARIOS if s.expect.level is not None}
    got = [r["uscc"] for r in world.at_t.rows["enterprise_levels"]]
    assert len(got) == len(set(got)), "enterprise_levels: duplicate uscc rows"
    assert set(got) == expected, (f"unexpected: {sorted(set(got) - expected)}; "
                                  f"missing: {sorted(expected - set(got))}")


def test_risk_warnings_exactly_the_c_enterprises(world: World) -> None:
    levels = world.at_t.by_uscc("enterprise_levels")
    c = {u for u, r in levels.items() if r["level"] == "C"}
    assert set(world.at_t.by_uscc("risk_warnings")) == c


# --- file shapes --------------------------------------------------------------------------------------

def test_public_files_carry_exactly_their_columns(world: World) -> None:
    assert world.at_t.headers.get("public_a_list") == PUBLIC_A_COLUMNS
    assert world.at_t.headers.get("public_d_list") == PUBLIC_D_COLUMNS


def test_internal_files_start_with_their_columns(world: World) -> None:
    for file, columns in INTERNAL_COLUMNS.items():
        want = columns.split()
        assert world.at_t.headers.get(file, [])[: len(want)] == want, f"{file}.csv header"


def test_public_files_never_hold_b_or_c(world: World) -> None:
    levels = world.at_t.by_uscc("enterprise_levels")
    for file, level in (("public_a_list", "A"), ("public_d_list", "D")):
        for row in world.at_t.rows[file]:
            assert row["level"] == level and levels[row["uscc"]]["level"] == level, f"{file}: {row}"


def test_public_files_hold_no_personal_data(world: World) -> None:
    text = "".join((world.at_t.folder / f"{f}.csv").read_text(encoding="utf-8")
                   for f in ("public_a_list", "public_d_list"))
    for who in world.ids.values():
        for value in (who.legal_rep, who.phone, who.address):
            assert value not in text, f"personal data {value!r} of {who.uscc} in a public file"


def test_rows_sorted_by_first_column(world: World) -> None:
    for file in [*KEYED, "award_actions"]:
        first = [r[world.at_t.headers[file][0]] for r in world.at_t.rows[file]]
        assert first == sorted(first), f"{file}.csv rows not sorted by {world.at_t.headers[file][0]}"


def test_rerun_gives_byte_identical_csvs(world: World, rerun: dict[str, bytes]) -> None:
    assert sorted(rerun) == sorted(world.first_bytes)
    changed = [name for name in rerun if rerun[name] != world.first_bytes[name]]
    assert not changed, f"rerunning the same command changed {changed}"


# --- evidence: the delivered records behind every C/D reason and signal ----------------------------------

def test_every_c_and_d_reason_and_signal_has_evidence(world: World) -> None:
    assert uncited_codes(world.at_t.rows["enterprise_levels"], world.at_t.rows["criterion_evidence"]) == []


def test_evidence_cites_delivered_files_and_lines_that_hold_the_record(world: World) -> None:
    evidence = world.at_t.rows["criterion_evidence"]
    assert {row["dataset"].split("/")[0] for row in evidence} >= {"quality", "bank", "tax", "commerce", "customs"}
    assert evidence_problems(world.inbox, evidence) == []


def _evidence_of(world: World, scenario: str, code: str) -> list[dict]:
    uscc = world.ids[scenario].uscc
    return [row for row in world.at_t.rows["criterion_evidence"] if row["uscc"] == uscc and row["code"] == code]


@pytest.mark.parametrize(("scenario", "code", "delivery_id", "result"), [
    ("pit_correction_makes_c", "C.2", f"{BASE}_00", "FAIL"),
    ("pit_violation_corrected", "C.H", f"{BASE}_01", "QUALITY"),
])
def test_a_corrected_record_cites_the_correcting_delivery(world: World, scenario: str, code: str,
                                                          delivery_id: str, result: str) -> None:
    """The point-in-time state at T holds the correction, so the evidence names its delivery, file and line."""
    rows = _evidence_of(world, scenario, code)
    assert [row["delivery_id"] for row in rows] == [delivery_id], rows
    texts = cited_texts(world.inbox, rows[0]["source_file"], int(rows[0]["source_line"]))
    assert delivery_id.removesuffix("_00") in rows[0]["source_file"]
    assert any(rows[0]["record_id"] in text and result in text.upper() for text in texts), texts


def test_evidence_titles_are_the_seeded_meanings(world: World) -> None:
    seed = REPO / "dbt_project" / "seeds" / "criteria.csv"
    with seed.open(encoding="utf-8", newline="") as f:
        titles = {row["code"]: row["title_zh"] for row in csv.DictReader(f)}
    assert all(row["title"] == titles[row["code"]] for row in world.at_t.rows["criterion_evidence"])


def test_risk_score_is_the_sum_of_its_breakdown(world: World) -> None:
    points: dict[str, int] = {}
    for row in world.at_t.rows["risk_score_breakdown"]:
        points[row["uscc"]] = points.get(row["uscc"], 0) + int(row["points"])
    assert {u: int(r["risk_score"]) for u, r in world.at_t.by_uscc("risk_warnings").items()} == points


# --- backfill as of T0 --------------------------------------------------------------------------------

BACKFILL = [s for s in SCENARIOS if s.at_t0 is not None]


def test_t0_grades_only_the_snapshot_delivered_by_t0(world: World, at_t0: Exports) -> None:
    # the enterprises snapshot at T0 is the early one; the base snapshot (BASE) is dated after T0
    assert EARLY <= T0.replace("-", "") < BASE
    expected = {world.ids[s.name].uscc for s in SCENARIOS if s.ent.early}
    got = {r["uscc"] for r in at_t0.rows["enterprise_levels"]}
    assert got == expected, f"unexpected: {sorted(got - expected)}; missing: {sorted(expected - got)}"
    assert {r["as_of"] for r in at_t0.rows["enterprise_levels"]} == {T0}


@pytest.mark.parametrize("s", BACKFILL, ids=[s.name for s in BACKFILL])
def test_scenario_as_of_t0(world: World, at_t0: Exports, s: Scenario) -> None:
    problems = mismatches(s, s.at_t0, world.ids[s.name], at_t0, T0)
    assert not problems, report(s, problems, T0)


def test_valid_inbox_quarantines_nothing(world: World) -> None:
    # the builder writes only valid rows in FEEDS.md shapes (e.g. `loans` may be empty)
    assert world.at_t.rows.get("quarantine") == [], f"quarantined: {world.at_t.rows.get('quarantine')}"
