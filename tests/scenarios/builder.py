"""Writes a tiny agency inbox in the exact shapes of FEEDS.md from plain Python objects.

Independent of the code under test: identifiers, file names, encodings and headers are encoded here by
hand from FEEDS.md. An `Enterprise` is a baseline "clean A enterprise" (established long ago, conforming
standard, production statistics 100, a valid licence, active commerce registration); a scenario perturbs
it with one fact. Records carry a `delivery` date (YYYYMMDD[_NN]) so scenarios can test point-in-time.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import openpyxl

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

BASE = "20261119"  # the main delivery, the day before T


def uscc_check(body17: str) -> str:
    """GB 32100-2015 check character for the first 17 characters."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(body17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_valid(code: str) -> bool:
    return len(code) == 18 and all(c in USCC_ALPHABET for c in code) and uscc_check(code[:17]) == code[17]


def org_code(body8: str) -> str:
    """GB 11714 organization code: 8 characters plus the check character."""
    total = sum(int(c, 36) * w for c, w in zip(body8, ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return body8 + {10: "X", 11: "0"}.get(check, str(check))


def make_uscc(n: int, region: str) -> str:
    """A valid USCC for enterprise number n: 9 (market regulator) 1 (enterprise), division, org code."""
    body = "91" + region + org_code(f"{70000000 + n:08d}")
    return body + uscc_check(body)


# --- record constructors (scenario vocabulary) ---------------------------------------------------

def insp(kind, on, result, severity="", rid=None, delivery=BASE):
    if result == "fail" and not severity:
        severity = "general"
    return dict(kind=kind, inspected_on=on, result=result, severity=severity, rid=rid, delivery=delivery)


def spot(on, result="fail", severity="", rid=None, delivery=BASE, keyed=None):
    return {**insp("quality_spot_check", on, result, severity, rid, delivery), "keyed": keyed}


def as_keyed(uscc: str, how: str | None) -> str:
    """An identifier as agencies key it by hand: full-width characters, or lower case with spaces."""
    if how == "fullwidth":
        return "".join(chr(ord(c) + 0xFEE0) for c in uscc)
    if how == "lower_spaced":
        return f"  {uscc.lower()} "
    return uscc


def viol(on, category="quality", harm="minor", penalty="fine", rid=None, delivery=BASE):
    return dict(decided_on=on, category=category, harm=harm, penalty=penalty, rid=rid, delivery=delivery)


def complaint(kind, received, resolved="", liable=1, rid=None, delivery=BASE):
    return dict(kind=kind, received_on=received, resolved_on=resolved, enterprise_liable=liable, rid=rid,
                delivery=delivery)


def accident(on, severity, rid=None, delivery=BASE):
    return dict(occurred_on=on, severity=severity, rid=rid, delivery=delivery)


def export(on, decl="ok", conf="ok", passed=1, rid=None, delivery=BASE):
    return dict(inspected_on=on, declaration_result=decl, conformity_result=conf, passed=passed, rid=rid,
                delivery=delivery)


def licence(status="valid", expires="2029-12-31", deadline="", issued="2020-01-01"):
    return dict(status=status, expires_on=expires, rectify_deadline=deadline, issued_on=issued)


def award(aid, status="active", expires="2028-12-31", kind="famous_brand"):
    return dict(aid=aid, status=status, expires_on=expires, kind=kind)


def application(applied, result="approved", evaluated="", withdrawn="", opinion="", delivery=BASE):
    return dict(applied_on=applied, provincial_result=result, evaluated_on=evaluated, withdrawn_on=withdrawn,
                testing_unit_opinion=opinion, delivery=delivery)


def review(on, decision, rid=None, delivery=BASE):
    return dict(reviewed_on=on, decision=decision, rid=rid, delivery=delivery)


def stats(year, factory=100, supervision="", delivery=BASE):
    return dict(year=year, factory_pass_rate=factory, supervision_test_pass_rate=supervision, delivery=delivery)


def tax(year, level, legacy=False, rated_on=None, delivery="20260420"):
    return dict(year=year, level=level, legacy=legacy, rated_on=rated_on or f"{year + 1}-04-18",
                delivery=delivery)


KEEP = object()  # "same as the quality archive"


@dataclass
class Enterprise:
    """Baseline: a clean A enterprise. Every field a scenario may perturb."""

    region: str = "330106"
    established_on: str = "2010-03-01"
    exporter: bool = False
    # commerce 登记信息: status None = missing from the registry; established KEEP = archive date
    commerce_status: str | None = "存续"
    commerce_established: object = KEEP
    abnormal: list = field(default_factory=list)   # [(listed_on, removed_on or "")] 经营异常名录
    serious: list = field(default_factory=list)    # [(listed_on, removed_on or "")] 严重违法失信名单
    standards: list = field(default_factory=lambda: ["conforms"])
    production: list = field(default_factory=lambda: [stats(2025)])
    licences: list = field(default_factory=lambda: [licence()])
    inspections: list = field(default_factory=list)
    violations: list = field(default_factory=list)
    complaints: list = field(default_factory=list)
    accidents: list = field(default_factory=list)
    exports: list = field(default_factory=list)
    awards: list = field(default_factory=list)
    applications: list = field(default_factory=list)
    reviews: list = field(default_factory=list)
    loans: list | None = None          # latest bank report: list of (classification, overdue_days)
    old_loans: list | None = None      # an older bank report (20260930)
    taxes: list = field(default_factory=list)
    customs: tuple | None = None       # (信用等级, uscc_in_credit_file: bool)
    early: bool = False                # also in the early drop (20261001) for the backfill run
    early_abnormal: list = field(default_factory=list)  # 经营异常名录 rows in the early registry
    early_licences: list | None = None  # licences in the early snapshot, when not the same
    after_t: dict = field(default_factory=dict)  # overrides in the deliveries dated after T


@dataclass
class Identity:
    idx: int
    uscc: str
    name: str
    legal_rep: str
    phone: str
    address: str


def identity(idx: int, ent: Enterprise) -> Identity:
    return Identity(idx, make_uscc(idx, ent.region), f"场景{idx:03d}号测试制造有限公司", f"李{idx:03d}",
                    f"1390571{idx:04d}", f"浙江省杭州市测试路{idx:03d}号")


def record_id(prefix: str, idx: int, rid) -> str:
    return f"{prefix}{idx:03d}{rid}"


def award_id(idx: int, aid: str) -> str:
    return f"AW{idx:03d}{aid}"


# --- file shapes (FEEDS.md) ---------------------------------------------------------------------

QUALITY_COLUMNS = {
    "enterprises": "uscc,name,region_code,established_on,industry,is_exporter,legal_rep,phone,address",
    "inspections": "record_id,uscc,kind,product,inspected_on,result,severity",
    "violations": "record_id,uscc,decided_on,category,harm,penalty,description",
    "complaints": "record_id,uscc,kind,received_on,enterprise_liable,resolved_on",
    "accidents": "record_id,uscc,occurred_on,severity,description",
    "licences": "licence_no,uscc,product_category,issued_on,expires_on,status,rectify_deadline",
    "production_stats": "uscc,year,factory_pass_rate,supervision_test_pass_rate",
    "standards": "uscc,product,standard_code,conformance",
    "export_inspections": "record_id,uscc,inspected_on,declaration_result,conformity_result,passed",
    "awards": "award_id,uscc,kind,granted_on,expires_on,status",
    "a_applications": "uscc,applied_on,withdrawn_on,provincial_result,evaluated_on,testing_unit_opinion",
    "d_reviews": "record_id,uscc,reviewed_on,decision,reviewer,note",
}
TAX_HEADER = ["纳税人识别号", "纳税人名称", "评价年度", "纳税信用级别", "评价日期"]
REGISTRY_SHEETS = {
    "登记信息": ["统一社会信用代码", "注册号", "企业名称", "成立日期", "登记状态", "登记机关"],
    "经营异常名录": ["统一社会信用代码", "列入日期", "列入原因", "移出日期", "移出原因"],
    "严重违法失信名单": ["统一社会信用代码", "列入日期", "列入原因", "移出日期"],
}
CUSTOMS_CREDIT_HEADER = ["海关编码", "统一社会信用代码", "企业名称", "信用等级", "认定日期"]
CUSTOMS_REGISTRY_HEADER = ["海关编码", "统一社会信用代码"]


def _csv_text(header: list[str], rows: list[list]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def _commerce_date(iso: str, style: int):
    """Registries mix Excel date cells with text dates; rotate through the three shapes."""
    d = date.fromisoformat(iso)
    return [d, iso, f"{d.year}年{d.month}月{d.day}日"][style % 3]


class InboxWriter:
    """Collects rows per delivered file and writes them in the agencies' formats."""

    def __init__(self) -> None:
        self.quality: dict[tuple[str, str], list[list]] = defaultdict(list)
        self.bank: dict[str, list[dict]] = defaultdict(list)
        self.tax: dict[str, list[list]] = defaultdict(list)
        self.registry: dict[str, dict[str, list[list]]] = defaultdict(lambda: {s: [] for s in REGISTRY_SHEETS})
        self.customs_credit: list[list] = []
        self.customs_registry: list[list] = []

    def q(self, dataset: str, delivery: str, row: list) -> None:
        self.quality[(dataset, delivery)].append(row)

    def write(self, root: Path) -> list[Path]:
        written = []

        def put(rel: str, data: bytes) -> None:
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            written.append(path)

        for (dataset, delivery), rows in sorted(self.quality.items()):
            text = _csv_text(QUALITY_COLUMNS[dataset].split(","), rows)
            put(f"quality/{dataset}_{delivery}.csv", text.encode("utf-8"))
        for delivery, reports in sorted(self.bank.items()):
            lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in reports)
            put(f"bank/credit_report_{delivery}.jsonl", lines.encode("utf-8"))
        for delivery, rows in sorted(self.tax.items()):
            put(f"tax/tax_credit_{delivery}.csv", _csv_text(TAX_HEADER, rows).encode("gb18030"))
        for delivery, sheets in sorted(self.registry.items()):
            wb = openpyxl.Workbook()
            wb.remove(wb.active)
            for title, header in REGISTRY_SHEETS.items():
                ws = wb.create_sheet(title)
                ws.append(header)
                for row in sheets[title]:
                    ws.append(row)
            buf = io.BytesIO()
            wb.save(buf)
            put(f"commerce/registry_{delivery}.xlsx", buf.getvalue())
        if self.customs_credit:
            put(f"customs/customs_credit_{BASE}.csv",
                _csv_text(CUSTOMS_CREDIT_HEADER, self.customs_credit).encode("utf-8-sig"))
            put(f"customs/customs_registry_{BASE}.csv",
                _csv_text(CUSTOMS_REGISTRY_HEADER, self.customs_registry).encode("utf-8-sig"))
        return written


EARLY = "20261001"   # early drop for the backfill run
LATE = "20261125"    # delivered after T: must be ignored


def add_enterprise(w: InboxWriter, who: Identity, e: Enterprise) -> None:
    """All rows of one enterprise, in every dataset and delivery it appears in."""
    idx, u = who.idx, who.uscc
    ent_row = [u, who.name, e.region, e.established_on, "C35", int(e.exporter), who.legal_rep, who.phone,
               who.address]
    snapshots = [BASE] + ([EARLY] if e.early else [])
    for d in snapshots:
        w.q("enterprises", d, ent_row)
        for n, conf in enumerate(e.standards):
            w.q("standards", d, [u, f"产品{n}", f"GB {10000 + idx}-2020", conf])
        licences = e.early_licences if d == EARLY and e.early_licences is not None else e.licences
        for n, lic in enumerate(licences):
            w.q("licences", d, [f"XK{idx:03d}{n}", u, "食品相关产品", lic["issued_on"], lic["expires_on"],
                                lic["status"], lic["rectify_deadline"]])
    if not e.after_t.get("drop_from_enterprises"):
        w.q("enterprises", LATE, ent_row)
    for p in e.production:
        w.q("production_stats", p["delivery"], [u, p["year"], p["factory_pass_rate"],
                                                p["supervision_test_pass_rate"]])
    if e.early and not any(p["delivery"] == EARLY for p in e.production):
        w.q("production_stats", EARLY, [u, 2025, 100, ""])

    def events(dataset, prefix, records, cols):
        for n, r in enumerate(records):
            rid = record_id(prefix, idx, r["rid"] if r.get("rid") is not None else n)
            w.q(dataset, r["delivery"], [rid, as_keyed(u, r.get("keyed")), *[r[c] for c in cols]])

    ins = [{**r, "product": "产品0"} for r in e.inspections]
    events("inspections", "INS", ins, ["kind", "product", "inspected_on", "result", "severity"])
    vio = [{**r, "description": "案件"} for r in e.violations]
    events("violations", "VIO", vio, ["decided_on", "category", "harm", "penalty", "description"])
    events("complaints", "CMP", e.complaints, ["kind", "received_on", "enterprise_liable", "resolved_on"])
    acc = [{**r, "description": "事故"} for r in e.accidents]
    events("accidents", "ACC", acc, ["occurred_on", "severity", "description"])
    events("export_inspections", "EXP", e.exports,
           ["inspected_on", "declaration_result", "conformity_result", "passed"])
    rev = [{**r, "reviewer": "复核员", "note": ""} for r in e.reviews]
    events("d_reviews", "REV", rev, ["reviewed_on", "decision", "reviewer", "note"])
    for a in e.applications:
        w.q("a_applications", a["delivery"], [u, a["applied_on"], a["withdrawn_on"], a["provincial_result"],
                                              a["evaluated_on"], a["testing_unit_opinion"]])
    for a in e.awards:
        w.q("awards", BASE, [award_id(idx, a["aid"]), u, a["kind"], "2022-01-01", a["expires_on"], a["status"]])

    for delivery, loans in ((BASE_BANK, e.loans), (OLD_BANK, e.old_loans)):
        if loans is not None:
            report_date = f"{delivery[:4]}-{delivery[4:6]}-{delivery[6:]}"
            w.bank[delivery].append({"uscc": u, "reportDate": report_date, "loans": [
                {"contractId": f"L-{idx:03d}-{n}", "classification": c, "balance": 1000000.0,
                 "overdueDays": days} for n, (c, days) in enumerate(loans)]})
    for t in e.taxes:
        taxpayer = u[2:17] if t["legacy"] else u  # legacy: 6-digit division + 9-char organization code
        w.tax[t["delivery"]].append([taxpayer, who.name, t["year"], t["level"], t["rated_on"]])

    # commerce registry: base snapshot, early snapshot (early enterprises), late snapshot (after T)
    def registration(status, established, style):
        return [u, "" if idx % 2 else f"330000{idx:09d}", who.name, _commerce_date(established, style),
                status, "杭州市市场监督管理局"]

    established = e.established_on if e.commerce_established is KEEP else e.commerce_established
    if e.commerce_status is not None:
        w.registry[BASE]["登记信息"].append(registration(e.commerce_status, established, idx))
        late_status = e.after_t.get("commerce_status", e.commerce_status)
        w.registry[LATE]["登记信息"].append(registration(late_status, established, idx))
        if e.early:
            w.registry[EARLY]["登记信息"].append(registration(e.commerce_status, established, 0))
    for d in (BASE, LATE):
        for listed, removed in e.abnormal:
            w.registry[d]["经营异常名录"].append([u, listed, "通过登记的住所无法联系", removed,
                                            "已更正" if removed else ""])
        for listed, removed in e.serious:
            w.registry[d]["严重违法失信名单"].append([u, listed, "被列入经营异常名录届满3年", removed])
    for listed, removed in e.early_abnormal:
        w.registry[EARLY]["经营异常名录"].append([u, listed, "通过登记的住所无法联系", removed, ""])

    if e.customs:
        category, with_uscc = e.customs
        code = f"31{idx:08d}"
        w.customs_credit.append([code, u if with_uscc else "", who.name, category, "2026-06-30"])
        w.customs_registry.append([code, u])


BASE_BANK = "20261031"
OLD_BANK = "20260930"


def build_inbox(root: Path, enterprises: list[Enterprise]) -> list[Identity]:
    """Write the inbox for `enterprises` (numbered from 1 in order); return their identities."""
    w = InboxWriter()
    ids = []
    for idx, ent in enumerate(enterprises, start=1):
        who = identity(idx, ent)
        add_enterprise(w, who, ent)
        ids.append(who)
    w.write(root)
    return ids
