"""Landing end to end on real polars / GX / Parquet: the sample drop, rejections, the shrink
guard, as-of, same-day re-deliveries, warnings, unresolved rows and a feed added by declaration alone."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from ingest_testkit import AS_OF, SAMPLE_INBOX, assert_same_landing, entries, land_all, without_paths

from ingest import lake_schema, land, registry
from ingest.identifiers import org_check_char

TAX_HEADER = "纳税人识别号,纳税人名称,评价年度,纳税信用级别,评价日期\n"


def lake_rows(home: Path, table: str) -> pl.DataFrame:
    return pl.read_parquet(home / "lake" / table / "*" / "*.parquet")


def quarantine(home: Path, feed_id: str) -> pl.DataFrame:
    return pl.read_parquet(home / "lake" / "_quarantine" / feed_id / "*.parquet")


def assert_accounted(results: list[dict]) -> None:
    """A loaded file accounts for every row it delivered; a held or duplicate file reports the rows it
    delivered and lands none."""
    for e in entries(results).values():
        landed = e["rows_loaded"] + e["rows_quarantined"] + e["rows_unresolved"]
        assert e["rows_read"] == landed or (e["status"] in ("held", "duplicate") and landed == 0), e


def one_feed_inbox(tmp_path: Path, *files: str) -> Path:
    inbox = tmp_path / "inbox"
    for name in files:
        (inbox / Path(name).parent).mkdir(parents=True, exist_ok=True)
        shutil.copy(SAMPLE_INBOX / name, inbox / name)
    return inbox


# -- the sample drop -------------------------------------------------------------------------------------


def test_sample_lands_with_every_row_accounted(landed_sample: tuple[Path, list[dict]]) -> None:
    home, results = landed_sample
    files = entries(results)
    assert len(files) == 18 and {e["status"] for e in files.values()} == {"loaded"}
    assert_accounted(results)
    for key, e in files.items():
        agency, name = key.split("/")
        if name.endswith(".csv"):
            encoding = "gb18030" if agency == "tax" else "utf-8-sig"
            lines = (SAMPLE_INBOX / key).read_text(encoding=encoding).strip().splitlines()
            assert e["rows_read"] == len(lines) - 1, key
    assert sum(e["rows_quarantined"] for e in files.values()) == 2
    assert sum(e["rows_unresolved"] for e in files.values()) == 0


def test_sample_bad_rows_are_quarantined_with_readable_reasons(landed_sample: tuple[Path, list[dict]]) -> None:
    home, _ = landed_sample
    bad_kind = quarantine(home, "quality/inspections").row(0, named=True)
    assert bad_kind["line"] == 8 and bad_kind["file"] == "quality/inspections_20261119.csv"
    assert bad_kind["reason"].startswith("kind: unknown code 'random_check' (expected one of quality_spot_check")
    assert json.loads(bad_kind["raw"])["record_id"] == "INS000015"
    bad_uscc = quarantine(home, "quality/violations").row(0, named=True)
    assert bad_uscc["reason"] == "uscc: check character wrong in '913301065032807880' (expected '7')"
    assert set(quarantine(home, "quality/violations").columns) == set(lake_schema.QUARANTINE_SCHEMA)


def test_sample_identifiers_resolve(landed_sample: tuple[Path, list[dict]]) -> None:
    home, _ = landed_sample
    inspections = lake_rows(home, "quality/inspections")
    full_width = inspections.filter(pl.col("record_id") == "INS000013").row(0, named=True)
    # named by its USCC: the lake keeps no second copy of it in `identifier` (staging restores it)
    assert (full_width["uscc"], full_width["identifier"], full_width["identifier_kind"]) == (
        "91330106405802108X", None, "uscc")
    tax = lake_rows(home, "tax/tax_credit").filter(pl.col("taxpayer_id") == "510104921254566").row(0, named=True)
    assert (tax["uscc"], tax["identifier"], tax["identifier_kind"], tax["unresolved_reason"]) == (
        "91510104921254566N", "510104921254566", "legacy_tax_no", None)
    customs = lake_rows(home, "customs/customs_credit").row(0, named=True)
    assert (customs["uscc"], customs["identifier"], customs["identifier_kind"]) == (
        "91310115097084131D", "3122930011", "customs_code")


def test_lake_layout_schema_and_stamps(landed_sample: tuple[Path, list[dict]]) -> None:
    home, results = landed_sample
    for table in registry.all_tables():  # every table resolves before its first delivery
        assert (home / "lake" / table.agency / table.name / "delivery=00000000_00" / "part-empty.parquet").exists()
    e = entries(results)["tax/tax_credit_20260420.csv"]
    part = home / "lake/tax/tax_credit/delivery=20260420_00" / f"part-{e['sha256'][:12]}.parquet"
    frame = pl.read_parquet(part)
    declared = [c.name for c in registry.get_feed("tax/tax_credit").tables[0].columns]
    assert frame.columns == [*declared, "uscc", "identifier", "identifier_kind", "unresolved_reason",
                             *lake_schema.STAMPS]
    assert frame.schema["rated_on"] == pl.Date and frame.schema["evaluation_year"] == pl.Int64
    assert frame.schema["_delivery_seq"] == pl.Int32 and frame.schema["_source_line"] == pl.Int32
    row = frame.row(2, named=True)
    assert row["_source_file"] == "tax/tax_credit_20260420.csv" and row["_source_line"] == 4
    assert row["_delivery_id"] == "20260420_00" and row["_file_sha256"] == e["sha256"]
    bank = lake_rows(home, "bank/credit_report")
    assert bank.schema["loans"] == pl.List(pl.Struct({"contract_id": pl.String, "classification": pl.String,
                                                      "balance": pl.Float64, "overdue_days": pl.Int64}))
    manifest = json.loads((home / "lake/_manifest/tax/tax_credit/tax_credit_20260420.csv.json").read_text())
    assert list(manifest) == ["agency", "dataset", "file", "sha256", "delivery_date", "delivery_seq", "status",
                              "reason", "duplicate_of", "rows_read", "rows_loaded", "rows_quarantined",
                              "rows_unresolved", "tables", "warnings", "warning_count", "size", "mtime_ns"]
    assert not list((home / "lake").rglob("*.tmp"))


# -- bad files -------------------------------------------------------------------------------------------


def test_bad_files_are_rejected_whole_while_the_other_feeds_load(inbox: Path, tmp_path: Path) -> None:
    (inbox / "tax/tax_credit_20260420.csv").write_bytes(
        (TAX_HEADER + "911101087986432663,企业,2025,A,2026-04-18\n").encode("gb18030") + b"\xff\xfe,\n")
    (inbox / "commerce/registry_20261119.xlsx").write_bytes(b"PK\x03\x04 truncated")
    # cut short, then ended: a line that is not JSON (without its line end it would be refused as truncated)
    (inbox / "bank/credit_report_20261101.jsonl").write_bytes(
        (SAMPLE_INBOX / "bank/credit_report_20261031.jsonl").read_bytes()[:-20] + b"\n")
    (inbox / "quality/accidents_20261120.csv").write_text(
        "record_id,uscc,occurred_on,description\nACC9,911101087986432663,2026-06-03,x\n", encoding="utf-8")
    home = tmp_path / "home"
    results = land_all(inbox, home, AS_OF)
    files = entries(results)
    assert_accounted(results)
    rejected = {k: e["reason"] for k, e in files.items() if e["status"] == "rejected"}
    assert set(rejected) == {"tax/tax_credit_20260420.csv", "commerce/registry_20261119.xlsx",
                             "bank/credit_report_20261101.jsonl", "quality/accidents_20261120.csv"}
    assert "not valid gb18030" in rejected["tax/tax_credit_20260420.csv"]
    assert "not a readable workbook" in rejected["commerce/registry_20261119.xlsx"]
    assert "line 2 is not valid JSON" in rejected["bank/credit_report_20261101.jsonl"]
    assert "missing column(s) severity" in rejected["quality/accidents_20261120.csv"]
    for key in rejected:
        assert files[key]["rows_read"] == files[key]["rows_quarantined"] == 0
    assert not (home / "lake/tax/tax_credit/delivery=20260420_00").exists()
    # the bank feed keeps its previous state: the October report is still the latest landed one
    assert land.latest_snapshot(home, registry.get_feed("bank/credit_report").tables[0], AS_OF)[0] == "20261031_00"
    loaded = [k for k, e in files.items() if e["status"] == "loaded"]
    assert len(loaded) == 16
    summary = land.format_summary(results)
    assert "rejected" in summary and "not valid gb18030" in summary


def test_byte_identical_redelivery_under_another_name_is_a_duplicate(tmp_path: Path) -> None:
    inbox = one_feed_inbox(tmp_path, "quality/inspections_20261119.csv")
    shutil.copy(inbox / "quality/inspections_20261119.csv", inbox / "quality/inspections_20261120.csv")
    result = land.land_feed("quality/inspections", inbox, tmp_path / "home", AS_OF)
    first, second = result["files"]
    assert (first["status"], second["status"], second["duplicate_of"]) == ("loaded", "duplicate", first["file"])
    assert second["rows_read"] == first["rows_read"] > 0 and second["rows_loaded"] == 0  # read, nothing landed
    assert not (tmp_path / "home/lake/quality/inspections/delivery=20261120_00").exists()


# -- snapshots, order, as-of -----------------------------------------------------------------------------


def test_shrinking_snapshot_is_held(tmp_path: Path) -> None:
    inbox = one_feed_inbox(tmp_path, "quality/enterprises_20261119.csv")
    lines = (inbox / "quality/enterprises_20261119.csv").read_text(encoding="utf-8").splitlines()
    (inbox / "quality/enterprises_20261120.csv").write_text("\n".join(lines[:3]) + "\n", encoding="utf-8")
    (inbox / "quality/enterprises_20261120_01.csv").write_text(lines[0] + "\n", encoding="utf-8")
    (inbox / "quality/enterprises_20261120_02.csv").write_bytes(b"")
    home = tmp_path / "home"
    files = land.land_feed("quality/enterprises", inbox, home, AS_OF)["files"]
    assert [e["status"] for e in files] == ["loaded", "held", "held", "held"]
    assert "enterprises: 2 rows to land vs 15 in the previous delivery 20261119_00" in files[1]["reason"]
    assert "0 rows to land vs 15" in files[2]["reason"] and "0 rows to land vs 15" in files[3]["reason"]
    table = registry.get_feed("quality/enterprises").tables[0]
    delivery, rows = land.latest_snapshot(home, table, AS_OF)
    assert delivery == "20261119_00" and rows.height == 15


def test_same_day_redelivery_sorts_after_and_as_of_excludes_later_files(tmp_path: Path) -> None:
    inbox = one_feed_inbox(tmp_path, "quality/inspections_20261119.csv")
    folder = inbox / "quality"
    header = "record_id,uscc,kind,product,inspected_on,result,severity\n"
    (folder / "inspections_20261119_01.csv").write_text(
        header + "INS000001,91330106159655658P,quality_spot_check,产品甲,2026-04-12,pass,\n", encoding="utf-8")
    (folder / "inspections_20261121.csv").write_text(
        header + "INS000002,91330106159655658P,supervision_check,产品乙,2026-11-21,pass,\n", encoding="utf-8")
    (folder / "notes.txt").write_text("not a delivery", encoding="utf-8")
    home = tmp_path / "home"
    result = land.land_feed("quality/inspections", inbox, home, AS_OF)
    assert [e["file"] for e in result["files"]] == ["inspections_20261119.csv", "inspections_20261119_01.csv"]
    assert result["deferred"] == ["inspections_20261121.csv"]
    summary = land.format_summary([result])
    assert "dated after as-of, not landed in this run: quality/inspections_20261121.csv" in summary
    assert "no declared feed matches (ignored): quality/notes.txt" in summary
    assert not (home / "lake/quality/inspections/delivery=20261121_00").exists()
    later = land.land_feed("quality/inspections", inbox, home, "2026-11-21")
    assert [e.get("already_landed", False) for e in later["files"]] == [True, True, False]
    assert later["files"][2]["status"] == "loaded"
    seq = lake_rows(home, "quality/inspections").filter(pl.col("record_id") == "INS000001")
    assert sorted(seq["_delivery_id"].to_list()) == ["20261119_00", "20261119_01"]


# -- row-level checks ------------------------------------------------------------------------------------


def test_row_level_checks_quarantine_with_reasons(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    (inbox / "quality").mkdir(parents=True)
    rows = [
        "record_id,uscc,kind,product,inspected_on,result,severity",
        "INS1,911101087986432663,quality_spot_check,a,2026-04-12,pass,",  # fine
        "INS2,911101087986432663,quality_spot_check,a,2026-04-12,pass,",  # duplicate key ...
        "INS2,911101087986432663,quality_spot_check,a,2026-04-13,pass,",  # ... both quarantined
        "INS3,911101087986432663,quality_spot_check,a,2026-12-01,pass,",  # after the delivery date
        "INS4,911101087986432663,quality_spot_check,a,2026-13-01,pass,",  # not a date
        "INS5,911101087986432663,quality_spot_check,a,2026-04-12,pass,serious",  # severity without fail
        "INS6,,quality_spot_check,a,2026-04-12,fail,general",  # required value missing
        "INS7, ９１１１０１０８７９８６４３２６６３ ,Quality_Spot_Check,a,2026-04-12,fail,",  # case, fail w/o severity
    ]
    (inbox / "quality/inspections_20261119.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = land.land_feed("quality/inspections", inbox, tmp_path / "home", AS_OF)
    [e] = result["files"]
    assert_accounted([result])
    assert (e["rows_read"], e["rows_loaded"], e["rows_quarantined"]) == (8, 1, 7)
    reasons = dict(quarantine(tmp_path / "home", "quality/inspections").select("line", "reason").iter_rows())
    assert reasons[3] == reasons[4] == ("duplicate key record_id='INS2' (2 rows in this file): every row of a "
                                        "duplicated key is quarantined")
    assert reasons[5] == "inspected_on: 2026-12-01 is after the delivery date 2026-11-19"
    assert reasons[6] == "inspected_on: '2026-13-01' is not a date in %Y-%m-%d"
    assert reasons[7] == "severity: 'serious' is set although result is not fail"
    assert reasons[8] == "uscc: required value missing"
    assert "kind: unknown code 'Quality_Spot_Check'" in reasons[9]
    assert "severity: required when result is fail" in reasons[9]


def test_range_violation_and_loan_warning(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    (inbox / "quality").mkdir(parents=True)
    (inbox / "bank").mkdir()
    (inbox / "quality/production_stats_20260301.csv").write_text(
        "uscc,year,factory_pass_rate,supervision_test_pass_rate\n911101087986432663,2025,100.5,\n"
        "91320583162243750U,2025,99.5,abc\n", encoding="utf-8")
    report = [
        {"uscc": "911101087986432663", "reportDate": "2026-10-31", "loans": [
            {"contractId": "L-1", "classification": "正常", "balance": 10.0, "overdueDays": 0},
            {"contractId": "L-2", "classification": "关注", "balance": 10.0, "overdueDays": 120}]},
        {"uscc": "91370202508935368Q", "reportDate": "2026-10-31", "loans": [
            {"contractId": "L-3", "classification": "未知", "balance": -1, "overdueDays": 3}]},
    ]
    (inbox / "bank/credit_report_20261031.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in report) + "\n", encoding="utf-8")
    home = tmp_path / "home"
    stats = land.land_feed("quality/production_stats", inbox, home, AS_OF)
    reasons = quarantine(home, "quality/production_stats")["reason"].to_list()
    assert reasons == ["factory_pass_rate: 100.5 is out of range [0, 100]",
                       "supervision_test_pass_rate: 'abc' is not a valid float"]
    assert_accounted([stats])
    bank = land.land_feed("bank/credit_report", inbox, home, AS_OF)
    [e] = bank["files"]
    assert (e["rows_loaded"], e["rows_quarantined"], e["warning_count"]) == (1, 1, 1)
    assert e["warnings"][0]["line"] == 1 and e["warnings"][0]["rule"] == "overdue_90_days_at_least_substandard"
    assert "loans[1]: overdue more than 90 days but classified 'special_mention'" in e["warnings"][0]["reason"]
    bad = quarantine(home, "bank/credit_report")["reason"][0]
    assert "loans[0].classification: unknown loan_classification value '未知'" in bad
    assert "loans[0].balance: -1 is out of range [0, ]" in bad
    landed = lake_rows(home, "bank/credit_report")
    assert landed["loans"][0][1]["classification"] == "special_mention"  # loaded as delivered


def test_valid_but_unknown_legacy_number_lands_unresolved(tmp_path: Path) -> None:
    inbox = one_feed_inbox(tmp_path, "quality/enterprises_20261119.csv")
    (inbox / "tax").mkdir()
    legacy = f"33010612345678{org_check_char('12345678')}"  # valid, but no enterprise carries it
    (inbox / "tax/tax_credit_20260420.csv").write_bytes((
        TAX_HEADER + f"510104921254566,S09,2025,D,2026/04/18\n{legacy},无名,2025,B,2026-04-18\n"
    ).encode("gb18030"))
    home = tmp_path / "home"
    land.land_feed("quality/enterprises", inbox, home, AS_OF)
    result = land.land_feed("tax/tax_credit", inbox, home, AS_OF)
    [e] = result["files"]
    assert (e["rows_loaded"], e["rows_unresolved"], e["rows_quarantined"]) == (1, 1, 0)
    row = lake_rows(home, "tax/tax_credit").filter(pl.col("uscc").is_null()).row(0, named=True)
    assert row["unresolved_reason"] == (
        f"legacy tax number '{legacy}': no enterprise in quality/enterprises (delivery 20261119_00) has "
        f"organization code '{legacy[6:]}' at USCC positions 9-17")


# -- a feed added by declaration alone -------------------------------------------------------------------

SIXTH = """\
agency: energy
dataset: meters
title: Metering device calibrations (a throwaway sixth agency)
format: csv
encoding: utf-8
file_pattern: "meters_{YYYYMMDD}[_{NN}].csv"
mode: events
key: [meter_id]
identifier: {column: owner, kinds: [uscc]}
columns:
  - {source: 表号, name: meter_id, type: str, required: true}
  - {source: 单位, name: owner, type: str, required: true}
  - {source: 结论, name: verdict, type: str, required: true, lookup: verdict}
  - {source: 误差, name: error_pct, type: float, range: [-5, 5]}
