"""Shared fixtures: where the project's own test data lives (a fresh clone has no ../shared)."""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
SAMPLES = TESTS / "fixtures" / "samples"


@pytest.fixture(scope="session")
def sample_inbox() -> Path:
    """The hand-worked sample drop (FEEDS.md shapes), graded as of 2026-11-20 in samples/expected.json."""
    return SAMPLES / "inbox"


@pytest.fixture(scope="session")
def sample_expected() -> Path:
    return SAMPLES / "expected.json"
