"""Alerts for the operator on call when a task of the nightly DAG fails for good (after its retries).

Two callbacks, both on every task: `write_alert` leaves a JSON record in `<home>/alerts/` (the audit trail), and
`FailureEmail` sends an e-mail through Airflow's own SMTP notifier (apache-airflow-providers-smtp). The e-mail's
server is the Airflow connection `smtp_default`, its recipients the Airflow variable `qcredit_alert_recipients`
(comma-separated); without that variable no e-mail is sent and the task log says so.
"""

from __future__ import annotations

import html
import json
import logging
from datetime import UTC, datetime
from typing import Any

from airflow.providers.smtp.notifications.smtp import SmtpNotifier

from qcredit import settings

RECIPIENTS_VARIABLE = "qcredit_alert_recipients"
SMTP_CONNECTION = "smtp_default"
WHAT_TO_DO = (
    "Read the task log in Airflow and <home>/logs/. Data problems (a dbt test, a disclosure check) "
    "need a fix in the feed or the rules before clearing the task; transient errors were already "
    "retried. Clearing the failed task reruns it; the run is idempotent."
)
log = logging.getLogger(__name__)


def failure_facts(context: dict[str, Any]) -> dict[str, Any]:
    """What failed, for which as-of date and why, from an Airflow callback context."""
    from qcredit.pipeline import resolve_as_of

    ti = context.get("ti") or context.get("task_instance")
    dag_run = context.get("dag_run")
    exception = context.get("exception")
    params = context.get("params") or {}
    try:
        as_of = resolve_as_of(params.get("as_of"), context.get("logical_date"))
    except Exception:  # a malformed param is itself the likely failure: name it as given
        as_of = str(params.get("as_of"))
    reason = (str(exception).strip().splitlines() or [type(exception).__name__])[0] if exception else "task failed"
    return {
        "dag_id": getattr(dag_run, "dag_id", None) or getattr(ti, "dag_id", None),
        "run_id": getattr(dag_run, "run_id", None) or context.get("run_id") or "unknown",
        "task_id": getattr(ti, "task_id", "unknown"),
        "map_index": getattr(ti, "map_index", -1),
        "try_number": getattr(ti, "try_number", None),
        "as_of": as_of,
        "reason": reason,
        "error": f"{type(exception).__name__}: {exception}" if exception else "task failed",
    }


def failure_subject(facts: dict[str, Any]) -> str:
    task = facts["task_id"] + (f"[{facts['map_index']}]" if facts["map_index"] not in (None, -1) else "")
    reason = facts["reason"] if len(facts["reason"]) <= 160 else facts["reason"][:157] + "..."
    return f"[qcredit] {facts['dag_id']}.{task} failed for {facts['as_of']}: {reason}"


class FailureEmail(SmtpNotifier):
    """Airflow's SMTP notifier, addressed from the variable `qcredit_alert_recipients` when a task fails."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(to=[], smtp_conn_id=SMTP_CONNECTION, **kwargs)  # recipients: read when it fires

    def notify(self, context: Any) -> None:
        from airflow.sdk import Variable

        recipients = [a.strip() for a in (Variable.get(RECIPIENTS_VARIABLE, default=None) or "").split(",")
                      if a.strip()]
        if not recipients:
            log.warning("no alert e-mail: the Airflow variable %s is not set", RECIPIENTS_VARIABLE)
            return
        facts = failure_facts(context)
        self.to = recipients
        self.subject = failure_subject(facts)
        lines = {**facts, "what to do": WHAT_TO_DO}
        self.html_content = "".join(f"<p><b>{key}</b>: {html.escape(str(value))}</p>" for key, value in lines.items())
        super().notify(context)


def write_alert(context: dict[str, Any]) -> str:
    """Airflow `on_failure_callback`: write <home>/alerts/<run>__<task>.json with what failed and what to do."""
    facts = failure_facts(context)
    run_id, task_id, map_index = facts["run_id"], facts["task_id"], facts["map_index"]
    record = {
        "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **{key: facts[key] for key in ("dag_id", "run_id")},
        "logical_date": str(context.get("logical_date")),
        **{key: facts[key] for key in ("task_id", "map_index", "try_number", "as_of", "error")},
        "what_to_do": WHAT_TO_DO,
    }
    folder = settings.home_dir() / "alerts"
    folder.mkdir(parents=True, exist_ok=True)
    safe_run = "".join(c if c.isalnum() or c in "-_." else "_" for c in str(run_id))
    suffix = f"_{map_index}" if map_index not in (None, -1) else ""
    path = folder / f"{safe_run}__{task_id}{suffix}.json"
    path.write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return str(path)
