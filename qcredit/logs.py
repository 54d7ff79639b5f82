"""Where failures are written down so an operator can read what happened after the fact."""

from __future__ import annotations

import traceback
from datetime import UTC, datetime
from pathlib import Path

from qcredit import settings


def log_exception(exc: BaseException, home: Path | str | None) -> str:
    """Append the traceback to <home>/logs/qcredit.log; return where it went."""
    try:
        logs = settings.home_dir(home) / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        path = logs / "qcredit.log"
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        with path.open("a", encoding="utf-8") as out:
            out.write(f"--- {stamp}\n{''.join(traceback.format_exception(exc))}\n")
        return str(path)
    except OSError:
        return "no log could be written"
