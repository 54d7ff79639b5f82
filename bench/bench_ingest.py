"""Ingest throughput per format: read + validate (GX) + land, rows per second, as a Markdown table.

    .venv/bin/python bench/bench_ingest.py --rows 1000000 --xlsx-rows 100000 --repeats 3

Synthesizes one delivery per format in a temp folder (UTF-8 CSV: quality/inspections; GB18030 CSV with
legacy tax numbers: tax/tax_credit; BOM CSV with blank USCCs resolved through the customs registry:
customs/customs_credit; JSON Lines with nested loans: bank/credit_report; XLSX with three sheets:
commerce/registry). About 0.1 % of rows are bad on purpose, so quarantine is exercised. Reference feeds are
landed once, untimed; each timed repeat lands the file into a fresh copy of that home.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest import land  # noqa: E402
from ingest.identifiers import org_check_char, uscc_check_char  # noqa: E402

AS_OF = "2026-11-20"
DAY = "20261119"


def enterprises(n: int, rng: np.random.Generator) -> list[str]:
    """n distinct valid USCCs (91 + division + organization code with its check + USCC check)."""
    out = []
    for i in range(n):
        org = f"{rng.integers(10**7, 10**8)}"[:2] + f"{i:06d}"
        body = f"91330106{org}{org_check_char(org)}"
        out.append(body + uscc_check_char(body))
    return out


def spoil(values: np.ndarray, rng: np.random.Generator, bad: str) -> np.ndarray:
    """About 0.1 % of values replaced by a bad one."""
    values = values.astype(object)
    values[rng.random(len(values)) < 0.001] = bad
    return values


def write_inspections(inbox: Path, n: int, usccs: np.ndarray, rng: np.random.Generator) -> Path:
    kinds = np.array(["quality_spot_check", "metrology_spot_check", "supervision_check", "supervision_test"])
    result = np.where(rng.random(n) < 0.1, "fail", "pass")
    frame = pl.DataFrame({
        "record_id": [f"INS{i:09d}" for i in range(n)],
        "uscc": usccs[rng.integers(0, len(usccs), n)],
        "kind": spoil(kinds[rng.integers(0, 4, n)], rng, "random_check"),
        "product": "产品甲",
        "inspected_on": (np.datetime64("2024-01-01") + rng.integers(0, 680, n)).astype(str),
        "result": result,
        "severity": np.where(result == "fail", "general", ""),
    })
    path = inbox / "quality" / f"inspections_{DAY}.csv"
    frame.write_csv(path)
    return path


def write_tax(inbox: Path, n: int, usccs: np.ndarray, rng: np.random.Generator) -> Path:
    ids = usccs[np.arange(n) % len(usccs)]
    legacy = np.array([f"330106{u[8:17]}" for u in ids])
    taxpayer = np.where(rng.random(n) < 0.3, legacy, ids)
    frame = pl.DataFrame({
        "纳税人识别号": taxpayer,
        "纳税人名称": "测试企业𠀾有限公司",  # a character outside GBK
        "评价年度": (2025 - np.arange(n) // len(usccs)).astype(str),
        "纳税信用级别": spoil(np.array(list("ABMCD"))[rng.integers(0, 5, n)], rng, "Z"),
        "评价日期": "2026/04/18",
    })
    path = inbox / "tax" / f"tax_credit_{DAY}.csv"
    path.write_bytes(frame.write_csv().encode("gb18030"))
    return path


def write_customs(inbox: Path, n: int, usccs: np.ndarray, rng: np.random.Generator) -> tuple[Path, Path]:
    codes = np.array([f"{3100000000 + i}" for i in range(n)])
    owners = usccs[np.arange(n) % len(usccs)]
    registry = pl.DataFrame({"海关编码": codes, "统一社会信用代码": owners})
    reg_path = inbox / "customs" / f"customs_registry_{DAY}.csv"
    reg_path.write_bytes(registry.write_csv().encode("utf-8-sig"))
    levels = np.array(["高级认证企业", "认证企业", "常规企业", "失信企业", "一般信用企业"])
    credit = pl.DataFrame({
        "海关编码": codes,
        "统一社会信用代码": np.where(rng.random(n) < 0.5, owners, ""),
        "企业名称": "测试企业",
        "信用等级": spoil(levels[rng.integers(0, 5, n)], rng, "未知等级"),
        "认定日期": "2026-06-30",
    })
    path = inbox / "customs" / f"customs_credit_{DAY}.csv"
    path.write_bytes(credit.write_csv().encode("utf-8-sig"))
    return reg_path, path


def write_bank(inbox: Path, n: int, usccs: np.ndarray, rng: np.random.Generator) -> Path:
    classes = ["正常", "关注", "次级", "可疑", "损失"]
    path = inbox / "bank" / f"credit_report_{DAY}.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            loans = []
            for j in range(int(rng.integers(0, 4))):
                days = int(rng.integers(0, 200))
                # consistent with the 2023 rules except ~0.1 %, which must come out as warnings
                worst = 2 if days > 90 and rng.random() > 0.001 else 0
                loans.append({"contractId": f"L-{i}-{j}", "classification": classes[int(rng.integers(worst, 5))],
                              "balance": float(rng.integers(0, 10**7)), "overdueDays": days})
            out.write(json.dumps({"uscc": usccs[i % len(usccs)], "reportDate": "2026-10-31", "loans": loans},
                                 ensure_ascii=False) + "\n")
    return path


def write_registry(inbox: Path, n: int, usccs: np.ndarray, rng: np.random.Generator) -> Path:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("登记信息")
    sheet.append(["统一社会信用代码", "注册号", "企业名称", "成立日期", "登记状态", "登记机关"])
    shapes = [lambda d: d, lambda d: d.isoformat(), lambda d: f"{d.year}年{d.month}月{d.day}日"]
    for i in range(n):
        born = dt.date(2000, 1, 1) + dt.timedelta(days=int(rng.integers(0, 9000)))
        when = shapes[i % 3](born)
        sheet.append([usccs[i % len(usccs)], None, f"企业{i}", when, "存续", "市场监督管理局"])
    for name, header in (("经营异常名录", ["统一社会信用代码", "列入日期", "列入原因", "移出日期", "移出原因"]),
                         ("严重违法失信名单", ["统一社会信用代码", "列入日期", "列入原因", "移出日期"])):
        listed = book.create_sheet(name)
        listed.append(header)
        for i in range(n // 10):
            listed.append([usccs[i], "2025-01-0" + str(1 + i % 9), "原因", None, None][: len(header)])
    path = inbox / "commerce" / f"registry_{DAY}.xlsx"
    book.save(path)
    return path


def write_enterprises(inbox: Path, usccs: np.ndarray) -> Path:
    frame = pl.DataFrame({
        "uscc": usccs, "name": "测试企业", "region_code": "330106", "established_on": "2010-03-01",
        "industry": "C35", "is_exporter": "0", "legal_rep": "", "phone": "", "address": "",
    })
    path = inbox / "quality" / f"enterprises_{DAY}.csv"
    frame.write_csv(path)
    return path


def timed_land(feed_id: str, inbox: Path, base_home: Path, work: Path, repeats: int) -> tuple[float, dict]:
    """Median seconds of landing the feed into a fresh copy of `base_home`."""
    times, entry = [], {}
    for r in range(repeats):
        home = work / f"home-{feed_id.replace('/', '_')}-{r}"
        shutil.copytree(base_home, home)
        start = time.perf_counter()
        entry = land.land_feed(feed_id, inbox, home, AS_OF)["files"][0]
        times.append(time.perf_counter() - start)
        shutil.rmtree(home)
    return statistics.median(times), entry


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows per CSV / JSONL file")
    parser.add_argument("--xlsx-rows", type=int, default=100_000, help="rows in the workbook's main sheet")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    with tempfile.TemporaryDirectory(prefix="qcredit-bench-") as tmp:
        work = Path(tmp)
        inbox = work / "inbox"
        for agency in ("quality", "tax", "customs", "bank", "commerce"):
            (inbox / agency).mkdir(parents=True)
        usccs = np.array(enterprises(args.rows, rng))  # snapshots are keyed by USCC: one row each
        write_enterprises(inbox, usccs)
        files = {
            "CSV UTF-8 (quality/inspections)": ("quality/inspections", write_inspections(inbox, args.rows, usccs, rng)),
            "CSV GB18030 (tax/tax_credit)": ("tax/tax_credit", write_tax(inbox, args.rows, usccs, rng)),
            "CSV UTF-8 BOM (customs/customs_credit)": (
                "customs/customs_credit", write_customs(inbox, args.rows, usccs, rng)[1]),
            "JSON Lines (bank/credit_report)": ("bank/credit_report", write_bank(inbox, args.rows, usccs, rng)),
            "XLSX, 3 sheets (commerce/registry)": (
                "commerce/registry", write_registry(inbox, args.xlsx_rows, usccs, rng)),
        }
        base = work / "base"
        land.ensure_lake(base)
        for reference in ("quality/enterprises", "customs/customs_registry"):  # what resolution reads
            land.land_feed(reference, inbox, base, AS_OF)
        print(f"rows: {args.rows:,} per CSV/JSONL file, {args.xlsx_rows:,} in the workbook's main sheet; "
              f"median of {args.repeats}\n")
        print("| format | rows read | MB | seconds | rows/s | loaded | quarantined | unresolved | warnings |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for label, (feed_id, path) in files.items():
            seconds, e = timed_land(feed_id, inbox, base, work, args.repeats)
            mb = path.stat().st_size / 1e6
            print(f"| {label} | {e['rows_read']:,} | {mb:.0f} | {seconds:.2f} | {e['rows_read'] / seconds:,.0f} | "
                  f"{e['rows_loaded']:,} | {e['rows_quarantined']:,} | {e['rows_unresolved']:,} | "
                  f"{e['warning_count']:,} |", flush=True)


if __name__ == "__main__":
    main()
