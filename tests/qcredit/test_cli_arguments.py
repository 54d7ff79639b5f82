"""Arguments are checked before anything is written: each refusal is one line saying what was expected, exit 2."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qcredit import __version__, homes
from qcredit.cli import main

AS_OF = "2026-11-20"


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Run the command; it must be refused (exit 2) with a single line on stderr, which is returned."""
    assert main(argv) == 2, argv
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


@pytest.fixture
def inbox(tmp_path: Path, sample_inbox: Path) -> Path:
    return Path(shutil.copytree(sample_inbox, tmp_path / "inbox"))


@pytest.mark.parametrize("as_of", ["2026-11", "2026-W47-1", "20261120", "2026-11-20T00:00", "yesterday"])
def test_dates_are_only_yyyy_mm_dd(as_of: str, inbox: Path, tmp_path: Path, capsys) -> None:
    home = tmp_path / "home"
    line = refused(["run", "--inbox", str(inbox), "--home", str(home), "--as-of", as_of], capsys)
    assert f"expected a date as YYYY-MM-DD, got {as_of!r}" in line
    assert not home.exists()


def test_a_date_not_on_the_calendar_is_refused(inbox: Path, tmp_path: Path, capsys) -> None:
    before = files_under(tmp_path)
    for command in ("run", "ingest"):
        line = refused([command, "--inbox", str(inbox), "--home", str(tmp_path / "h"), "--as-of", "2026-13-45"],
                       capsys)
        assert "'2026-13-45' is not a date on the calendar" in line
    line = refused(["generate", "--enterprises", "5", "--as-of", "2026-02-30", "--out", str(tmp_path / "d")], capsys)
    assert "'2026-02-30' is not a date on the calendar" in line
    assert files_under(tmp_path) == before  # nothing was written


def test_a_future_as_of_is_refused_unless_allowed_on_purpose(inbox: Path, tmp_path: Path, capsys) -> None:
    home = tmp_path / "home"
    line = refused(["run", "--inbox", str(inbox), "--home", str(home), "--as-of", "2030-01-01"], capsys)
    assert "--as-of 2030-01-01 is after today" in line and "Asia/Shanghai" in line and "--allow-future" in line
    for argv in (["ingest", "--inbox", str(inbox), "--home", str(home), "--as-of", "2030-01-01"],
                 ["export", "--home", str(home), "--as-of", "2030-01-01"],
                 ["generate", "--enterprises", "5", "--as-of", "2030-01-01", "--out", str(tmp_path / "d")]):
        assert "is after today" in refused(argv, capsys)
    assert not home.exists() and not (tmp_path / "d").exists()
    assert main(["ingest", "--inbox", str(inbox), "--home", str(home), "--as-of", "2030-01-01",
                 "--allow-future", "--quiet"]) == 0
    assert (home / homes.MARKER).is_file()


def test_a_home_under_a_missing_parent_is_refused(inbox: Path, tmp_path: Path, capsys) -> None:
    typo = tmp_path / "srv" / "qcredti" / "home"
    line = refused(["run", "--inbox", str(inbox), "--home", str(typo), "--as-of", AS_OF], capsys)
    assert f"its parent folder {typo.parent} does not exist" in line
    assert not (tmp_path / "srv").exists()


def test_a_folder_that_is_not_a_home_is_refused(inbox: Path, tmp_path: Path, capsys) -> None:
    documents = tmp_path / "documents"
    documents.mkdir()
    (documents / "notes.txt").write_text("mine", encoding="utf-8")
    line = refused(["ingest", "--inbox", str(inbox), "--home", str(documents), "--as-of", AS_OF], capsys)
    assert "is an existing folder that is not a qcredit home" in line and ".qcredit-home or lake/" in line
    assert files_under(documents) == ["notes.txt"]


def test_commands_on_an_existing_home_refuse_a_missing_one(tmp_path: Path, capsys) -> None:
    missing = tmp_path / "nohome"
    for argv in (["export", "--home", str(missing), "--as-of", AS_OF],
                 ["reject", "quality/enterprises_20261120.csv", "--reason", "x", "--home", str(missing)],
                 ["release", "quality/enterprises_20261120.csv", "--reason", "x", "--home", str(missing),
                  "--inbox", str(tmp_path)]):
        assert f"no qcredit home at {missing}" in refused(argv, capsys)
    assert not missing.exists()


def test_a_missing_inbox_is_refused_before_the_home_is_created(tmp_path: Path, capsys) -> None:
    home = tmp_path / "home"
    line = refused(["run", "--inbox", str(tmp_path / "nothere"), "--home", str(home), "--as-of", AS_OF], capsys)
    assert f"no inbox folder at {tmp_path / 'nothere'}" in line
    assert not home.exists()


def test_an_empty_inbox_on_a_new_home_is_an_error(tmp_path: Path, capsys) -> None:
    empty, home = tmp_path / "inbox", tmp_path / "home"
    (empty / "quality").mkdir(parents=True)
    (empty / "quality" / "readme.txt").write_text("no deliveries yet", encoding="utf-8")
    line = refused(["run", "--inbox", str(empty), "--home", str(home), "--as-of", AS_OF], capsys)
    assert "holds no delivery of a declared feed" in line and "nothing to land in the new home" in line
    assert not home.exists()


def test_an_empty_folder_becomes_a_home_and_is_marked(inbox: Path, tmp_path: Path, capsys) -> None:
    home = tmp_path / "home"
    home.mkdir()
    assert main(["ingest", "--inbox", str(inbox), "--home", str(home), "--as-of", AS_OF, "--quiet"]) == 0
    assert (home / homes.MARKER).is_file() and (home / "lake").is_dir()
    assert capsys.readouterr().out == ""  # --quiet: no table, no progress
    # a home made before the marker existed is recognized by its lake
    (home / homes.MARKER).unlink()
    assert homes.state(home) is homes.HomeState.HOME


def test_generate_refuses_no_enterprises_and_a_since_after_as_of(tmp_path: Path, capsys) -> None:
    out = tmp_path / "drop"
    for count in ("0", "-3"):
        line = refused(["generate", "--enterprises", count, "--as-of", AS_OF, "--out", str(out)], capsys)
        assert "expected a whole number above 0" in line
    line = refused(["generate", "--enterprises", "5", "--as-of", AS_OF, "--since", "2026-11-21", "--out", str(out)],
                   capsys)
    assert "--since 2026-11-21 is after --as-of 2026-11-20" in line
    line = refused(["generate", "--enterprises", "5", "--as-of", AS_OF, "--out", str(tmp_path / "a" / "b")], capsys)
    assert "its parent folder does not exist" in line
    assert not out.exists()


def test_version_and_help(capsys) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"qcredit {__version__}"
    assert main(["run", "--help"]) == 0
    text = capsys.readouterr().out
    assert "--allow-future" in text and "--quiet" in text and "land the deliveries" not in text
    assert main(["ingest", "--help"]) == 0
    assert "land the deliveries dated on or before this day" in capsys.readouterr().out  # not "grade as of"
