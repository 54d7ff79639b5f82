"""Run the nightly DAG through Airflow itself on this machine: SQLite metadata, no scheduler.

Used by the main job (`qcredit demo`, `make demo`) and the DAG tests. The DAG is serialized first
(`airflow dags reserialize`), which `dags test` needs on Airflow 3.1+.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from qcredit import settings

DAG_ID = "nightly_regrade"


def airflow_env(airflow_home: Path, home: Path, inbox: Path) -> dict[str, str]:
    return {
        **os.environ,
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(settings.PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DEFAULT_TIMEZONE": settings.TIMEZONE,
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
        "QCREDIT_HOME": str(home),
        "QCREDIT_INBOX": str(inbox),
    }


def _airflow(args: list[str], env: dict[str, str], log: Path) -> None:
    airflow = Path(sys.executable).with_name("airflow")
    done = subprocess.run([str(airflow), *args], env=env, capture_output=True, text=True)
    with log.open("a", encoding="utf-8") as out:
        out.write(f"$ airflow {' '.join(args)}\n{done.stdout}{done.stderr}\n")
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise RuntimeError(f"airflow {args[0]} {args[1]} failed: {' | '.join(tail)} (log: {log})")


def run_dag(as_of: str, home: Path, inbox: Path, airflow_home: Path) -> Path:
    """Set up the Airflow home if needed, serialize the DAG, run it for one logical date; return the log."""
    airflow_home.mkdir(parents=True, exist_ok=True)
    (home / "logs").mkdir(parents=True, exist_ok=True)
    log = home / "logs" / f"airflow_{DAG_ID}_{as_of}.log"
    log.write_text("", encoding="utf-8")
    env = airflow_env(airflow_home, home, inbox)
    if not (airflow_home / "airflow.db").exists():
        _airflow(["db", "migrate"], env, log)
    _airflow(["dags", "reserialize"], env, log)
    _airflow(["dags", "test", DAG_ID, as_of], env, log)
    if "state=failed" in log.read_text(encoding="utf-8"):
        raise RuntimeError(f"{DAG_ID} failed for {as_of} (log: {log}; alerts: {home / 'alerts'})")
    return log
