"""`qcredit airflow ...` without starting Airflow: the configuration a deployment is started with, what
`standalone` prints and passes on, and the alert's subject. The deployment itself: test_production.py."""

from __future__ import annotations

import configparser
import contextlib
import json
import sys
from pathlib import Path

import pendulum
import pytest

from qcredit import airflow_deploy, settings
from qcredit.airflow_deploy import Deployment, write_config
from qcredit.alerts import failure_facts, failure_subject
from qcredit.cli import main


def _config(dep: Deployment) -> configparser.ConfigParser:
    cfg = configparser.ConfigParser(interpolation=None)
    cfg.read(write_config(dep))
    return cfg


def test_a_postgres_deployment_is_configured_for_the_project(tmp_path):
    dep = Deployment(root=tmp_path / "airflow", home=tmp_path / "home", inbox=tmp_path / "inbox", postgres=True,
                     api_port=28085, pg_port=25439, parallelism=3)
    dep.root.mkdir()
    cfg = _config(dep)
    assert cfg["core"]["executor"] == "LocalExecutor" and cfg["core"]["parallelism"] == "3"
    assert cfg["core"]["dags_folder"] == str(settings.PROJECT_ROOT / "dags")
    assert cfg["core"]["default_timezone"] == "Asia/Shanghai"
    assert cfg["database"]["sql_alchemy_conn"].startswith("postgresql+psycopg://airflow:")
    assert cfg["database"]["sql_alchemy_conn"].endswith("@127.0.0.1:25439/airflow")
    assert cfg["database"]["sql_alchemy_conn_async"] == cfg["database"]["sql_alchemy_conn"]
    assert cfg["core"]["execution_api_server_url"] == "http://127.0.0.1:28085/execution/"
    assert (dep.root / "airflow.cfg").stat().st_mode & 0o077 == 0  # it holds the database password

    secrets = json.loads((dep.root / "secrets.json").read_text())
    assert cfg["api_auth"]["jwt_secret"] == secrets["jwt_secret"]
    assert _config(dep)["api_auth"]["jwt_secret"] == secrets["jwt_secret"]  # kept across restarts

    env = dep.env()
    assert env["QCREDIT_HOME"] == str(dep.home) and env["QCREDIT_INBOX"] == str(dep.inbox)
    assert env["PATH"].split(":")[0] == str(Path(sys.executable).parent)


def test_without_postgres_the_metadata_is_a_sqlite_file_in_the_deployment(tmp_path):
    dep = Deployment(root=tmp_path, home=tmp_path / "home", inbox=tmp_path / "inbox")
    cfg = _config(dep)
    assert cfg["database"]["sql_alchemy_conn"] == f"sqlite:///{tmp_path / 'airflow.db'}"
    assert "sql_alchemy_conn_async" not in cfg["database"]


def test_down_without_a_deployment_says_so(tmp_path, capsys):
    assert main(["airflow", "down", "--airflow-home", str(tmp_path / "nothing")]) == 1
    assert "no Airflow deployment in" in capsys.readouterr().err


def test_backfill_covers_the_as_of_dates_asked_for_one_night_at_a_time(tmp_path, monkeypatch):
    # the night graded as of D is scheduled at 02:00 on D: Airflow's range of logical dates ends the day after
    command = airflow_deploy.backfill_command("2026-11-18", "2026-11-20")
    assert command[1:] == ["backfill", "create", "--dag-id", "nightly_regrade", "--from-date", "2026-11-18",
                           "--to-date", "2026-11-21", "--max-active-runs", "1"]
    assert airflow_deploy.backfill_command("2026-11-20", "2026-11-20", dry_run=True)[-1] == "--dry-run"

    ran = {}
    monkeypatch.setattr(airflow_deploy.subprocess, "run",
                        lambda args, env: ran.update(args=args, env=env) or type("Done", (), {"returncode": 0}))
    dep = Deployment(root=tmp_path, home=tmp_path / "home", inbox=tmp_path / "inbox")
    dep.save()
    assert main(["airflow", "backfill", "--airflow-home", str(tmp_path), "--from", "2026-11-18",
                 "--to", "2026-11-20"]) == 0
    assert ran["args"] == command and ran["env"]["AIRFLOW_HOME"] == str(tmp_path)


@pytest.mark.parametrize(("first", "last", "says"), [("2026-11-20", "2026-11-18", "is before"),
                                                     ("2026-11", "2026-11-20", "YYYY-MM-DD")])
def test_backfill_refuses_a_range_it_cannot_mean(tmp_path, capsys, first, last, says):
    Deployment(root=tmp_path, home=tmp_path / "home", inbox=tmp_path / "inbox").save()
    assert main(["airflow", "backfill", "--airflow-home", str(tmp_path), "--from", first, "--to", last]) == 1
    assert says in capsys.readouterr().err


