"""Airflow as it runs in production, started and stopped with one command each (`qcredit airflow up/down`).

A deployment is one folder, `<home>/airflow/` by default (its AIRFLOW_HOME): `airflow.cfg`, the secrets it was
started with, the PostgreSQL cluster holding Airflow's metadata (`pgdata/`, with `--postgres`), the logs and one
record per process this module started. The scheduler (LocalExecutor: its worker processes run the tasks, so they
inherit QCREDIT_HOME / QCREDIT_INBOX from it), the DAG processor and the API server run as separate processes,
each in its own process group; `down` stops exactly the groups it recorded, then PostgreSQL.

`qcredit airflow standalone` is the quick look instead: `airflow standalone` on SQLite, with the environment right.
"""

from __future__ import annotations

import configparser
import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from qcredit import settings
from qcredit.airflow_local import DAG_ID

PG_BIN = Path(os.environ.get("QCREDIT_PG_BIN", "/usr/lib/postgresql/15/bin"))
API_PORT = 28080
PG_PORT = 25432
# The log servers the scheduler (and standalone's triggerer) start sit this far above the API port, so a
# deployment keeps to one port range (Airflow's defaults, 8793/8794, would collide between deployments).
LOG_SERVER_OFFSET = 13
# Task slots of the LocalExecutor (its worker processes): how many task instances run at once, the mapped
# landing tasks among them up to the DAG's own limit per task.
PARALLELISM = 4
# Start order: tasks report to the API server, so it comes first.
PROCESSES = ("api-server", "dag-processor", "scheduler")
ADMIN = "admin"
STARTUP_TIMEOUT = 300  # seconds; generous, since `airflow db migrate` on a new database is slow on a busy machine


class DeploymentError(RuntimeError):
    """Something the operator must fix before the deployment can start (said in one line)."""


@dataclass(frozen=True)
class Deployment:
    """Where a deployment lives and how it is reached. `root` is its AIRFLOW_HOME."""

    root: Path
    home: Path
    inbox: Path
    postgres: bool = False
    api_port: int = API_PORT
    pg_port: int = PG_PORT
    parallelism: int = PARALLELISM

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def pgdata(self) -> Path:
        return self.root / "pgdata"

    @property
    def passwords_file(self) -> Path:
        return self.root / "simple_auth_manager_passwords.json"

    @property
    def run_dir(self) -> Path:
        return self.root / "run"

    @property
    def log_dir(self) -> Path:
        return self.root / "logs"

    def env(self) -> dict[str, str]:
        """The environment of every Airflow process of this deployment (and of `airflow` commands run against it)."""
        venv_bin = str(Path(sys.executable).parent)
        env = {
            **os.environ,
            "AIRFLOW_HOME": str(self.root),
            "AIRFLOW_CONFIG": str(self.root / "airflow.cfg"),
            "QCREDIT_HOME": str(self.home),
            "QCREDIT_INBOX": str(self.inbox),
            # Airflow starts its own components as `airflow ...`: they must find the venv's entry point
            "PATH": os.pathsep.join([venv_bin, os.environ.get("PATH", "")]),
        }
        if allocator := settings.landing_allocator_conf():
            env["_RJEM_MALLOC_CONF"] = allocator  # a land_feed task lands in the worker's own process
        return env

    def save(self) -> None:
        record = {key: str(value) if isinstance(value, Path) else value for key, value in asdict(self).items()}
        (self.root / "deployment.json").write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, root: Path) -> Deployment:
        path = root / "deployment.json"
        if not path.exists():
            raise DeploymentError(f"no Airflow deployment in {root} (start one with `qcredit airflow up`)")
        record = json.loads(path.read_text(encoding="utf-8"))
        return cls(**{**record, "root": Path(record["root"]), "home": Path(record["home"]),
                      "inbox": Path(record["inbox"])})


