"""`qcredit release` and `qcredit reject`: a person decides about a held snapshot; who, when and why are kept."""

from __future__ import annotations

import getpass
import json
import shutil
from pathlib import Path

import pytest

from qcredit.cli import main

AS_OF = "2026-11-20"
HELD = "quality/enterprises_20261120.csv"
HELD_LICENCES = "quality/licences_20261120.csv"


def manifest(home: Path, agency_file: str) -> dict:
    agency, name = agency_file.split("/")
    dataset = name.rsplit("_", 1)[0]
    return json.loads((home / "lake/_manifest" / agency / dataset / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture
def landed(tmp_path: Path, sample_inbox: Path) -> tuple[Path, Path]:
    """The sample drop plus two shrunken snapshots (held), landed: (inbox, home)."""
    inbox, home = Path(shutil.copytree(sample_inbox, tmp_path / "inbox")), tmp_path / "home"
    # the register with 2 of its 15 rows, the licences with none of theirs: both under half the last delivery
    for held, source, rows in ((HELD, "quality/enterprises_20261119.csv", 2),
                               (HELD_LICENCES, "quality/licences_20261119.csv", 0)):
        lines = (sample_inbox / source).read_text(encoding="utf-8").splitlines()
        (inbox / held).write_text("\n".join(lines[:1 + rows]) + "\n", encoding="utf-8")
    assert main(["ingest", "--inbox", str(inbox), "--home", str(home), "--as-of", AS_OF, "--quiet"]) == 0
    assert manifest(home, HELD)["status"] == manifest(home, HELD_LICENCES)["status"] == "held"
    return inbox, home


def refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


def test_reject_records_who_when_and_why_and_is_final(landed: tuple[Path, Path], capsys) -> None:
    inbox, home = landed
    assert main(["reject", HELD_LICENCES, "--reason", "an empty export by mistake", "--home", str(home)]) == 0
    assert capsys.readouterr().out.strip() == f"rejected {HELD_LICENCES} for good"
    entry = manifest(home, HELD_LICENCES)
    assert entry["status"] == "rejected" and entry["reason"] == "rejected after review: an empty export by mistake"
    assert entry["review"]["by"] == getpass.getuser() and entry["review"]["decision"] == "rejected"
    line = refused(["release", HELD_LICENCES, "--reason", "changed my mind", "--home", str(home),
                    "--inbox", str(inbox)], capsys)
    assert line == (f"qcredit release: {HELD_LICENCES} is rejected, not held: only a held file can be released "
                    "or rejected")
    assert not list((home / "lake/quality/licences").glob("delivery=20261120_00"))


def test_release_and_reject_refuse_files_that_are_not_held(landed: tuple[Path, Path], capsys) -> None:
    inbox, home = landed
    loaded = "quality/enterprises_20261119.csv"
    before = manifest(home, loaded)
    assert "is loaded, not held" in refused(["reject", loaded, "--reason", "x", "--home", str(home)], capsys)
    assert "has not been delivered to this home" in refused(
        ["release", "quality/enterprises_20261121.csv", "--reason", "x", "--home", str(home), "--inbox", str(inbox)],
        capsys)
    assert "is no delivery of a declared feed of 'safety'" in refused(
        ["reject", "safety/meters_20261120.csv", "--reason", "x", "--home", str(home)], capsys)
    assert "expected <agency>/<file name>" in refused(["reject", "enterprises.csv", "--reason", "x", "--home",
                                                       str(home)], capsys)
    assert "the following arguments are required: --reason" in refused(["reject", HELD, "--home", str(home)],
                                                                        capsys)
    assert manifest(home, loaded) == before


def test_release_refuses_a_file_changed_since_it_was_held(landed: tuple[Path, Path], capsys) -> None:
    inbox, home = landed
    with (inbox / HELD).open("a", encoding="utf-8") as f:
        f.write("91110108798643266X,extra,110108,2010-03-01,C35,0,x,1,y\n")
    line = refused(["release", HELD, "--reason", "ok", "--home", str(home), "--inbox", str(inbox)], capsys)
    assert "has changed since it was held" in line
    assert manifest(home, HELD)["status"] == "held"


def test_release_lands_the_snapshot_and_the_next_ingest_adds_nothing(landed: tuple[Path, Path], capsys) -> None:
    inbox, home = landed
    assert main(["release", HELD, "--reason", "merger: the register shrank", "--by", "li.wei", "--home", str(home),
                 "--inbox", str(inbox)]) == 0
    entry = manifest(home, HELD)
    assert (entry["status"], entry["rows_read"], entry["rows_loaded"]) == ("loaded", 2, 2)
    assert (entry["review"]["by"], entry["review"]["reason"]) == ("li.wei", "merger: the register shrank")
    assert list((home / "lake/quality/enterprises").glob("delivery=20261120_00/*.parquet"))
    capsys.readouterr()
    assert main(["ingest", "--inbox", str(inbox), "--home", str(home), "--as-of", AS_OF]) == 0
    assert "read 0" in capsys.readouterr().out  # landed once, by the release


def test_a_review_waits_for_no_run_it_is_refused_while_one_holds_the_home(landed: tuple[Path, Path],
                                                                          capsys) -> None:
    """A release writes the lake and its manifest: beside a run on the same home it is refused, naming the run."""
    import subprocess
    import sys

    inbox, home = landed
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from qcredit.pipeline import home_lock\n"
         f"with home_lock({str(home)!r}, 'qcredit run --as-of {AS_OF}'):\n"
         "    print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert main(["release", HELD, "--reason", "ok", "--home", str(home), "--inbox", str(inbox)]) == 1
        err = capsys.readouterr().err
        assert f"another qcredit run is using {home}: pid {holder.pid}" in err
        assert f"qcredit run --as-of {AS_OF}" in err
        assert manifest(home, HELD)["status"] == "held"
    finally:
        holder.kill()
        holder.wait()
    assert main(["release", HELD, "--reason", "ok", "--home", str(home), "--inbox", str(inbox)]) == 0