def test_standalone_prints_where_to_go_and_runs_airflow_with_the_environment_right(tmp_path, monkeypatch, capsys):
    started = {}

    class FakeAirflow:
        def __init__(self, args, env, cwd, start_new_session):
            started.update(args=args, env=env)
            self.pid = 0

        def wait(self):
            return 0

    monkeypatch.setattr(airflow_deploy.subprocess, "Popen", FakeAirflow)
    code = main(["airflow", "standalone", "--home", str(tmp_path / "home"), "--inbox", str(tmp_path / "inbox"),
                 "--airflow-home", str(tmp_path / "af"), "--port", "28091"])
    out = capsys.readouterr().out
    assert code == 0
    assert "http://127.0.0.1:28091" in out
    assert str(tmp_path / "af" / "simple_auth_manager_passwords.json") in out
    assert "dags unpause nightly_regrade" in out and "dags trigger nightly_regrade" in out and "paused" in out
    env = started["env"]
    assert started["args"][1:] == ["standalone"]
    assert env["PATH"].split(":")[0] == str(Path(sys.executable).parent)  # its components find `airflow`
    assert env["AIRFLOW_HOME"] == str(tmp_path / "af")
    assert env["AIRFLOW__CORE__DAGS_FOLDER"] == str(settings.PROJECT_ROOT / "dags")
    assert env["QCREDIT_HOME"] == str(tmp_path / "home") and env["QCREDIT_INBOX"] == str(tmp_path / "inbox")
    assert env["AIRFLOW__API__PORT"] == "28091"


@pytest.mark.parametrize(
    ("params", "logical_date", "as_of"),
    [
        ({"as_of": "2026-11-20"}, None, "2026-11-20"),  # a triggered run: the param
        ({"as_of": None}, pendulum.datetime(2026, 11, 19, 18, tz="UTC"), "2026-11-20"),  # 02:00 in Shanghai
    ],
)
def test_the_alert_subject_names_dag_task_date_and_reason(params, logical_date, as_of):
    class TI:
        task_id, map_index, try_number, dag_id = "grade", -1, 3, "nightly_regrade"

    error = RuntimeError("dbt build failed as of 2026-11-20: Permission denied\nfull dbt output ...")
    facts = failure_facts({"ti": TI(), "exception": error, "params": params, "logical_date": logical_date})
    assert failure_subject(facts) == (
        f"[qcredit] nightly_regrade.grade failed for {as_of}: dbt build failed as of 2026-11-20: Permission denied"
    )


def test_a_mapped_task_s_alert_names_its_map_index_and_long_reasons_are_cut():
    class TI:
        task_id, map_index, try_number, dag_id = "land_feed", 4, 3, "nightly_regrade"

    facts = failure_facts({"ti": TI(), "exception": OSError("x" * 500), "params": {"as_of": "2026-11-20"}})
    subject = failure_subject(facts)
    assert subject.startswith("[qcredit] nightly_regrade.land_feed[4] failed for 2026-11-20: xxx")
    assert len(subject) < 240 and subject.endswith("...")


def test_down_stops_what_a_recorded_process_left_running_after_it_exited(tmp_path):
    """An API server's worker can keep serving (and hold the port) after the process `up` recorded has exited:
    `down` still finds the recorded process group and stops it; an unrelated process is left alone."""
    import os
    import subprocess

    import psutil

    dep = Deployment(root=tmp_path / "airflow", home=tmp_path / "home", inbox=tmp_path / "inbox")
    dep.run_dir.mkdir(parents=True)
    # the leader starts a worker in its group and exits at once (sh is faster than the worker's sleep)
    leader = subprocess.Popen(["sh", "-c", "sleep 300 & echo $!"], stdout=subprocess.PIPE, text=True,
                              start_new_session=True)
    worker = int(leader.stdout.readline())
    created = psutil.Process(leader.pid).create_time()
    leader.wait()
    record = {"pid": leader.pid, "create_time": created, "cmd": ["airflow", "api-server"], "log": "x"}
    (dep.run_dir / "api-server.json").write_text(json.dumps(record), encoding="utf-8")
    bystander = subprocess.Popen(["sleep", "300"])
    try:
        assert psutil.pid_exists(worker) and os.getpgid(worker) == leader.pid
        assert set(airflow_deploy.recorded_processes(dep)) == {"api-server"}
        assert airflow_deploy.down(dep, timeout=5) == ["api-server"]
        assert not psutil.pid_exists(worker) or psutil.Process(worker).status() == psutil.STATUS_ZOMBIE
        assert bystander.poll() is None
        assert airflow_deploy.recorded_processes(dep) == {}
    finally:
        bystander.kill()
        with contextlib.suppress(ProcessLookupError):
            os.kill(worker, 9)
