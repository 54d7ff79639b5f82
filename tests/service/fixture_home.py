"""A home with two published dates, written the way a run publishes them: a small warehouse with the export
views of OUTPUTS.md (and the evidence views of contract C2), copied out by `write_serving_copy`.

Enterprises of Zhejiang (33) and Guangdong (44) at every level, so every scope rule can be asked both ways.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb

from ingest.identifiers import uscc_check_char
from qcredit.service.publish import write_serving_copy

DATES = ("2026-11-19", "2026-11-20")
LATEST = DATES[-1]


def uscc(region: str, serial: int) -> str:
    first17 = f"91{region}MA{serial:07d}"
    return first17 + uscc_check_char(first17)


ZJ_A, ZJ_B, ZJ_C, ZJ_C2, ZJ_D, ZJ_DP, ZJ_FORMULA = (uscc("330102", 1), uscc("330102", 2), uscc("330106", 3),
                                                     uscc("330201", 4), uscc("330102", 5), uscc("330102", 6),
                                                     uscc("330106", 7))
GD_A, GD_B, GD_C, GD_D = uscc("440103", 11), uscc("440103", 12), uscc("440305", 13), uscc("440103", 14)
UNKNOWN = uscc("110101", 99)
GD_C_NAME = "广州秘密机械有限公司"

# uscc, name, region_code, level, provisional, reasons, signals, untrustworthy_elsewhere
ENTERPRISES = [
    (ZJ_A, "杭州守信电器有限公司", "330102", "A", False, "A.1;A.2;A.3;A.4;A.5;A.6;A.7;A.8", "", False),
    (ZJ_B, "杭州基本守信厂", "330102", "B", False, "B.1;B.3", "", False),
    (ZJ_C, "杭州预警阀门有限公司", "330106", "C", False, "C.2;C.3", "bank_npl", True),
    (ZJ_C2, "宁波小瑕疵纺织厂", "330201", "C", True, "C.6", "", False),
    (ZJ_D, "杭州假冒电缆厂", "330102", "D", False, "D.2", "", False),
    (ZJ_DP, "杭州待复核食品厂", "330102", "D", False, "D.4", "tax_d", True),
    (ZJ_FORMULA, "=HYPERLINK(\"http://x\")公式厂", "330106", "C", False, "C.4", "", False),
    (GD_A, "广州守信五金有限公司", "440103", "A", False, "A.1;A.2;A.3;A.4;A.5;A.6;A.7;A.8", "", False),
    (GD_B, "广州基本守信厂", "440103", "B", False, "B.1;B.3", "", False),
    (GD_C, GD_C_NAME, "440305", "C", False, "C.2", "tax_d", True),
    (GD_D, "广州无证经营厂", "440103", "D", False, "D.1", "", False),
]
# uscc -> (risk_score, action, breakdown[(component, code, points)])
WARNINGS = {
    ZJ_C: (55, "yellow_card", [("reason", "C.2", 10), ("reason", "C.3", 10), ("repeat", "repeat", 15),
                               ("signal", "bank_npl", 20)]),
    ZJ_C2: (30, "warning", [("reason", "C.6", 10), ("repeat", "repeat", 15), ("signal", "commerce_abnormal", 5)]),
    ZJ_FORMULA: (10, "none", [("reason", "C.4", 10)]),
    GD_C: (60, "yellow_card", [("reason", "C.2", 10), ("repeat", "repeat", 15), ("signal", "tax_d", 20),
                               ("signal", "commerce_abnormal", 15)]),
}
CRITERIA = [  # contract C1: code, kind, level, title_zh, title_en, reads, window
    ("A.1", "reason", "A", "成立三年且三年内无不合格、无违法", "established 3 years, clean record", "", "y3_years"),
    ("C.2", "reason", "C", "本年度监督抽查不合格", "a failed spot/supervision check this year",
     "quality/inspections", "y1_years"),
    ("C.3", "reason", "C", "质量不稳定", "unstable quality", "quality/inspections", "y1_years"),
    ("C.4", "reason", "C", "低于明示标准生产", "produced below the declared standard", "quality/standards", ""),
    ("C.6", "reason", "C", "投诉未及时处理", "complaints not resolved in time", "quality/complaints", "y1_years"),
    ("D.1", "reason", "D", "无合法资质", "no legal qualification", "commerce/registrations", "y1_years"),
    ("D.2", "reason", "D", "故意生产假冒伪劣产品", "deliberate counterfeit goods", "quality/violations", "y1_years"),
    ("D.4", "reason", "D", "连续两次抽查不合格", "two consecutive failed checks", "quality/inspections", "y1_years"),
    ("bank_npl", "signal", "", "银行不良贷款", "non-performing loan", "bank/loans", ""),
    ("tax_d", "signal", "", "纳税信用D级", "tax credit rating D", "tax/ratings", ""),
]


def _evidence(as_of: str) -> list[tuple]:
    rows = []
    for ent in ENTERPRISES:
        code_list = [c for c in ent[5].split(";") if c and c[0] in "CD"] + [s for s in ent[6].split(";") if s]
        for n, code in enumerate(code_list, start=1):
            meaning = next((c[3] for c in CRITERIA if c[0] == code), code)
            dataset = next((c[5] for c in CRITERIA if c[0] == code), "quality/inspections") or "quality/inspections"
            rows.append((ent[0], ent[1], ent[2], as_of, code, meaning, dataset, f"R-{ent[0][-4:]}-{n}",
                         "2026-03-0" + str(n), f"{dataset.split('/')[0]}/file_20260301.csv", 10 + n,
                         "20260301_00"))
    return rows


def graded_at(as_of: str) -> list[tuple]:
    """The enterprises graded at a date: Guangdong's D is new on the second date, the Zhejiang yellow card was B
    the day before."""
    ents = [e for e in ENTERPRISES if not (as_of == DATES[0] and e[0] == GD_D)]
    if as_of == DATES[0]:
        ents = [e if e[0] != ZJ_C else (*e[:3], "B", False, "B.1", "", False) for e in ents]
    return ents


def build_warehouse(path: Path, as_of: str, level_history: bool = True) -> None:
    """The export views of one graded date, as the dbt project would leave them (tables suffice here), and the
    levels of every graded date up to it (`marts.level_history`) unless `level_history` is false."""
    ents = graded_at(as_of)
    level = {e[0]: e[3] for e in ents}
    con = duckdb.connect(str(path))
    if level_history:
        con.execute("create schema marts")
        con.execute("create table marts.level_history (uscc varchar, as_of date, level varchar)")
        con.executemany("insert into marts.level_history values (?, ?, ?)",
                        [(e[0], day, e[3]) for day in DATES if day <= as_of for e in graded_at(day)])
    con.execute("create schema exports")
    con.execute("create table main.criteria (code varchar, kind varchar, level varchar, title_zh varchar, "
                "title_en varchar, reads varchar, \"window\" varchar)")
    con.executemany("insert into main.criteria values (?, ?, ?, ?, ?, ?, ?)", CRITERIA)
    con.execute("create table exports.enterprise_levels (uscc varchar, name varchar, region_code varchar, as_of date,"
                " level varchar, provisional boolean, reasons varchar, signals varchar, "
                "untrustworthy_elsewhere boolean, ruleset_version varchar)")
    con.executemany("insert into exports.enterprise_levels values (?, ?, ?, ?, ?, ?, ?, ?, ?, 'v-test')",
                    [(e[0], e[1], e[2], as_of, *e[3:]) for e in ents])
    con.execute("create table exports.risk_warnings (uscc varchar, name varchar, region_code varchar, as_of date, "
                "risk_score integer, action varchar, reasons varchar, signals varchar)")
    con.executemany("insert into exports.risk_warnings values (?, ?, ?, ?, ?, ?, ?, ?)",
                    [(e[0], e[1], e[2], as_of, WARNINGS[e[0]][0], WARNINGS[e[0]][1], e[5], e[6])
                     for e in ents if e[3] == "C"])
    con.execute("create table exports.risk_score_breakdown (uscc varchar, name varchar, region_code varchar, "
                "as_of date, component varchar, code varchar, points integer)")
    con.executemany("insert into exports.risk_score_breakdown values (?, ?, ?, ?, ?, ?, ?)",
                    [(e[0], e[1], e[2], as_of, *part) for e in ents if e[3] == "C" for part in WARNINGS[e[0]][2]])
    plan = {"A": ("0.5", False, "award_priority;onsite_check_waived"), "B": ("1.0", False, "assistance"),
            "C": ("2.0", True, "awards_suspended"), "D": ("3.0", True, "awards_revoked;blacklist")}
    con.execute("create table exports.supervision_plan (uscc varchar, level varchar, inspection_multiplier varchar, "
                "key_supervision boolean, measures varchar)")
    con.executemany("insert into exports.supervision_plan values (?, ?, ?, ?, ?)",
                    [(e[0], e[3], *plan[e[3]]) for e in ents])
    con.execute("create table exports.award_actions (award_id varchar, uscc varchar, kind varchar, action varchar)")
    con.executemany("insert into exports.award_actions values (?, ?, 'provincial_quality_award', ?)",
                    [(f"AW-{e[0][-6:]}", e[0], "suspend" if e[3] == "C" else "revoke")
                     for e in ents if e[3] in "CD"])
    con.execute("create table exports.d_review_queue (uscc varchar, name varchar, region_code varchar, as_of date, "
                "reasons varchar, review_status varchar)")
    con.executemany("insert into exports.d_review_queue values (?, ?, ?, ?, ?, 'pending')",
                    [(e[0], e[1], e[2], as_of, e[5]) for e in ents if e[0] in (ZJ_DP, GD_D)])
    con.execute("create table exports.level_changes (uscc varchar, previous_as_of date, previous_level varchar, "
                "level varchar)")
    if as_of == DATES[1]:
        con.execute("insert into exports.level_changes values (?, ?, 'B', 'C')", [ZJ_C, DATES[0]])
    con.execute("create table exports.unresolved (agency varchar, dataset varchar, file varchar, line integer, "
                "identifier varchar, reason varchar)")
    con.execute("create table exports.public_a_list (uscc varchar, name varchar, region_code varchar, "
                "level varchar, as_of date)")
    con.executemany("insert into exports.public_a_list values (?, ?, ?, 'A', ?)",
                    [(e[0], e[1], e[2], as_of) for e in ents if e[3] == "A"])
    con.execute("create table exports.public_d_list (uscc varchar, name varchar, region_code varchar, "
                "level varchar, as_of date, reasons varchar)")
    con.executemany("insert into exports.public_d_list values (?, ?, ?, 'D', ?, ?)",
                    [(e[0], e[1], e[2], as_of, e[5]) for e in ents if e[0] == ZJ_D])
    con.execute("create table exports.criterion_evidence (uscc varchar, name varchar, region_code varchar, "
                "as_of date, code varchar, title varchar, dataset varchar, record_id varchar, event_date date, "
                "source_file varchar, source_line integer, delivery_id varchar)")
    con.executemany("insert into exports.criterion_evidence values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [r for r in _evidence(as_of) if level.get(r[0])])
    con.close()


def publish(home: Path, as_of: str, level_history: bool = True) -> Path:
    """One date's folder: serving copy, quarantine.csv and run_summary.json (last, as a run does)."""
    folder = home / "exports" / as_of
    folder.mkdir(parents=True, exist_ok=True)
    warehouse = home / f"warehouse-{as_of}.duckdb"
    warehouse.unlink(missing_ok=True)
    build_warehouse(warehouse, as_of, level_history)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        write_serving_copy(con, folder)
    with (folder / "quarantine.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["agency", "dataset", "file", "line", "reason"])
        writer.writerow(["tax", "ratings", f"tax/ratings_{as_of.replace('-', '')}.csv", "", "missing column year"])
        writer.writerow(["quality", "inspections", "quality/inspections_20260301.csv", "7", "result: not a value"])
    summary = {"as_of": as_of, "ruleset_version": "v-test", "graded_enterprises": 11,
               "levels": {"A": 999, "B": 999, "C": 999, "D": 999},  # national counts: never shown to a province
               "needs_attention": [{"agency": "tax", "dataset": "ratings", "status": "rejected",
                                    "file": f"tax/ratings_{as_of.replace('-', '')}.csv",
                                    "reason": "missing column year"}],
               "durations_seconds": {"ingest": 1.0, "grade": 2.0, "export": 0.5}}
    (folder / "run_summary.json").write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")
    return folder


def build_home(home: Path, dates: tuple[str, ...] = DATES, level_history: bool = True) -> Path:
    for as_of in dates:
        publish(home, as_of, level_history)
    return home