def default_root(home: Path | None) -> Path:
    """A deployment belongs to one qcredit home (dbt is its one writer): `<home>/airflow/`."""
    return settings.home_dir(home) / "airflow"


# --- configuration -----------------------------------------------------------------------------------------


def _secrets(root: Path) -> dict[str, str]:
    """Keys generated once per deployment and kept, so restarts keep sessions, tokens and stored connections."""
    path = root / "secrets.json"
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    from cryptography.fernet import Fernet

    values = {
        "fernet_key": Fernet.generate_key().decode(),
        "jwt_secret": secrets.token_urlsafe(32),
        "api_secret_key": secrets.token_urlsafe(32),
        "db_password": secrets.token_urlsafe(24),
        "pg_superuser_password": secrets.token_urlsafe(24),
    }
    path.touch(mode=0o600)
    path.write_text(json.dumps(values, indent=1) + "\n", encoding="utf-8")
    return values


def _database_url(dep: Deployment, keys: dict[str, str]) -> str:
    if dep.postgres:
        return f"postgresql+psycopg://airflow:{keys['db_password']}@127.0.0.1:{dep.pg_port}/airflow"
    return f"sqlite:///{dep.root / 'airflow.db'}"


def write_config(dep: Deployment) -> Path:
    """airflow.cfg for this deployment: rewritten on every `up` (so changes here apply), secrets kept."""
    keys = _secrets(dep.root)
    database_url = _database_url(dep, keys)
    cfg = configparser.ConfigParser(interpolation=None)
    cfg["core"] = {
        "dags_folder": str(settings.PROJECT_ROOT / "dags"),
        "executor": "LocalExecutor",
        "parallelism": str(dep.parallelism),
        "load_examples": "False",
        "default_timezone": settings.TIMEZONE,
        "fernet_key": keys["fernet_key"],
        "execution_api_server_url": f"{dep.url}/execution/",
        "simple_auth_manager_users": f"{ADMIN}:admin",
        "simple_auth_manager_passwords_file": str(dep.passwords_file),
        "dags_are_paused_at_creation": "True",
    }
    cfg["database"] = {"sql_alchemy_conn": database_url}
    if dep.postgres:  # psycopg 3 speaks both; Airflow would otherwise derive an asyncpg URL
        cfg["database"]["sql_alchemy_conn_async"] = database_url
    cfg["api"] = {"base_url": dep.url, "host": "127.0.0.1", "port": str(dep.api_port),
                  "secret_key": keys["api_secret_key"]}
    cfg["api_auth"] = {"jwt_secret": keys["jwt_secret"]}
    cfg["logging"] = {"base_log_folder": str(dep.log_dir / "tasks"), "logging_level": "INFO",
                      "worker_log_server_port": str(dep.api_port + LOG_SERVER_OFFSET),
                      "trigger_log_server_port": str(dep.api_port + LOG_SERVER_OFFSET + 1)}
    cfg["scheduler"] = {"enable_health_check": "False"}
    cfg["email"] = {"email_conn_id": "smtp_default"}
    path = dep.root / "airflow.cfg"
    with path.open("w", encoding="utf-8") as out:
        out.write("# Written by `qcredit airflow up` on every start: change the deployment there, not here.\n")
        cfg.write(out)
    path.chmod(0o600)
    return path


# --- PostgreSQL ---------------------------------------------------------------------------------------------


def _as_postgres(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root, run its programs as the `postgres` user."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _pg(program: str) -> str:
    path = PG_BIN / program
    if not path.exists():
        raise DeploymentError(f"PostgreSQL not found at {PG_BIN} (Debian: apt-get install postgresql; "
                              "or set QCREDIT_PG_BIN to its bin folder)")
    return str(path)


def _run(cmd: list[str], log: Path, **kwargs: Any) -> None:
    with log.open("a", encoding="utf-8") as out:
        out.write(f"$ {' '.join(cmd)}\n")
        out.flush()
        done = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, **kwargs)
    if done.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-3:]
        program = Path(cmd[4] if cmd[0] == "runuser" else cmd[0]).name
        raise DeploymentError(f"{program} failed: {' | '.join(tail)} (log: {log})")


