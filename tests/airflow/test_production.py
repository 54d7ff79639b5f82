"""Airflow as it runs in production, end to end: `qcredit airflow up --postgres` (PostgreSQL metadata, LocalExecutor,
scheduler, DAG processor and API server as separate processes), driven as an operator would, through the REST API
and the `airflow` CLI, on the sample drop. Each date's exports must equal `qcredit run`'s for that date.

The tests share one deployment and run in file order (a triggered run, a backfill, the asset events, a failure);
the `qcredit run` home repeats the same dates in the same order, since a date's level changes depend on what
the home graded before it.
"""

from __future__ import annotations

import email
import json
import os
import shutil
import subprocess
import tempfile
import time
from email.policy import default as default_policy
from pathlib import Path
from unittest import mock

import psutil
import pytest

from qcredit import pipeline
from qcredit.airflow_deploy import (
    PG_BIN,
    AirflowApi,
    Deployment,
    backfill_command,
    down,
    postgres_running,
    recorded_processes,
    up,
)

pytestmark = pytest.mark.slow

DAG_ID = "nightly_regrade"
API_PORT, PG_PORT, SMTP_PORT = 28081, 25432, 2525  # the Airflow helper's ranges (tests use their own API port)
RUN_TIMEOUT = 600
RECIPIENT = "oncall@qcredit.test"


class Mailbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(email.message_from_bytes(envelope.content, policy=default_policy))
        return "250 OK"


@pytest.fixture(scope="module")
def mailbox():
    from aiosmtpd.controller import Controller

    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=SMTP_PORT)
    controller.start()
    yield box
    controller.stop()


@pytest.fixture(scope="module")
def workdir():
    # PostgreSQL runs as the `postgres` user when we are root: it must be able to traverse to its cluster,
    # which pytest's own temp folders (0700) do not allow.
    root = Path(tempfile.mkdtemp(prefix="qcredit-airflow-e2e-"))
    root.chmod(0o711)
    yield root
    if not os.environ.get("QCREDIT_KEEP_E2E"):
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def deployment(workdir, sample_inbox, mailbox):
    assert (PG_BIN / "initdb").exists(), f"PostgreSQL binaries missing in {PG_BIN} (.ci/run installs them)"
    dep = Deployment(root=workdir / "airflow", home=workdir / "dag_home", inbox=sample_inbox, postgres=True,
                     api_port=API_PORT, pg_port=PG_PORT)
    # Two deployment settings keep CI short without changing the DAG: retries stay as it declares them (2,
    # exponential), only the wait between them is capped; and no cron runs, so unpausing does not add last
    # night's run to the ones the tests make (manual and backfill runs are scheduled as in production).
    settings = {"AIRFLOW__CORE__MAX_TASK_RETRY_DELAY": "2", "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False"}
    with mock.patch.dict(os.environ, settings):
        try:
            up(dep)
        except Exception:
            down(dep)
            raise
    api = AirflowApi(dep)
    api.request("POST", "connections", json={
        "connection_id": "smtp_default", "conn_type": "smtp", "host": "127.0.0.1", "port": SMTP_PORT,
        "extra": json.dumps({"disable_ssl": True, "disable_tls": True, "from_email": "airflow@qcredit.test"}),
    })
    api.request("POST", "variables", json={"key": "qcredit_alert_recipients", "value": RECIPIENT})
    yield dep
    down(dep)


@pytest.fixture(scope="module")
def api(deployment):
    return AirflowApi(deployment)


@pytest.fixture(scope="module")
def cli_home(workdir):
    return workdir / "cli_home"


def _normalized_summary(path: Path, home: Path) -> dict:
    """run_summary.json without what differs between two homes by nature: durations and the home's path."""
    text = path.read_text(encoding="utf-8").replace(str(home), "<home>")
    summary = json.loads(text)
    summary.pop("durations_seconds", None)
    return summary


