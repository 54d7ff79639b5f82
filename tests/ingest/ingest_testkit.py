"""Constants and helpers shared by the landing tests (fixtures live in conftest.py). The application's tests
(`tests/qcredit`) import it as `tests.ingest.ingest_testkit` to compare what its landing step wrote."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

from ingest import land, registry

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "samples"
SAMPLE_INBOX = SAMPLES / "inbox"
AS_OF = "2026-11-20"


def entries(results: list[dict]) -> dict[str, dict]:
    """Manifest entries by `<agency>/<file>`."""
    return {f"{e['agency']}/{e['file']}": e for r in results for e in r["files"]}


def land_all(inbox: Path, home: Path, as_of: str) -> list[dict]:
    """Every declared feed landed in this process, each after the feeds it resolves identifiers through (the
    order `qcredit.pipeline.ingest` lands them in): one `land.land_feed` result per feed."""
    land.ensure_lake(Path(home))
    return [land.land_feed(f, Path(inbox), Path(home), as_of) for wave in registry.landing_waves() for f in wave]


def landed_state(home: Path, feed_id: str) -> tuple[dict, dict, dict]:
    """(manifest entries, lake Parquet files, quarantine files) of one feed, by path."""
    lake = home / "lake"
    agency = feed_id.split("/")[0]
    read = {p.relative_to(lake).as_posix(): pl.read_parquet(p)
            for p in sorted(lake.glob(f"{agency}/*/delivery=*/*.parquet"))}
    quarantined = {p.name: pl.read_parquet(p) for p in sorted((lake / "_quarantine" / feed_id).glob("*.parquet"))}
    manifest = {p.name: without_paths([json.loads(p.read_text(encoding="utf-8"))])[0]
                for p in sorted((lake / "_manifest" / feed_id).glob("*.json"))}
    return manifest, read, quarantined


def assert_same_landing(home_a: Path, home_b: Path, feed_id: str) -> None:
    """The feed's manifests, lake Parquet and quarantine files are the same in both homes."""
    one, two = landed_state(home_a, feed_id), landed_state(home_b, feed_id)
    assert one[0] == two[0], feed_id
    for frames_one, frames_two in zip(one[1:], two[1:], strict=True):
        assert list(frames_one) == list(frames_two), feed_id
        for path, frame in frames_one.items():
            assert_frame_equal(frame, frames_two[path])


def without_paths(files: list[dict]) -> list[dict]:
    """Manifest entries less `quarantine_file`, a path that differs with the home folder, and the delivered
    file's modification time, which differs with the copy."""
    return [{k: v for k, v in e.items() if k not in ("quarantine_file", "mtime_ns")} for e in files]