lookups:
  verdict: {合格: pass, 不合格: fail}
expectations: energy__meters
"""

SIXTH_SUITE = {"name": "energy__meters", "expectations": [{
    "type": "expect_column_values_to_not_be_null",
    "kwargs": {"column": "error_pct", "row_condition": 'verdict == "fail"', "condition_parser": "pandas"},
    "meta": {"rule": "error_when_fail", "reason": "error_pct: required when verdict is fail"}}]}


def test_a_sixth_agency_lands_by_declaration_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    feeds = tmp_path / "feeds" / "energy"
    feeds.mkdir(parents=True)
    (feeds / "meters.yml").write_text(SIXTH, encoding="utf-8")
    (feeds / "energy__meters.json").write_text(json.dumps(SIXTH_SUITE), encoding="utf-8")  # beside it
    monkeypatch.setenv("QCREDIT_EXTRA_FEEDS", str(tmp_path / "feeds"))
    assert "energy/meters" in registry.feed_ids()
    inbox = tmp_path / "inbox" / "energy"
    inbox.mkdir(parents=True)
    (inbox / "meters_20261119.csv").write_text(
        "表号,单位,结论,误差\nM1,911101087986432663,合格,0.5\nM2,911101087986432663,不合格,\n"
        "M3,911101087986432663,报废,1\nM4,91110108798643266X,合格,9\n", encoding="utf-8")
    home = tmp_path / "home"
    result = land.land_feed("energy/meters", tmp_path / "inbox", home, AS_OF)
    [e] = result["files"]
    assert (e["status"], e["rows_loaded"], e["rows_quarantined"]) == ("loaded", 1, 3)
    reasons = quarantine(home, "energy/meters")["reason"].to_list()
    assert reasons[0] == "error_pct: required when verdict is fail"
    assert reasons[1] == "verdict: unknown verdict value '报废' (expected one of pass, fail)"
    assert reasons[2].startswith("owner: check character wrong in '91110108798643266X'")
    assert "error_pct: 9 is out of range [-5, 5]" in reasons[2]
    assert lake_rows(home, "energy/meters")["verdict"].to_list() == ["pass"]


def test_feeds_resolving_through_each_other_are_refused_by_name(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Each would have to land after the other: the registry refuses the pair when it loads, naming the cycle,
    instead of a run that never starts them."""
    feeds = tmp_path / "feeds" / "energy"
    feeds.mkdir(parents=True)
    for name, other in (("meters", "sites"), ("sites", "meters")):
        declaration = SIXTH.replace("dataset: meters", f"dataset: {name}").replace(
            "meters_{YYYYMMDD}", f"{name}_{{YYYYMMDD}}").replace(
            "identifier: {column: owner, kinds: [uscc]}",
            f"identifier: {{column: owner, kinds: [uscc, customs_code], resolve_via: energy/{other}}}")
        (feeds / f"{name}.yml").write_text(declaration, encoding="utf-8")
    monkeypatch.setenv("QCREDIT_EXTRA_FEEDS", str(tmp_path / "feeds"))
    with pytest.raises(registry.RegistryError, match="resolve_via forms a cycle") as refused:
        registry.feed_ids()
    assert "energy/meters -> energy/sites -> energy/meters" in str(refused.value)


