"""A broken feed declaration stops only its own feed: the others land and grade, and the run ends non-zero
naming the declaration and the error."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from ingest import registry
from qcredit.cli import main

AS_OF = "2026-11-20"
FEEDS = Path(registry.__file__).resolve().parent / "feeds"


@pytest.fixture
def broken_awards(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The project's declarations with one typo: quality/awards says `encoding: utf8`."""
    feeds = Path(shutil.copytree(FEEDS, tmp_path / "feeds"))
    awards = feeds / "quality" / "awards.yml"
    awards.write_text(awards.read_text(encoding="utf-8").replace("encoding: utf-8", "encoding: utf8"),
                      encoding="utf-8")
    monkeypatch.setattr(registry, "FEEDS_DIR", feeds)
    return awards


def test_the_registry_reports_a_broken_declaration_and_loads_the_others(broken_awards: Path) -> None:
    assert registry.broken_declarations() == {
        broken_awards: "encoding 'utf8' not in ['gb18030', 'utf-8', 'utf-8-sig']"}
    assert "quality/awards" not in registry.load_registry() and "quality/enterprises" in registry.load_registry()
    with pytest.raises(registry.RegistryError, match="the declaration of quality/awards is broken: .*utf8"):
        registry.get_feed("quality/awards")


def test_a_feed_resolving_through_a_broken_one_is_reported_too(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    feeds = Path(shutil.copytree(FEEDS, tmp_path / "feeds"))
    register = feeds / "quality" / "enterprises.yml"
    register.write_text(register.read_text(encoding="utf-8").replace("mode: snapshot", "mode: snapshots"),
                        encoding="utf-8")
    monkeypatch.setattr(registry, "FEEDS_DIR", feeds)
    broken = registry.broken_declarations()
    assert "mode 'snapshots' not in" in broken[register]
    dependents = [path for path, error in broken.items() if "quality/enterprises is not declared or its" in error]
    assert dependents, broken  # they would resolve identifiers through the register: they cannot land either
    assert all(path.stem not in registry.load_registry() for path in dependents)


def test_the_other_feeds_land_and_grade_and_the_run_names_the_declaration(
        broken_awards: Path, tmp_path: Path, sample_inbox: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inbox, home = Path(shutil.copytree(sample_inbox, tmp_path / "inbox")), tmp_path / "home"
    assert main(["run", "--inbox", str(inbox), "--home", str(home), "--as-of", AS_OF]) == 1
    captured = capsys.readouterr()
    assert (f"broken feed declaration {broken_awards}: encoding 'utf8' not in ['gb18030', 'utf-8', 'utf-8-sig'] "
            "(its feed did not land)") in captured.err.splitlines()
    assert "quality/awards_20261119.csv: the declaration of quality/awards is broken" in captured.out
    folder = home / "exports" / AS_OF
    with (folder / "enterprise_levels.csv").open(encoding="utf-8") as f:
        assert len(list(csv.DictReader(f))) > 0  # graded from the feeds that landed
    assert (home / "lake/_manifest/quality/enterprises/enterprises_20261119.csv.json").is_file()
    assert not (home / "lake/_manifest/quality/awards").exists()
    # the broken feed's dbt source resolved from the last good schema: an empty file, no delivery
    assert [p.parent.name for p in (home / "lake/quality/awards").glob("*/*.parquet")] == ["delivery=00000000_00"]
    with (folder / "files_needing_attention.csv").open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["status"] == "broken_declaration"]
    assert [r["file"] for r in rows] == [str(broken_awards)]


def test_dbt_sources_are_not_rewritten_while_a_declaration_is_broken(broken_awards: Path, capsys) -> None:
    from qcredit import dbt_sources

    sources = dbt_sources.settings.DBT_PROJECT_DIR / "models/staging/quality/_quality__sources.yml"
    before = sources.read_text(encoding="utf-8")
    assert dbt_sources.main([]) == 1
    assert f"broken feed declaration {broken_awards}" in capsys.readouterr().err
    assert sources.read_text(encoding="utf-8") == before  # awards keeps its last good schema
