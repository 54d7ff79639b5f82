"""Constants and helpers shared by the ingest tests (fixtures live in conftest.py)."""

from __future__ import annotations

from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "samples"
SAMPLE_INBOX = SAMPLES / "inbox"
AS_OF = "2026-11-20"


def entries(results: list[dict]) -> dict[str, dict]:
    """Manifest entries by `<agency>/<file>`."""
    return {f"{e['agency']}/{e['file']}": e for r in results for e in r["files"]}