# -- a batch of files lands as the files would one by one ------------------------------------------------

INSPECTIONS = "record_id,uscc,kind,product,inspected_on,result,severity"
U1, U2, U3 = "911101087986432663", "91370202508935368Q", "91320583162243750U"
BATCH_FILES = {
    "quality/inspections": {
        "inspections_20261110.csv": [INSPECTIONS, f"INS1,{U1},quality_spot_check,a,2026-11-10,pass,",
                                     f"INS2,{U1},quality_spot_check,a,2026-11-12,pass,",  # after 11-10
                                     f"INS3,{U2},supervision_check,b,2026-10-01,fail,general"],
        "inspections_20261112.csv": [INSPECTIONS + ",note",  # an undeclared extra column
                                     f"INS2,{U1},quality_spot_check,a,2026-11-12,pass,,x",  # fine on 11-12
                                     f"INS4,{U2},quality_spot_check,a,2026-11-01,pass,,y",
                                     f"INS4,{U3},quality_spot_check,a,2026-11-02,pass,,z"],  # key twice
        "inspections_20261112_01.csv": [INSPECTIONS.removesuffix(",severity"),  # missing column: rejected
                                        f"INS5,{U1},quality_spot_check,a,2026-11-01,pass"],
        "inspections_20261115.csv": None,  # byte-identical to inspections_20261110.csv: duplicate
        "inspections_20261118.csv": [INSPECTIONS, f"INS6,{U3},random_check,a,2026-11-17,pass,",  # bad row
                                     f"INS7,{U3},quality_spot_check,a,2026-11-17,fail,",  # bad row
                                     f"INS1,{U1},quality_spot_check,a,2026-11-10,pass,"],  # key again: fine
        "inspections_20261119.csv": [],  # zero bytes: lands nothing, quarantines nothing
    },
    "bank/credit_report": {
        "credit_report_20261031.jsonl": [(U1, "2026-10-31", [("L1", "关注", 120)]), (U2, "2026-10-31", [])],
        "credit_report_20261101.jsonl": [(U1, "2026-11-01", []), (U2, "2026-11-02", []),  # after 11-01
                                         (U3, "2026-11-01", [("L2", "正常", 0)])],
        "credit_report_20261102.jsonl": [(U1, None, [])],  # no reportDate anywhere: rejected
        "credit_report_20261103.jsonl": [(U1, "2026-11-03", [("L3", "未知", 0)])],  # 0 to land: held
        "credit_report_20261104.jsonl": [(U1, "2026-11-02", [("L4", "关注", 95)]), (U3, "2026-11-04", [])],
        "credit_report_20261105.jsonl": [],  # zero bytes: an empty snapshot, held
    },
}
BATCH_STATUSES = {
    "quality/inspections": ["loaded", "loaded", "rejected", "duplicate", "loaded", "loaded"],
    "bank/credit_report": ["loaded", "loaded", "rejected", "held", "loaded", "held"],
}


