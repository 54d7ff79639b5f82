"""The landing step of a run (`qcredit.pipeline.ingest`, `qcredit ingest`): re-ingest through the command line,
feeds landed in parallel processes as in one, and polars' allocator configured in each landing process."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from ingest import registry
from qcredit import pipeline
from qcredit.cli import main as cli_main
from tests.ingest.ingest_testkit import AS_OF, SAMPLE_INBOX, assert_same_landing, entries, without_paths


@pytest.fixture(scope="module")
def landed_sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    """The sample drop landed once by the pipeline's step as of 2026-11-20: (home, results)."""
    home = tmp_path_factory.mktemp("home")
    return home, pipeline.ingest(SAMPLE_INBOX, home, AS_OF)


def test_reingest_through_the_cli_adds_nothing(landed_sample: tuple[Path, list[dict]],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    home, _ = landed_sample
    before = sorted(str(p) for p in (home / "lake").rglob("*") if p.is_file())
    assert cli_main(["ingest", "--inbox", str(SAMPLE_INBOX), "--home", str(home), "--as-of", AS_OF]) == 0
    after = sorted(str(p) for p in (home / "lake").rglob("*") if p.is_file())
    assert before == after
    out = capsys.readouterr().out
    assert "already landed" in out and "totals: 18 files; read 0" in out



def test_feeds_landed_in_parallel_processes_land_as_in_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two landing processes (a fresh one per feed, forked from a server, a feed after the references it
    resolves through) give the same manifests, lake and quarantine as one process; the sample's legacy tax numbers
    and blank customs USCCs resolve only if their reference feeds landed first."""
    monkeypatch.setattr(pipeline.settings, "PARALLEL_INGEST_MIN_BYTES", 0)
    serial = pipeline.ingest(SAMPLE_INBOX, tmp_path / "serial", AS_OF, workers=1)
    parallel = pipeline.ingest(SAMPLE_INBOX, tmp_path / "parallel", AS_OF, workers=2)
    assert [r["feed_id"] for r in parallel] == [r["feed_id"] for r in serial]
    run_specific = ("seconds", "inbox", "peak_rss_mib")  # how long, where, how much memory (parallel only)
    for a, b in zip(serial, parallel, strict=True):
        assert without_paths(a["files"]) == without_paths(b["files"])
        assert {k: v for k, v in a.items() if k not in (*run_specific, "files")} == {
            k: v for k, v in b.items() if k not in (*run_specific, "files")}
    for feed_id in registry.feed_ids():
        assert_same_landing(tmp_path / "serial", tmp_path / "parallel", feed_id)
    assert sum(e["rows_unresolved"] for e in entries(parallel).values()) == 0
    assert all(r["peak_rss_mib"] > 0 for r in parallel)  # each feed's own process reports its peak



def test_a_landing_process_configures_polars_allocator_before_importing_polars(tmp_path: Path) -> None:
    """The allocator setting reaches polars in each landing process: jemalloc rejects an unknown option, and
    with `abort_conf` it stops the process, which it can do only if it read the setting. Run in a process of its
    own (no core dump, a landing server of its own) whose error output the test reads."""
    code = (
        "from qcredit import pipeline, settings\n"
        "settings.PARALLEL_INGEST_MIN_BYTES = 0\n"
        f"pipeline.ingest({str(SAMPLE_INBOX)!r}, {str(tmp_path / 'home')!r}, {AS_OF!r}, workers=2)\n"
    )
    env = {**os.environ, "QCREDIT_LANDING_ALLOCATOR_CONF": "abort_conf:true,no_such_option:1"}
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True,
                          preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_CORE, (0, 0)))
    assert done.returncode != 0
    assert "Invalid conf pair: no_such_option:1" in done.stderr
