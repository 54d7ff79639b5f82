"""`qcredit run` as a user meets it: the sample drop in, the files of OUTPUTS.md out."""

from __future__ import annotations

import csv
import filecmp
import json
import shutil
from pathlib import Path

import pytest

from qcredit.cli import main

AS_OF = "2026-11-20"
OUTPUT_FILES = {
    "enterprise_levels.csv": ["uscc", "name", "region_code", "as_of", "level", "provisional", "reasons", "signals",
                              "untrustworthy_elsewhere"],
    "risk_warnings.csv": ["uscc", "name", "region_code", "as_of", "risk_score", "action", "reasons", "signals"],
    "supervision_plan.csv": ["uscc", "level", "inspection_multiplier", "key_supervision", "measures"],
    "award_actions.csv": ["award_id", "uscc", "kind", "action"],
    "d_review_queue.csv": ["uscc", "name", "region_code", "as_of", "reasons", "review_status"],
    "level_changes.csv": ["uscc", "previous_as_of", "previous_level", "level"],
    "quarantine.csv": ["agency", "dataset", "file", "line", "reason"],
    "unresolved.csv": ["agency", "dataset", "file", "line", "identifier", "reason"],
    "public_a_list.csv": ["uscc", "name", "region_code", "level", "as_of"],
    "public_d_list.csv": ["uscc", "name", "region_code", "level", "as_of", "reasons"],
}


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def header(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as f:
        return next(csv.reader(f))


@pytest.fixture(scope="module")
def graded(tmp_path_factory, sample_inbox) -> Path:
    home = tmp_path_factory.mktemp("home")
    assert main(["run", "--inbox", str(sample_inbox), "--home", str(home), "--as-of", AS_OF]) == 0
    return home


def test_every_file_of_outputs_md_with_its_columns(graded):
    folder = graded / "exports" / AS_OF
    for name, columns in OUTPUT_FILES.items():
        got = header(folder / name)
        if name.startswith("public_"):
            assert got == columns, f"{name}: public files carry exactly the OUTPUTS.md columns"
        else:
            assert got[: len(columns)] == columns, name
    summary = json.loads((folder / "run_summary.json").read_text(encoding="utf-8"))
    assert summary["as_of"] == AS_OF and summary["ruleset_version"]
    assert set(summary["durations_seconds"]) == {"ingest", "grade", "export"}
    for f in summary["files"]:
        if f["status"] == "loaded":
            assert f["rows_read"] == f["rows_loaded"] + f["rows_quarantined"] + f["rows_unresolved"], f


def test_rows_are_sorted_and_values_formatted(graded):
    folder = graded / "exports" / AS_OF
    levels = read(folder / "enterprise_levels.csv")
    assert [r["uscc"] for r in levels] == sorted(r["uscc"] for r in levels)
    assert {r["provisional"] for r in levels} <= {"true", "false"}
    assert {r["level"] for r in levels} <= set("ABCD")
    plan = read(folder / "supervision_plan.csv")
    assert {r["inspection_multiplier"] for r in plan} <= {"0.5", "1.0", "2.0", "3.0"}
    for row in levels:
        assert row["reasons"] == ";".join(sorted(filter(None, row["reasons"].split(";"))))


def test_public_files_disclose_only_a_and_d_and_no_personal_data(graded, sample_inbox):
    folder = graded / "exports" / AS_OF
    personal = set()
    for row in read(sample_inbox / "quality" / "enterprises_20261119.csv"):
        personal |= {row["legal_rep"], row["phone"], row["address"]}
    levels = {r["uscc"]: r["level"] for r in read(folder / "enterprise_levels.csv")}
    for name, level in (("public_a_list.csv", "A"), ("public_d_list.csv", "D")):
        text = (folder / name).read_text(encoding="utf-8")
        assert not any(value in text for value in personal), f"{name} leaks personal data"
        for row in read(folder / name):
            assert row["level"] == level and levels[row["uscc"]] == level
            assert row["as_of"] == AS_OF
    for name in OUTPUT_FILES:
        text = (folder / name).read_text(encoding="utf-8")
        assert not any(value in text for value in personal), f"{name} carries personal data"


def test_rerun_on_the_same_inputs_gives_the_same_bytes(graded, sample_inbox, tmp_path):
    first = tmp_path / "first"
    shutil.copytree(graded / "exports" / AS_OF, first)
    assert main(["run", "--inbox", str(sample_inbox), "--home", str(graded), "--as-of", AS_OF]) == 0
    names = sorted(OUTPUT_FILES)
    match, mismatch, errors = filecmp.cmpfiles(first, graded / "exports" / AS_OF, names, shallow=False)
    assert (mismatch, errors) == ([], [])


def test_a_run_that_cannot_complete_says_why_in_one_line(tmp_path, capsys):
    assert main(["run", "--inbox", str(tmp_path / "missing"), "--home", str(tmp_path), "--as-of", AS_OF]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no inbox folder" in err[0]
    assert main(["run", "--inbox", str(tmp_path), "--home", str(tmp_path), "--as-of", "2026-13-45"]) != 0