def _init_cluster(dep: Deployment, keys: dict[str, str]) -> None:
    log = dep.log_dir / "postgres-init.log"
    dep.pgdata.mkdir(mode=0o700)
    pwfile = dep.run_dir / "initdb-password"  # initdb wants an empty folder
    pwfile.touch(mode=0o600)
    pwfile.write_text(keys["pg_superuser_password"] + "\n", encoding="utf-8")
    if os.geteuid() == 0:
        shutil.chown(dep.pgdata, "postgres", "postgres")
        shutil.chown(pwfile, "postgres", "postgres")
        probe = subprocess.run(_as_postgres(["test", "-w", str(dep.pgdata)]), capture_output=True)
        if probe.returncode != 0:
            raise DeploymentError(f"the postgres user cannot reach {dep.pgdata}: make its parent folders "
                                  "traversable (chmod o+x) or use another --airflow-home")
    try:
        _run(_as_postgres([_pg("initdb"), "-D", str(dep.pgdata), "-U", "postgres", "--encoding=UTF8",
                           "--auth=scram-sha-256", f"--pwfile={pwfile}"]), log)
    finally:
        pwfile.unlink(missing_ok=True)
    with (dep.pgdata / "postgresql.conf").open("a", encoding="utf-8") as conf:
        conf.write(f"\n# qcredit airflow up: TCP on loopback only, no socket folder outside the cluster\n"
                   f"listen_addresses = '127.0.0.1'\nport = {dep.pg_port}\nunix_socket_directories = ''\n")


def start_postgres(dep: Deployment) -> None:
    """Create the cluster if missing, start it, create the `airflow` role and database if missing."""
    keys = _secrets(dep.root)
    if not (dep.pgdata / "PG_VERSION").exists():
        _init_cluster(dep, keys)
    if not postgres_running(dep):
        log = dep.log_dir / "postgres.log"
        if os.geteuid() == 0:
            log.touch()
            shutil.chown(log, "postgres", "postgres")
        _run(_as_postgres([_pg("pg_ctl"), "start", "-w", "-t", "60", "-D", str(dep.pgdata), "-l", str(log),
                           "-o", f"-p {dep.pg_port}"]), dep.log_dir / "pg_ctl.log")
    import psycopg

    with psycopg.connect(host="127.0.0.1", port=dep.pg_port, user="postgres", dbname="postgres",
                         password=keys["pg_superuser_password"], autocommit=True) as con:
        if not con.execute("select 1 from pg_roles where rolname = 'airflow'").fetchone():
            con.execute(psycopg.sql.SQL("create role airflow login password {}").format(keys["db_password"]))
        if not con.execute("select 1 from pg_database where datname = 'airflow'").fetchone():
            con.execute("create database airflow owner airflow encoding 'UTF8'")


def postgres_running(dep: Deployment) -> bool:
    """`pg_ctl status` (a postmaster.pid left by a crash does not count as running)."""
    if not (dep.pgdata / "PG_VERSION").exists():
        return False
    return subprocess.run(_as_postgres([_pg("pg_ctl"), "status", "-D", str(dep.pgdata)]),
                          capture_output=True).returncode == 0


def stop_postgres(dep: Deployment) -> bool:
    if not postgres_running(dep):
        return False
    _run(_as_postgres([_pg("pg_ctl"), "stop", "-w", "-m", "fast", "-D", str(dep.pgdata)]),
         dep.log_dir / "pg_ctl.log")
    return True


# --- processes ----------------------------------------------------------------------------------------------


def _airflow_bin() -> str:
    return str(Path(sys.executable).with_name("airflow"))


def _process_args(dep: Deployment, name: str) -> list[str]:
    if name == "api-server":
        return [_airflow_bin(), "api-server", "--host", "127.0.0.1", "--port", str(dep.api_port)]
    return [_airflow_bin(), name]


