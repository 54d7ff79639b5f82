"""Shared fixtures: the sample drop (tests/fixtures/samples), copied so a test may add files to it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from ingest_testkit import AS_OF, SAMPLE_INBOX, land_all


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    """A private copy of the sample inbox."""
    return Path(shutil.copytree(SAMPLE_INBOX, tmp_path / "inbox"))


@pytest.fixture(scope="session")
def landed_sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    """The sample drop landed once as of 2026-11-20: (home, results)."""
    home = tmp_path_factory.mktemp("home")
    return home, land_all(SAMPLE_INBOX, home, AS_OF)
