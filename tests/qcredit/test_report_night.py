"""The run's report covers this night, and lists what earlier nights left open apart, without repeating it as news.

Three nights on the sample drop, through the command line as an operator runs it: the first brings a shrunken
enterprise snapshot (held), misnamed files and an upload in progress; the second brings nothing; after the held
snapshot is released, the third grades with it.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ingest import registry

AS_OF = "2026-11-20"
HELD = "quality/enterprises_20261120.csv"
IGNORED = {
    "badname.csv": "a file at the inbox root",
    "quality/inspections_2026-11-23.csv": "matches no declared file name (expected inspections_{YYYYMMDD}",
    "quality/inspections_20261345.csv": "impossible date 20261345 in the name",
    "quality/inspections 20261101.csv": "the name contains a space (expected inspections_{YYYYMMDD}",
    "safety/meters_20261101.csv": "no feed is declared for the agency folder 'safety'",
}
ARRIVING = "quality/licences_20261120.csv.part"
FIRST_NIGHT = AS_OF  # the as-of date of the run that first reported the ignored names


def qcredit(*args: str) -> subprocess.CompletedProcess[str]:
    """The command as a user runs it: a process of its own, output not a terminal (plain progress lines)."""
    return subprocess.run([sys.executable, "-m", "qcredit.cli", *args], capture_output=True, text=True, check=False)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def night(home: Path, inbox: Path) -> tuple[subprocess.CompletedProcess[str], dict, list[dict[str, str]]]:
    done = qcredit("run", "--inbox", str(inbox), "--home", str(home), "--as-of", AS_OF)
    assert done.returncode == 0, done.stderr
    folder = home / "exports" / AS_OF
    summary = json.loads((folder / "run_summary.json").read_text(encoding="utf-8"))
    return done, summary, read_csv(folder / "files_needing_attention.csv")


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory, sample_inbox: Path) -> dict:
    root = tmp_path_factory.mktemp("nights")
    inbox, home = Path(shutil.copytree(sample_inbox, root / "inbox")), root / "home"
    register = (sample_inbox / "quality" / "enterprises_20261119.csv").read_text(encoding="utf-8").splitlines()
    (inbox / HELD).write_text("\n".join(register[:4]) + "\n", encoding="utf-8")  # 3 rows where 15 were
    for name in [*IGNORED, ARRIVING]:
        (inbox / name).parent.mkdir(exist_ok=True)
        (inbox / name).write_text("x\n", encoding="utf-8")
    first = night(home, inbox)
    second = night(home, inbox)
    release = qcredit("release", HELD, "--reason", "the register really shrank", "--by", "reviewer",
                      "--home", str(home), "--inbox", str(inbox))
    third = night(home, inbox)
    return {"home": home, "first": first, "second": second, "release": release, "third": third}


def test_first_night_reports_its_files_held_ignored_and_arriving(nights: dict) -> None:
    done, summary, attention = nights["first"]
    out = done.stdout
    assert "this night: 19 new files (1 held, 18 loaded)" in out
    assert f"  held: {HELD}: enterprises: 3 rows to land vs 15" in out
    for name, why in IGNORED.items():
        assert f"  {name}: {why}" in out
    assert f"still arriving: 1 names\n  {ARRIVING}: still being uploaded" in out
    assert "still open from earlier nights" not in out
    assert summary["statuses"] == {"held": 1, "loaded": 18} and len(summary["files"]) == 19
    assert summary["rows"]["read"] == sum(f["rows_read"] for f in summary["files"]) > 0
    assert summary["needs_attention"] == [f for f in summary["files"] if f["status"] == "held"]
    assert {i["path"] for i in summary["ignored"]} == set(IGNORED)
    by_status = {(r["status"], r["agency"] + "/" + r["file"] if r["agency"] else r["file"]): r for r in attention}
    held = by_status[("held", HELD)]
    assert held["new_tonight"] == "true" and held["delivery_date"] == AS_OF
    assert f"qcredit release {HELD} --reason" in held["what_to_do"]
    assert {path for status, path in by_status if status == "ignored"} == set(IGNORED)
    assert ("still_arriving", ARRIVING) in by_status
    quarantined = [r for r in attention if r["status"] == "quarantined_rows"]
    assert sum(int(r["rows"]) for r in quarantined) == summary["rows"]["quarantined"]


def test_first_night_shows_progress_per_feed_and_per_model(nights: dict) -> None:
    err = nights["first"][0].stderr
    assert f"] landing: {len(registry.load_registry())} feeds" in err
    assert "]   quality/enterprises: 2 new files (1 held, 1 loaded)" in err
    assert "] grading: dbt build as of 2026-11-20" in err
    assert "]   model enterprise_levels: success (" in err
    assert "] grading done in " in err


def test_a_night_without_deliveries_repeats_nothing_as_news(nights: dict) -> None:
    done, summary, attention = nights["second"]
    out = done.stdout
    assert "this night: 0 new files (none); rows read 0: loaded 0, quarantined 0, unresolved 0" in out
    assert f"still open from earlier nights: {1 + len(IGNORED)}\n  held since {AS_OF}: {HELD}" in out
    assert summary["files"] == [] and summary["rows"]["read"] == 0
    assert summary["still_open"][0] == {"agency": "quality", "dataset": "enterprises", "file": HELD.split("/")[1],
                                        "status": "held", "reason": summary["still_open"][0]["reason"],
                                        "since": AS_OF}
    # the misnamed files were news the night they were first reported: now they are still open
    assert summary["ignored"] == [] and "ignored: " not in out
    ignored = {"/".join(filter(None, (i["agency"], i["file"]))): i for i in summary["still_open"][1:]}
    assert set(ignored) == set(IGNORED)
    assert all(i["status"] == "ignored" and i["since"] == FIRST_NIGHT for i in ignored.values())
    for name, why in IGNORED.items():
        assert why in ignored[name]["reason"]
        assert f"  ignored since {FIRST_NIGHT}: {name}" in out
    rows = [r for r in attention if r["status"] == "ignored"]
    assert len(rows) == len(IGNORED) and {r["new_tonight"] for r in rows} == {"false"}
    assert all(r["reason"].endswith(f"(reported since {FIRST_NIGHT})") for r in rows)
    first_totals = nights["first"][1]["totals"]
    assert summary["totals"] == first_totals  # since the home began: the same files, counted once
    held = [r for r in attention if r["status"] == "held"]
    assert [(r["file"], r["new_tonight"]) for r in held] == [(HELD.split("/")[1], "false")]
    assert len(json.dumps(summary)) < 20_000  # small: this run's files, totals for the rest


def test_a_released_snapshot_is_graded_by_the_next_run(nights: dict) -> None:
    release = nights["release"]
    assert release.returncode == 0, release.stderr
    assert f"released {HELD}: 3 rows landed" in release.stdout
    manifest = json.loads((nights["home"] / "lake/_manifest/quality/enterprises/enterprises_20261120.csv.json")
                          .read_text(encoding="utf-8"))
    assert manifest["status"] == "loaded" and manifest["rows_loaded"] == 3
    review = manifest["review"]
    assert (review["decision"], review["by"], review["reason"]) == ("released", "reviewer",
                                                                   "the register really shrank")
    assert review["at"] and review["held_reason"].startswith("enterprises: 3 rows to land vs 15")
    done, summary, attention = nights["third"]
    assert "held since" not in done.stdout  # released: no longer open; the misnamed files still are
    assert {i["status"] for i in summary["still_open"]} == {"ignored"}
    assert not [r for r in attention if r["status"] == "held"]
    levels = read_csv(nights["home"] / "exports" / AS_OF / "enterprise_levels.csv")
    before = nights["second"][1]["graded_enterprises"]
    assert summary["graded_enterprises"] == len(levels) != before  # graded with the 3-row register now
