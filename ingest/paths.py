"""Where landing finds its declarations and expectations, and where it writes the lake inside a home.

The application's own settings (homes, the warehouse, dbt, Airflow) are in `qcredit.settings`; landing needs only
these, so `ingest` stands without the application.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FEEDS_DIR = Path(__file__).resolve().parent / "feeds"
EXPECTATIONS_DIR = Path(os.environ.get("QCREDIT_EXPECTATIONS_DIR", PROJECT_ROOT / "expectations"))


def lake_dir(home: Path) -> Path:
    return home / "lake"


def uscc_allowlist_path() -> Path:
    return Path(os.environ.get("QCREDIT_USCC_ALLOWLIST", FEEDS_DIR / "uscc_allowlist.txt"))
