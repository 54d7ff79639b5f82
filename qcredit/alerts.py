"""Alert records: what the DAG leaves behind when a task fails, for the operator on call."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from qcredit import settings


def write_alert(context: dict[str, Any]) -> str:
    """Airflow `on_failure_callback`: write <home>/alerts/<run>__<task>.json with what failed and what to do."""
    ti = context.get("ti") or context.get("task_instance")
    dag_run = context.get("dag_run")
    exception = context.get("exception")
    task_id = getattr(ti, "task_id", "unknown")
    map_index = getattr(ti, "map_index", -1)
    run_id = getattr(dag_run, "run_id", None) or context.get("run_id") or "unknown"
    record = {
        "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "dag_id": getattr(dag_run, "dag_id", None) or getattr(ti, "dag_id", None),
        "run_id": run_id,
        "logical_date": str(context.get("logical_date")),
        "task_id": task_id,
        "map_index": map_index,
        "try_number": getattr(ti, "try_number", None),
        "error": f"{type(exception).__name__}: {exception}" if exception else "task failed",
        "what_to_do": (
            "Read the task log in Airflow and <home>/logs/. Data problems (a dbt test, a disclosure check) "
            "need a fix in the feed or the rules before clearing the task; transient errors were already "
            "retried. Clearing the failed task reruns it; the run is idempotent."
        ),
    }
    folder = settings.home_dir() / "alerts"
    folder.mkdir(parents=True, exist_ok=True)
    safe_run = "".join(c if c.isalnum() or c in "-_." else "_" for c in str(run_id))
    suffix = f"_{map_index}" if map_index not in (None, -1) else ""
    path = folder / f"{safe_run}__{task_id}{suffix}.json"
    path.write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return str(path)