def _alive(record: dict) -> bool:
    import psutil

    try:
        return psutil.Process(record["pid"]).create_time() == record["create_time"]
    except psutil.NoSuchProcess:
        return False


def _group_left(record: dict) -> bool:
    """Whether processes the recorded one started still run in its process group although it exited (an API
    server's worker keeps the port when its parent dies). Linux reuses no pid while it names a live group, and
    members started before the record cannot be its children."""
    import psutil

    for proc in psutil.process_iter(["create_time"]):
        with contextlib.suppress(ProcessLookupError, PermissionError, psutil.Error):
            if os.getpgid(proc.pid) == record["pid"] and proc.info["create_time"] >= record["create_time"]:
                return True
    return False


def recorded_processes(dep: Deployment) -> dict[str, dict]:
    """The processes this deployment started and that still run (pid and start time both match), or whose
    process group does (`_group_left`): `down` stops the whole group."""
    found = {}
    for name in PROCESSES:
        path = dep.run_dir / f"{name}.json"
        if not path.exists():
            continue
        record = json.loads(path.read_text(encoding="utf-8"))
        if _alive(record) or _group_left(record):
            found[name] = record
    return found


def _start_process(dep: Deployment, name: str) -> dict:
    import psutil

    log = (dep.log_dir / f"{name}.log").open("a", encoding="utf-8")
    proc = subprocess.Popen(_process_args(dep, name), env=dep.env(), stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True, cwd=dep.root)
    log.close()
    record = {"pid": proc.pid, "create_time": psutil.Process(proc.pid).create_time(),
              "cmd": _process_args(dep, name), "log": str(dep.log_dir / f"{name}.log")}
    (dep.run_dir / f"{name}.json").write_text(json.dumps(record) + "\n", encoding="utf-8")
    return record


