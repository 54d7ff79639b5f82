"""What makes a folder a qcredit home, so a typo in `--home` is refused instead of starting an empty home.

A home is marked when a run first writes into it (`mark`). Homes made before the marker existed are
recognized by their lake. An existing empty folder, or a missing folder whose parent exists, may become a new
home; anything else is refused by the command line before a file is written.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path

from qcredit import settings

MARKER = ".qcredit-home"


class HomeState(Enum):
    HOME = "an existing qcredit home"
    NEW = "a new home (missing or empty folder under an existing parent)"
    NO_PARENT = "its parent folder does not exist"
    NOT_A_HOME = "an existing folder that is not a qcredit home"
    NOT_A_FOLDER = "not a folder"


def state(home: Path) -> HomeState:
    """Whether `home` is a qcredit home, could become one, or must be refused (and why)."""
    if home.is_dir():
        if (home / MARKER).is_file() or settings.lake_dir(home).is_dir():
            return HomeState.HOME
        return HomeState.NEW if not any(home.iterdir()) else HomeState.NOT_A_HOME
    if home.exists():
        return HomeState.NOT_A_FOLDER
    return HomeState.NEW if home.parent.is_dir() else HomeState.NO_PARENT


def mark(home: Path) -> None:
    """Create the home and its marker; a no-op for a marked home. (The command line has already refused a
    home whose parent is missing; the library, called by the DAG or the benchmark, creates what it is given.)"""
    home.mkdir(parents=True, exist_ok=True)
    marker = home / MARKER
    if not marker.exists():
        marker.write_text("This folder is a qcredit home: lake/, warehouse.duckdb, exports/, logs/.\n",
                          encoding="utf-8")