def assert_same_exports(dag_home: Path, cli_home: Path, day: str) -> None:
    ours, theirs = dag_home / "exports" / day, cli_home / "exports" / day
    files = sorted(p.relative_to(theirs) for p in theirs.rglob("*") if p.is_file())
    assert sorted(p.relative_to(ours) for p in ours.rglob("*") if p.is_file()) == files, day
    assert any(f.suffix == ".csv" for f in files)
    for rel in files:
        if rel.name == "run_summary.json":
            assert _normalized_summary(ours / rel, dag_home) == _normalized_summary(theirs / rel, cli_home), day
        elif rel.suffix == ".duckdb":  # the service's copy: a database file is not byte-stable, its rows are
            assert _tables(ours / rel) == _tables(theirs / rel), f"{day}: {rel} differs"
        else:
            assert (ours / rel).read_bytes() == (theirs / rel).read_bytes(), f"{day}: {rel} differs"


def _tables(database: Path) -> dict[str, list[tuple]]:
    import duckdb

    with duckdb.connect(str(database), read_only=True) as con:
        names = [name for (name,) in con.execute("select table_name from duckdb_tables() order by 1").fetchall()]
        return {name: con.execute(f'select * from "{name}" order by all').fetchall() for name in names}


def _task_process(ti_id: str) -> psutil.Process | None:
    """The process running one task instance: the task runner titles itself `airflow worker -- <ti id>`."""
    title = f"airflow worker -- {ti_id}"
    for proc in psutil.process_iter(["cmdline"]):
        if " ".join(part for part in proc.info["cmdline"] or [] if part) == title:  # setproctitle pads with ''

            return proc
    return None