def _wait_until(check, what: str, timeout: float, records: dict[str, dict]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for name, record in records.items():
            if not _alive(record):
                raise DeploymentError(f"airflow {name} exited while waiting for {what} (log: {record['log']})")
        if check():
            return
        time.sleep(1)
    raise DeploymentError(f"timed out after {timeout:.0f} s waiting for {what}")


def up(dep: Deployment) -> Deployment:
    """Start the deployment (idempotent: a running one is left as it is). Returns it once the DAG is visible."""
    running = recorded_processes(dep)
    if set(running) == set(PROCESSES):
        return dep
    if running:
        raise DeploymentError(f"part of the deployment in {dep.root} is running ({', '.join(running)}): "
                              "`qcredit airflow down` first")
    for folder in (dep.root, dep.run_dir, dep.log_dir):
        folder.mkdir(parents=True, exist_ok=True)
    dep.home.mkdir(parents=True, exist_ok=True)
    dep.save()
    write_config(dep)
    if dep.postgres:
        start_postgres(dep)
    _run([_airflow_bin(), "db", "migrate"], dep.log_dir / "db-migrate.log", env=dep.env())
    records: dict[str, dict] = {}
    api = AirflowApi(dep)
    for name in PROCESSES:
        records[name] = _start_process(dep, name)
        if name == "api-server":
            _wait_until(api.healthy, "the API server", STARTUP_TIMEOUT, records)
    _wait_until(lambda: api.dag_visible(DAG_ID), f"{DAG_ID} to be parsed", STARTUP_TIMEOUT, records)
    return dep


def down(dep: Deployment, timeout: float = 20) -> list[str]:
    """Stop the process groups this deployment recorded, then PostgreSQL; return what was stopped."""
    running = recorded_processes(dep)
    _stop_groups([running[name]["pid"] for name in reversed(PROCESSES) if name in running], timeout)
    for name in PROCESSES:
        (dep.run_dir / f"{name}.json").unlink(missing_ok=True)
    stopped = [name for name in reversed(PROCESSES) if name in running]
    if dep.postgres and stop_postgres(dep):
        stopped.append("postgres")
    return stopped


def _signal_group(pgid: int, signum: int) -> bool:
    try:
        os.killpg(pgid, signum)
        return True
    except ProcessLookupError:
        return False


def _stop_groups(leaders: list[int], timeout: float) -> None:
    """SIGTERM the groups the recorded processes lead (with their LocalExecutor and API workers), all at once,
    then SIGKILL what is left after `timeout`: the API server and the DAG processor can take a minute to exit."""
    for pgid in leaders:  # started with start_new_session: each leads its own group
        _signal_group(pgid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(_signal_group(pgid, 0) for pgid in leaders):
        time.sleep(0.5)
    for pgid in leaders:
        _signal_group(pgid, signal.SIGKILL)


# --- the REST API (v2, JWT from the simple auth manager) ------------------------------------------------------


class AirflowApi:
    """A small client of the deployment's public REST API: what operators, tests and the benchmark use."""

    def __init__(self, dep: Deployment) -> None:
        self.dep = dep
        self._token: str | None = None

    def _client(self):
        import httpx

        return httpx.Client(base_url=self.dep.url, timeout=60)

    def healthy(self) -> bool:
        import httpx

        try:
            with self._client() as client:
                return client.get("/api/v2/monitor/health").status_code == 200
        except httpx.HTTPError:
            return False

    def admin_password(self) -> str:
        return json.loads(self.dep.passwords_file.read_text(encoding="utf-8"))[ADMIN]

    def token(self) -> str:
        if self._token is None:
            with self._client() as client:
                reply = client.post("/auth/token", json={"username": ADMIN, "password": self.admin_password()})
                reply.raise_for_status()
                self._token = reply.json()["access_token"]
        return self._token

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        with self._client() as client:
            reply = client.request(method, f"/api/v2/{path.lstrip('/')}",
                                   headers={"Authorization": f"Bearer {self.token()}"}, **kwargs)
        if reply.status_code >= 400:
            raise DeploymentError(f"{method} {path}: HTTP {reply.status_code}: {reply.text[:500]}")
        return reply.json() if reply.content else None

    def dag_visible(self, dag_id: str) -> bool:
        try:
            self.request("GET", f"dags/{dag_id}")
            return True
        except DeploymentError:
            return False

    def unpause(self, dag_id: str = DAG_ID) -> None:
        self.request("PATCH", f"dags/{dag_id}", json={"is_paused": False})

    def trigger(self, conf: dict, dag_id: str = DAG_ID, run_id: str | None = None) -> str:
        body: dict[str, Any] = {"logical_date": None, "conf": conf}
        if run_id:
            body["dag_run_id"] = run_id
        return self.request("POST", f"dags/{dag_id}/dagRuns", json=body)["dag_run_id"]

    def runs(self, dag_id: str = DAG_ID) -> list[dict]:
        return self.request("GET", f"dags/{dag_id}/dagRuns", params={"limit": 100})["dag_runs"]

    def run(self, run_id: str, dag_id: str = DAG_ID) -> dict:
        return self.request("GET", f"dags/{dag_id}/dagRuns/{run_id}")

    def task_instances(self, run_id: str, dag_id: str = DAG_ID) -> list[dict]:
        return self.request("GET", f"dags/{dag_id}/dagRuns/{run_id}/taskInstances",
                            params={"limit": 1000})["task_instances"]

    def wait_for_run(self, run_id: str, timeout: float, dag_id: str = DAG_ID) -> dict:
        """Follow a run until it ends; return it (its `state` is `success` or `failed`)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run = self.run(run_id, dag_id)
            if run["state"] in ("success", "failed"):
                return run
            time.sleep(2)
        raise DeploymentError(f"{dag_id} run {run_id} still {run['state']} after {timeout:.0f} s")


# --- the commands -------------------------------------------------------------------------------------------


def describe(dep: Deployment) -> str:
    airflow = _airflow_bin()
    return "\n".join([
        f"Airflow is up: {dep.url} (user {ADMIN}, password in {dep.passwords_file})",
        f"  metadata: {'PostgreSQL on 127.0.0.1:' + str(dep.pg_port) if dep.postgres else 'SQLite'}, "
        f"LocalExecutor with {dep.parallelism} task slots; logs in {dep.log_dir}",
        f"  grading QCREDIT_HOME={dep.home} from QCREDIT_INBOX={dep.inbox}",
        f"  {DAG_ID} starts paused. With `export AIRFLOW_HOME={dep.root}`:",
        f"    {airflow} dags unpause {DAG_ID}",
        f"    {airflow} dags trigger {DAG_ID} -c '{{\"as_of\": \"2026-11-20\"}}'",
        "  a range of dates, oldest first, one at a time (`airflow backfill create` with the right range):",
        f"    qcredit airflow backfill --airflow-home {dep.root} --from 2026-11-18 --to 2026-11-20",
        f"  stop it with: qcredit airflow down --airflow-home {dep.root}",
    ])


def backfill_command(first: str, last: str, dry_run: bool = False) -> list[str]:
    """`airflow backfill create` for the as-of dates first..last. Its range is of logical dates, and the night
    graded as of D is scheduled at 02:00 on D, after the range's midnight: the range ends the day after `last`.
    A backfill runs 10 nights at once unless limited (the DAG's max_active_runs does not bind it); one at a time
    keeps each night's level changes relative to the night before."""
    from datetime import date, timedelta

    try:
        start, end = date.fromisoformat(first), date.fromisoformat(last)
    except ValueError as exc:
        raise DeploymentError(f"dates are YYYY-MM-DD: {exc}") from None
    if end < start:
        raise DeploymentError(f"--to {last} is before --from {first}")
    command = [_airflow_bin(), "backfill", "create", "--dag-id", DAG_ID, "--from-date", start.isoformat(),
               "--to-date", (end + timedelta(days=1)).isoformat(), "--max-active-runs", "1"]
    return [*command, "--dry-run"] if dry_run else command


def backfill(dep: Deployment, first: str, last: str, dry_run: bool = False) -> int:
    """Create the backfill in the deployment; the scheduler runs it (follow it in the UI or `dags list-runs`)."""
    return subprocess.run(backfill_command(first, last, dry_run), env=dep.env()).returncode


def standalone(home: Path | None, inbox: Path | None, port: int, airflow_home: Path | None = None) -> int:
    """`airflow standalone` (SQLite, everything in one terminal) on the project's DAGs, the environment right."""
    root = Path(airflow_home or settings.AIRFLOW_HOME).resolve()
    root.mkdir(parents=True, exist_ok=True)
    dep = Deployment(root=root, home=settings.home_dir(home), inbox=settings.inbox_dir(inbox), api_port=port)
    env = {
        **dep.env(),
        "AIRFLOW__CORE__DAGS_FOLDER": str(settings.PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DEFAULT_TIMEZONE": settings.TIMEZONE,
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__BASE_URL": dep.url,
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(port + LOG_SERVER_OFFSET),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(port + LOG_SERVER_OFFSET + 1),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(root / "simple_auth_manager_passwords.json"),
    }
    del env["AIRFLOW_CONFIG"]
    airflow = _airflow_bin()
    print("\n".join([
        f"Starting Airflow standalone (SQLite in {root}); Ctrl-C stops it.",
        f"  UI: {dep.url}  user {ADMIN}, password in {root / 'simple_auth_manager_passwords.json'}",
        f"  {DAG_ID} grades QCREDIT_HOME={dep.home} from QCREDIT_INBOX={dep.inbox}; it starts paused:",
        f"    unpause it in the UI (toggle beside {DAG_ID}), or: AIRFLOW_HOME={root} {airflow} dags unpause {DAG_ID}",
        f"    trigger a date: the UI's Trigger button (the as_of field), or: AIRFLOW_HOME={root} {airflow} "
        f"dags trigger {DAG_ID} -c '{{\"as_of\": \"2026-11-20\"}}'",
    ]), flush=True)
    proc = subprocess.Popen([airflow, "standalone"], env=env, cwd=root, start_new_session=True)
    try:
        return proc.wait()
    except KeyboardInterrupt:  # standalone's own shutdown can hang on its components: end the whole group
        _signal_group(proc.pid, signal.SIGINT)
        _stop_groups([proc.pid], timeout=20)
        return 130


def add_parser(sub) -> None:
    """`qcredit airflow up|down|standalone` (called by qcredit/cli.py)."""
    p = sub.add_parser("airflow", help="run Airflow: a production-shaped deployment (up/down) or standalone")
    actions = p.add_subparsers(dest="airflow_command", required=True)

    def paths(q) -> None:
        q.add_argument("--home", type=Path, help="the qcredit home it grades (default: $QCREDIT_HOME, then demo)")
        q.add_argument("--airflow-home", type=Path, help="the deployment's folder (default: <home>/airflow)")

    q = actions.add_parser("up", help="start PostgreSQL (--postgres), the API server, DAG processor and scheduler")
    paths(q)
    q.add_argument("--inbox", type=Path, help="agency drop (default: $QCREDIT_INBOX, then the demo inbox)")
    q.add_argument("--postgres", action="store_true",
                   help=f"Airflow's metadata on PostgreSQL (a cluster in the deployment, port {PG_PORT})")
    q.add_argument("--port", type=int, default=API_PORT, help="the API server's port (UI and REST API)")
    q.add_argument("--pg-port", type=int, default=PG_PORT, help="PostgreSQL's port (with --postgres)")
    q.add_argument("--parallelism", type=int, default=PARALLELISM, help="task slots of the LocalExecutor")

    q = actions.add_parser("down", help="stop what `up` started, PostgreSQL last")
    paths(q)

    q = actions.add_parser("backfill", help="grade a range of as-of dates, oldest first, one at a time "
                                            "(`airflow backfill create` with the right range and limits)")
    paths(q)
    q.add_argument("--from", dest="first", required=True, help="first as-of date, YYYY-MM-DD")
    q.add_argument("--to", dest="last", required=True, help="last as-of date, YYYY-MM-DD (included)")
    q.add_argument("--dry-run", action="store_true", help="list the runs it would create, create none")

    q = actions.add_parser("standalone", help="`airflow standalone` on SQLite: UI and scheduler in one terminal")
    paths(q)
    q.add_argument("--inbox", type=Path, help="agency drop (default: $QCREDIT_INBOX, then the demo inbox)")
    q.add_argument("--port", type=int, default=8080, help="the UI's port")


def main(args) -> int:
    """Dispatch `qcredit airflow ...` (parsed by add_parser)."""
    root = (args.airflow_home or default_root(args.home)).resolve()
    try:
        if args.airflow_command == "standalone":
            return standalone(args.home, args.inbox, args.port, args.airflow_home)
        if args.airflow_command == "up":
            dep = Deployment(root=root, home=settings.home_dir(args.home), inbox=settings.inbox_dir(args.inbox),
                             postgres=args.postgres, api_port=args.port, pg_port=args.pg_port,
                             parallelism=args.parallelism)
            print(f"starting Airflow in {root} ...", flush=True)
            print(describe(up(dep)))
            return 0
        if args.airflow_command == "backfill":
            return backfill(Deployment.load(root), args.first, args.last, args.dry_run)
        stopped = down(Deployment.load(root))
        print(f"stopped: {', '.join(stopped) or 'nothing was running'}")
        return 0
    except DeploymentError as exc:
        print(f"qcredit airflow {args.airflow_command}: {exc}", file=sys.stderr)
        return 1