def write_batch_file(path: Path, spec: list | None, first: Path) -> None:
    if spec is None:
        shutil.copy(first, path)
    elif path.suffix == ".csv":
        path.write_text("".join(line + "\n" for line in spec), encoding="utf-8")
    else:
        records = [{"uscc": u, **({"reportDate": day} if day else {}), "loans": [
            {"contractId": c, "classification": k, "balance": 1.0, "overdueDays": o} for c, k, o in loans]}
            for u, day, loans in spec]
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")


@pytest.mark.parametrize("batch_rows", [land.BATCH_ROWS, 4])
@pytest.mark.parametrize("feed_id", list(BATCH_FILES))
def test_a_batch_lands_each_file_as_landing_them_one_by_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           feed_id: str, batch_rows: int) -> None:
    monkeypatch.setattr(land, "BATCH_ROWS", batch_rows)  # 4: consecutive groups of files within one call
    agency = feed_id.split("/")[0]
    names = list(BATCH_FILES[feed_id])
    batch_inbox, single_inbox = tmp_path / "batch" / agency, tmp_path / "single" / agency
    batch_inbox.mkdir(parents=True)
    single_inbox.mkdir(parents=True)
    for name, spec in BATCH_FILES[feed_id].items():
        write_batch_file(batch_inbox / name, spec, batch_inbox / names[0])
    together = land.land_feed(feed_id, batch_inbox.parent, tmp_path / "home_batch", AS_OF)
    one_by_one = []
    for name in names:
        shutil.copy(batch_inbox / name, single_inbox / name)
        result = land.land_feed(feed_id, single_inbox.parent, tmp_path / "home_single", AS_OF)
        one_by_one.append(result["files"][-1])
    assert [e["status"] for e in together["files"]] == BATCH_STATUSES[feed_id]
    assert without_paths(together["files"]) == without_paths(one_by_one)
    assert_same_landing(tmp_path / "home_batch", tmp_path / "home_single", feed_id)
    assert_accounted([together])