def _kill_one_landing_task(api: AirflowApi, run_id: str, timeout: float = 300) -> dict:
    """kill -9 the process of the first `land_feed` task instance seen running; return that instance."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for ti in api.task_instances(run_id):
            if ti["task_id"] == "land_feed" and ti["state"] == "running":
                proc = _task_process(ti["id"])
                if proc is not None:
                    proc.kill()
                    return ti
        time.sleep(0.3)
    raise AssertionError("no land_feed task process seen running")


def _intervals(tis: list[dict], task_ids: set[str]) -> list[tuple[str, str]]:
    return sorted((ti["start_date"], ti["end_date"]) for ti in tis if ti["task_id"] in task_ids)


def test_triggered_run_lands_feeds_in_parallel_and_recovers_a_killed_task(deployment, api, cli_home):
    api.unpause()
    run_id = api.trigger({"as_of": "2026-11-20"})
    killed = _kill_one_landing_task(api, run_id)
    run = api.wait_for_run(run_id, RUN_TIMEOUT)
    tis = api.task_instances(run_id)
    assert run["state"] == "success", [(t["task_id"], t["map_index"], t["state"]) for t in tis]

    retried = next(t for t in tis if t["task_id"] == "land_feed" and t["map_index"] == killed["map_index"])
    assert retried["state"] == "success" and retried["try_number"] == 2  # the kill cost one try, Airflow retried

    landing = _intervals(tis, {"land_reference", "land_feed"})
    overlaps = [(a, b) for a, b in zip(landing, landing[1:], strict=False) if b[0] < a[1]]
    assert overlaps, f"landing tasks never ran at the same time: {landing}"

    pipeline.run(deployment.inbox, cli_home, "2026-11-20")
    assert_same_exports(deployment.home, cli_home, "2026-11-20")


def test_three_date_backfill_through_the_cli_equals_qcredit_run(deployment, api, cli_home):
    # `airflow backfill create` as `qcredit airflow backfill` words it: the range of logical dates that holds
    # these three as-of dates, one night at a time (see backfill_command)
    command = backfill_command("2026-11-18", "2026-11-20")
    assert command[1:4] == ["backfill", "create", "--dag-id"]
    done = subprocess.run(command, env=deployment.env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    deadline = time.monotonic() + 3 * RUN_TIMEOUT
    while time.monotonic() < deadline:
        backfilled = sorted((r for r in api.runs() if r["run_type"] == "backfill"), key=lambda r: r["logical_date"])
        if len(backfilled) >= 3 and all(r["state"] in ("success", "failed") for r in backfilled):
            break
        time.sleep(3)
    assert [r["state"] for r in backfilled] == ["success"] * 3, backfilled
    days = [pipeline.resolve_as_of(None, _datetime(r["logical_date"])) for r in backfilled]
    assert days == ["2026-11-18", "2026-11-19", "2026-11-20"]
    ran = [(r["start_date"], r["end_date"]) for r in backfilled]
    assert all(later[0] >= earlier[1] for earlier, later in zip(ran, ran[1:], strict=False)), ran  # one by one

    for day in days:  # the order the backfill ran them (oldest first)
        pipeline.run(deployment.inbox, cli_home, day)
    for day in days:
        assert_same_exports(deployment.home, cli_home, day)


def test_each_published_date_is_an_asset_event(api):
    assets = api.request("GET", "assets", params={"name_pattern": "qcredit_exports"})["assets"]
    assert [a["uri"] for a in assets] == ["qcredit://exports/"]
    events = api.request("GET", "assets/events", params={"asset_id": assets[0]["id"], "limit": 100})
    published = sorted(e["extra"]["as_of"] for e in events["asset_events"])
    assert published == ["2026-11-18", "2026-11-19", "2026-11-20", "2026-11-20"]
    assert all(e["extra"]["folder"].endswith(f"/exports/{e['extra']['as_of']}") for e in events["asset_events"])


def test_a_failing_task_fails_the_run_and_emails_the_operator(deployment, api, mailbox):
    with unwritable(deployment.home / "warehouse.duckdb"):
        run_id = api.trigger({"as_of": "2026-11-20"})
        run = api.wait_for_run(run_id, RUN_TIMEOUT)
    assert run["state"] == "failed"
    grade = next(t for t in api.task_instances(run_id) if t["task_id"] == "grade")
    assert grade["state"] == "failed" and grade["try_number"] == 3  # the DAG's two retries were spent first

    deadline = time.monotonic() + 60
    while not mailbox.messages and time.monotonic() < deadline:
        time.sleep(1)
    assert len(mailbox.messages) == 1, [m["Subject"] for m in mailbox.messages]
    message = mailbox.messages[0]
    subject = message["Subject"]
    assert message["To"] == RECIPIENT
    # the reason: the warehouse that could not be opened for writing
    assert f"{DAG_ID}.grade failed for 2026-11-20" in subject and "warehouse.duckdb" in subject, subject
    alerts = list((deployment.home / "alerts").glob("*__grade.json"))
    assert len(alerts) == 1 and json.loads(alerts[0].read_text())["as_of"] == "2026-11-20"


def test_down_stops_exactly_what_up_started(deployment):
    started = recorded_processes(deployment)
    assert set(started) == {"api-server", "dag-processor", "scheduler"}
    stopped = down(deployment)
    assert set(stopped) == {"api-server", "dag-processor", "scheduler", "postgres"}
    assert not any(psutil.pid_exists(record["pid"]) for record in started.values())
    assert not postgres_running(deployment)


# --- helpers ---------------------------------------------------------------------------------------------------


def _datetime(text: str):
    import pendulum

    return pendulum.parse(text)


class unwritable:  # noqa: N801 (used as a context manager, reads as a phrase)
    """The warehouse file cannot be opened for writing. As root no permission bit stops a write, so the file is
    swapped for a folder of the same name (DuckDB cannot open a folder as its database) and put back after."""

    def __init__(self, path: Path) -> None:
        self.path, self.aside = path, path.with_name(path.name + ".aside")

    def __enter__(self):
        if os.geteuid() != 0:
            self.path.chmod(0o444)
        else:
            self.path.rename(self.aside)
            self.path.mkdir()
        return self

    def __exit__(self, *exc):
        if os.geteuid() != 0:
            self.path.chmod(0o644)
        else:
            self.path.rmdir()
            self.aside.rename(self.path)
