"""Drills: files that are not what they claim, delivered among good ones (FEEDS.md, "Files that are not what
they claim"). Each hostile file is refused one by one with its reason, in the manifest and in the run's
report; the run exits 0 and the good files grade exactly as in a clean run; a rerun does the same.

The drop is graded three times: run 1 with every hostile file, run 2 after the landed enterprises snapshot was
overwritten by a partial copy (and a stale temporary manifest left behind), run 3 as a plain rerun.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import polars as pl
import pytest

from tests.drills import hostile
from tests.drills.conftest import AS_OF, good_drop, published, qcredit, run_args

# drill -> (builder, status, reason fragment): each lands nothing and is reported with that reason
REFUSED = {
    "zip bomb (declared size)": (hostile.zip_bomb_declared, "rejected", "would unpack to"),
    "zip bomb (parser memory)": (hostile.zip_bomb_parsed, "rejected", "workbook reader failed"),
    "JSON nested 1,000 deep": (hostile.deep_json, "rejected", "nested deeper than 32 levels"),
    "truncated last line": (hostile.truncated_csv, "rejected", "truncated: the last line lacks its line end"),
    "_00 beside no suffix": (hostile.delivery_clash, "conflict", "delivery 20261119_00 already landed as "
                                                                  "enterprises_20261119.csv"),
    "_00 clash in an events feed": (hostile.events_clash, "conflict", "delivery 20261119_00 already landed as "
                                                                      "inspections_20261119.csv"),
    "symbolic link outside the inbox": (hostile.symlink_outside, "rejected", "a symbolic link"),
    "duplicated header": (hostile.duplicated_header, "rejected", "names column(s) 'kind' more than once"),
    "folder under a delivery name": (hostile.folder_as_file, "rejected", "not a regular file"),
    "field longer than the limit": (hostile.long_field, "rejected", "a field longer than 65536 bytes"),
    "shrunk snapshot": (hostile.shrunk_snapshot, "held", "held for review"),
    "byte-identical copy": (hostile.byte_identical, "duplicate", "byte-identical to customs_registry_20261119.csv"),
}
IGNORED = {"full-width digits": hostile.full_width_name, "outside an agency folder": hostile.outside_agency_folder}
ATTENTION = ("rejected", "held", "conflict")


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory, sample_inbox: Path, baseline: dict) -> dict:
    root = tmp_path_factory.mktemp("drill") / "o'hostile"  # a quote in every path: SQL never pastes one
    inbox = good_drop(root, sample_inbox)
    files = {name: build(inbox) for name, (build, *_) in REFUSED.items()}
    ignored = {name: build(inbox) for name, build in IGNORED.items()}
    arriving = hostile.still_arriving(inbox)
    home = root / "home"
    runs = [_run(inbox, home)]
    files["changed under a landed name"] = hostile.partial_over_landed(inbox)
    stale = home / "lake/_manifest/quality/inspections/.inspections_20261119.csv.json.4242.tmp"
    stale.write_text("{", encoding="utf-8")
    runs += [_run(inbox, home), _run(inbox, home)]
    return {"inbox": inbox, "home": home, "runs": runs, "files": files, "ignored": ignored, "arriving": arriving,
            "stale": stale}


def _run(inbox: Path, home: Path) -> dict:
    done = qcredit(*run_args(inbox, home))
    folder = home / "exports" / AS_OF
    summary = json.loads((folder / "run_summary.json").read_text(encoding="utf-8")) if done.returncode == 0 else {}
    with (folder / "quarantine.csv").open(encoding="utf-8", newline="") as f:
        quarantine = list(csv.DictReader(f))
    return {"done": done, "summary": summary, "published": published(home), "quarantine": quarantine,
            "entries": _entries(home)}


def _entries(home: Path) -> dict[str, dict]:
    """Manifest and conflict entries by `agency/file`."""
    manifests = home / "lake/_manifest"
    out = {}
    for path in [*manifests.glob("*/*/*.json"), *manifests.glob("*/*/_conflicts/*.json")]:
        entry = json.loads(path.read_text(encoding="utf-8"))
        out[f"{entry['agency']}/{entry['file']}"] = entry
    return out


def test_every_run_exits_0(drill):
    for number, run in enumerate(drill["runs"], start=1):
        assert run["done"].returncode == 0, (number, run["done"].stderr)


def test_good_files_grade_exactly_as_in_a_clean_run(drill, baseline):
    for run in drill["runs"]:
        assert set(run["published"]) == set(baseline["published"])
        for name, data in baseline["published"].items():
            if name != "quarantine.csv":  # it lists the hostile files too
                assert run["published"][name] == data, _first_differences(name, data, run["published"][name])
        clean_quarantine = baseline["published"]["quarantine.csv"].decode().splitlines()[1:]
        assert set(clean_quarantine) <= set(run["published"]["quarantine.csv"].decode().splitlines())


def _first_differences(name: str, clean: bytes, drilled: bytes) -> str:
    """What differs, for a failure that shows up rarely (seen twice under load, never reproduced)."""
    import difflib

    diff = difflib.unified_diff(clean.decode().splitlines(), drilled.decode().splitlines(), "clean", "drill",
                                lineterm="", n=0)
    return f"{name} differs:\n" + "\n".join(list(diff)[:20])


DRILLS = [*REFUSED, "changed under a landed name"]


@pytest.mark.parametrize("name", DRILLS)
def test_hostile_file_is_refused_with_its_reason_in_manifest_and_report(drill, name):
    rel = drill["files"][name]
    status, reason = (("conflict", "differs from what loaded under this name")
                      if name == "changed under a landed name" else REFUSED[name][1:])
    runs = drill["runs"][1:] if name == "changed under a landed name" else drill["runs"]
    for night, run in enumerate(runs):
        entry = run["entries"][rel]
        assert entry["status"] == status and reason in entry["reason"], entry
        reported = [f for f in run["summary"]["files"] if f"{f['agency']}/{f['file']}" == rel
                    and f["status"] == status]
        if night == 0 or status == "conflict":  # a conflict is decided afresh by every landing
            # the night's report lists the file with its reason (beside its landed original, for changed content)
            assert [reason in f["reason"] for f in reported] == [True]
            attention = [f"{f['agency']}/{f['file']}" for f in run["summary"]["needs_attention"]]
            assert (rel in attention) == (status in ATTENTION)
        else:  # not news again: a held file is listed as still open from an earlier night
            assert reported == []
            still_open = [f for f in run["summary"]["still_open"] if f"{f['agency']}/{f['file']}" == rel]
            assert len(still_open) == (status == "held")
        listed = [r for r in run["quarantine"] if f"{r['agency']}/{r['file']}" == rel and reason in r["reason"]]
        assert len(listed) == (status in ATTENTION)


@pytest.mark.parametrize("name", REFUSED)
def test_hostile_file_lands_nothing(drill, name):
    landed = {file for path in (drill["home"] / "lake").glob("*/*/delivery=*/*.parquet")
              for file in pl.read_parquet(path, columns=["_source_file"])["_source_file"].cast(pl.String)}
    assert drill["files"][name] not in landed


def test_a_rerun_decides_nothing_again(drill):
    """A refused file is never retried while its content is unchanged: runs 2 and 3 leave the same entries."""
    second, third = drill["runs"][1]["entries"], drill["runs"][2]["entries"]
    assert second == third


def test_changed_content_under_a_landed_name_keeps_the_landed_state(drill):
    entry = drill["runs"][2]["entries"]["quality/enterprises_20261119.csv"]
    assert entry["status"] == "conflict"
    conflict = drill["home"] / "lake/_manifest/quality/enterprises/_conflicts/enterprises_20261119.csv.json"
    assert json.loads(conflict.read_text(encoding="utf-8"))["status"] == "conflict"
    loaded = json.loads((drill["home"] / "lake/_manifest/quality/enterprises/enterprises_20261119.csv.json")
                        .read_text(encoding="utf-8"))
    assert loaded["status"] == "loaded" and loaded["rows_loaded"] == 15


def test_held_and_duplicate_files_report_the_rows_they_delivered(drill):
    entries = drill["runs"][0]["entries"]
    held, duplicate = entries[drill["files"]["shrunk snapshot"]], entries[drill["files"]["byte-identical copy"]]
    assert (held["rows_read"], held["rows_loaded"]) == (1, 0)
    assert (duplicate["rows_read"], duplicate["rows_loaded"]) == (1, 0)


def test_names_that_are_not_deliveries_are_listed_as_ignored_or_arriving(drill):
    for number, run in enumerate(drill["runs"]):
        # news on the first run; a rerun lists the same names with the same why as still open
        listed = run["summary"]["ignored"] if number == 0 else [
            {"path": "/".join(filter(None, (i["agency"], i["file"]))), "why": i["reason"]}
            for i in run["summary"]["still_open"] if i["status"] == "ignored"]
        ignored = {i["path"]: i["why"] for i in listed}
        assert number == 0 or run["summary"]["ignored"] == []
        arriving = [i["path"] for i in run["summary"]["still_arriving"]]
        assert "not plain ASCII" in ignored["quality/enterprises_２０２６1120.csv"]
        assert "inbox root" in ignored["enterprises_20261120.csv"]
        # dot names are an uploader's own temporaries: neither landed nor listed
        assert sorted(arriving) == sorted(a for a in drill["arriving"] if not a.split("/")[-1].startswith("."))
    entries = drill["runs"][-1]["entries"]
    assert not [k for k in entries if "２０２６" in k or k.endswith((".part", ".tmp"))]


def test_stale_temporary_manifest_is_cleaned(drill):
    assert not drill["stale"].exists()


def test_a_quoted_line_break_keeps_true_line_numbers_and_a_long_row_is_quarantined_alone(drill, baseline):
    for home in (drill["home"], baseline["home"]):
        lake = pl.read_parquet(home / "lake/quality/violations/delivery=20261120_00/*.parquet")
        lines = dict(zip(lake["record_id"].to_list(), lake["_source_line"].to_list(), strict=True))
        assert lines == {"VIO900001": 2, "VIO900004": 6}
        assert lake.filter(pl.col("record_id") == "VIO900001")["description"].item() == "现场检查\n第二行说明"
        quarantine = pl.read_parquet(home / "lake/_quarantine/quality/violations/violations_20261120.csv.parquet")
        reasons = dict(zip(quarantine["line"].to_list(), quarantine["reason"].to_list(), strict=True))
        assert set(reasons) == {4, 5}
        assert "8 fields where the header has 7" in reasons[5]
        entry = json.loads((home / "lake/_manifest/quality/violations/violations_20261120.csv.json")
                           .read_text(encoding="utf-8"))
        assert (entry["rows_read"], entry["rows_loaded"], entry["rows_quarantined"]) == (4, 2, 2)
        published_lines = {r["line"] for r in csv.DictReader(io.StringIO(
            (home / "exports" / AS_OF / "quarantine.csv").read_text(encoding="utf-8")))
            if r["file"] == hostile.AWKWARD}
        assert published_lines == {"4", "5"}