def test_batch_dates_are_checked_against_their_own_delivery(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox" / "quality"
    inbox.mkdir(parents=True)
    for name, spec in BATCH_FILES["quality/inspections"].items():
        write_batch_file(inbox / name, spec, inbox / "inspections_20261110.csv")
    home = tmp_path / "home"
    files = {e["file"]: e for e in land.land_feed("quality/inspections", inbox.parent, home, AS_OF)["files"]}
    reasons = quarantine(home, "quality/inspections").select("file", "line", "reason").rows()
    assert ("quality/inspections_20261110.csv", 3,
            "inspected_on: 2026-11-12 is after the delivery date 2026-11-10") in reasons
    assert ("quality/inspections_20261112.csv", 3, "duplicate key record_id='INS4' (2 rows in this file): every "
            "row of a duplicated key is quarantined") in reasons
    assert (files["inspections_20261112.csv"]["rows_loaded"], files["inspections_20261118.csv"]["rows_loaded"]) == (
        1, 1)
    assert "missing column(s) severity" in files["inspections_20261112_01.csv"]["reason"]
    raw = dict(quarantine(home, "quality/inspections").filter(pl.col("line") == 3).select("file", "raw").rows())
    assert json.loads(raw["quality/inspections_20261112.csv"])["note"] == "y"  # each file's own columns
    assert "note" not in json.loads(raw["quality/inspections_20261110.csv"])


@pytest.mark.parametrize("feed_id", list(BATCH_FILES))
def test_a_file_validated_in_slices_lands_as_validated_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             feed_id: str) -> None:
    """BATCH_ROWS = 1 validates every file one row at a time: duplicate keys (INS4 twice in one file) are
    still found across slices, and manifests, lake and quarantine match landing whole files."""
    agency = feed_id.split("/")[0]
    inbox = tmp_path / "inbox" / agency
    inbox.mkdir(parents=True)
    names = list(BATCH_FILES[feed_id])
    for name, spec in BATCH_FILES[feed_id].items():
        write_batch_file(inbox / name, spec, inbox / names[0])
    whole = land.land_feed(feed_id, inbox.parent, tmp_path / "whole", AS_OF)
    monkeypatch.setattr(land, "BATCH_ROWS", 1)
    sliced = land.land_feed(feed_id, inbox.parent, tmp_path / "sliced", AS_OF)
    assert without_paths(sliced["files"]) == without_paths(whole["files"])
    assert_same_landing(tmp_path / "whole", tmp_path / "sliced", feed_id)


def test_the_sample_drop_validated_in_slices_lands_as_validated_whole(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Every format, the workbook's three sheets and identifier resolution, one row at a time."""
    land_all(SAMPLE_INBOX, tmp_path / "whole", AS_OF)
    monkeypatch.setattr(land, "BATCH_ROWS", 1)
    land_all(SAMPLE_INBOX, tmp_path / "sliced", AS_OF)
    for feed_id in registry.feed_ids():
        assert_same_landing(tmp_path / "whole", tmp_path / "sliced", feed_id)
