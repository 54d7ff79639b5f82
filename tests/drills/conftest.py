"""Drills: hostile files and crashes, run through the real `qcredit` command (docs/drills.md).

Every drill builds its hostile file with a script (`hostile.py`) inside a drop of good ones: the sample drop
plus one good events file whose rows exercise line numbering (a quoted line break, a row with too many
fields). The baseline is a clean run of that good drop; a drill shows that the good files grade exactly as in
the baseline, byte for byte.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.drills import hostile

AS_OF = "2026-11-20"
# The workbook reader's child may hold 320 MiB (it holds about 100 MiB reading the sample workbook, nearly 500
# the 2M-row one), and workbooks may unpack to 1000 times their size, so the 2M-row workbook passes the size
# check and meets the memory limit instead.
READER_MEMORY_BYTES = 320 * 2**20
DRILL_ENV = {"QCREDIT_READER_MEMORY_BYTES": str(READER_MEMORY_BYTES), "QCREDIT_MAX_UNPACK_RATIO": "1000",
             "QCREDIT_WAREHOUSE_WAIT_SECONDS": "5"}


def qcredit(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The `qcredit` command line in a process of its own, as an operator runs it."""
    return subprocess.run([sys.executable, "-m", "qcredit.cli", *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, **DRILL_ENV, **(env or {})}, timeout=600)


def start_qcredit(*args: str | Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "qcredit.cli", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, **DRILL_ENV})


def run_args(inbox: Path, home: Path) -> list[str | Path]:
    return ["run", "--inbox", inbox, "--home", home, "--as-of", AS_OF]


def published(home: Path) -> dict[str, bytes]:
    """The CSV files published for AS_OF, by name; less files_needing_attention.csv, which reports what one
    night landed (a rerun after a kill lands what the killed run had not)."""
    folder = home / "exports" / AS_OF
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.csv")) if p.name != "files_needing_attention.csv"}


def good_drop(folder: Path, samples: Path) -> Path:
    """The sample drop and the good file with awkward rows, in `folder` (whose name may carry a quote)."""
    inbox = folder / "inbox"
    shutil.copytree(samples, inbox)
    hostile.awkward_rows(inbox)
    return inbox


@pytest.fixture(scope="session")
def baseline(tmp_path_factory: pytest.TempPathFactory, sample_inbox: Path) -> dict:
    """A clean run of the good drop: what every drill's good files must grade to."""
    root = tmp_path_factory.mktemp("baseline")
    inbox = good_drop(root, sample_inbox)
    home = root / "home"
    done = qcredit(*run_args(inbox, home))
    assert done.returncode == 0, done.stderr
    return {"inbox": inbox, "home": home, "published": published(home)}
