"""End to end, as an operator meets it: `qcredit run` on the sample drop, `qcredit user add`, `qcredit serve`
in its own process; then the next night's run publishes while clients keep asking, and the new date is served
without a restart."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

PORT = 18010
FIRST, NEXT = "2026-11-20", "2026-11-21"
QCREDIT = [sys.executable, "-m", "qcredit.cli"]
pytestmark = pytest.mark.slow


def run_cli(*args: str, env: dict, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*QCREDIT, *args], input=stdin, capture_output=True, text=True, env=env, timeout=900)


def fetch(path: str, token: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_until_serving(server: subprocess.Popen) -> None:
    for _ in range(300):
        if server.poll() is not None:
            raise AssertionError(f"qcredit serve exited: {server.stdout.read()}")
        try:
            if fetch("/")[0] == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("qcredit serve did not answer")


@pytest.fixture(scope="module")
def served(tmp_path_factory, sample_inbox):
    home = tmp_path_factory.mktemp("live-home")
    env = {**os.environ, "QCREDIT_HOME": str(home)}
    env.pop("QCREDIT_SERVICE_DATABASE_URL", None)
    first = run_cli("run", "--inbox", str(sample_inbox), "--home", str(home), "--as-of", FIRST, env=env)
    assert first.returncode == 0, first.stderr
    added = run_cli("user", "add", "officer", "--role", "risk_officer", "--province", "all", "--home", str(home),
                    env=env, stdin="a long enough passphrase\n")
    assert added.returncode == 0, added.stderr
    token = run_cli("user", "token", "officer", "--home", str(home), env=env).stdout.strip().splitlines()[-1]
    server = subprocess.Popen([*QCREDIT, "serve", "--home", str(home), "--port", str(PORT)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_until_serving(server)
        yield home, token, env
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_serves_what_the_run_published(served):
    home, token, _ = served
    levels = (home / "exports" / FIRST / "enterprise_levels.csv").read_text(encoding="utf-8").splitlines()
    uscc = levels[1].split(",")[0]
    assert (home / "service" / "db.sqlite3").exists()  # the embedded default database, inside the home
    status, body = fetch(f"/api/v1/enterprises/{uscc}", token)
    assert status == 200
    file = json.loads(body)
    assert file["uscc"] == uscc and file["as_of"] == FIRST and file["history"] == [{"as_of": FIRST,
                                                                                      "level": file["level"]}]
    public_a = (home / "exports" / FIRST / "public_a_list.csv").read_text(encoding="utf-8").splitlines()
    status, body = fetch("/api/v1/public/a-list")
    assert status == 200 and len(json.loads(body)) == len(public_a) - 1


def test_next_run_publishes_while_serving_and_appears_without_restart(served, sample_inbox):
    home, token, env = served
    answers: list[int] = []
    stop = threading.Event()

    def keep_asking() -> None:
        while not stop.is_set():
            answers.append(fetch("/api/v1/warnings", token)[0])
            answers.append(fetch("/public/a")[0])

    clients = [threading.Thread(target=keep_asking) for _ in range(4)]
    for client in clients:
        client.start()
    try:
        nightly = run_cli("run", "--inbox", str(sample_inbox), "--home", str(home), "--as-of", NEXT, env=env)
    finally:
        stop.set()
        for client in clients:
            client.join()
    assert nightly.returncode == 0, nightly.stderr
    assert answers and set(answers) == {200}, f"{len(answers)} answers: {sorted(set(answers))}"
    status, body = fetch("/api/v1/public/a-list")
    assert status == 200 and all(row["as_of"] == NEXT for row in json.loads(body))
    status, body = fetch(f"/api/v1/public/a-list?date={FIRST}")
    assert status == 200 and all(row["as_of"] == FIRST for row in json.loads(body))
    levels = (home / "exports" / NEXT / "enterprise_levels.csv").read_text(encoding="utf-8").splitlines()
    file = json.loads(fetch(f"/api/v1/enterprises/{levels[1].split(',')[0]}", token)[1])
    assert [h["as_of"] for h in file["history"]] == [FIRST, NEXT]


def test_serving_copy_is_sorted_by_uscc_and_credit_files_hold_every_folded_row(served):
    import duckdb

    home, _, _ = served
    folder = home / "exports" / FIRST
    serving = folder / "serving"
    assert [p.name for p in serving.iterdir()] == ["serving.duckdb"]  # no temporary left beside it
    con = duckdb.connect(str(serving / "serving.duckdb"), read_only=True)
    tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
    assert tables == {"credit_files", "risk_warnings", "d_review_queue", "level_changes", "unresolved",
                      "public_a_list", "public_d_list", "criteria", "level_runs"}
    for table in tables:
        columns = [r[0] for r in con.execute(f'describe "{table}"').fetchall()]
        if "uscc" in columns:
            usccs = [r[0] for r in con.execute(f'select uscc from "{table}"').fetchall()]
            assert usccs == sorted(usccs, key=lambda u: (u is None, u or "")), table

    def csv_rows(view: str) -> int:
        return len((folder / f"{view}.csv").read_text(encoding="utf-8").splitlines()) - 1

    # every row of the views folded into credit_files is there, once
    assert con.execute("select count(*) from credit_files").fetchone()[0] == csv_rows("enterprise_levels")
    assert con.execute("select count(*) filter (where planned) from credit_files").fetchone()[0] == \
        csv_rows("supervision_plan")
    for column, view in (("evidence", "criterion_evidence"), ("score_breakdown", "risk_score_breakdown"),
                         ("award_actions", "award_actions")):
        folded = con.execute(f"select coalesce(sum(len({column})), 0) from credit_files").fetchone()[0]
        assert folded == csv_rows(view) > 0, view


def test_cli_refuses_a_weak_password_and_a_bad_province(served):
    home, _, env = served
    weak = run_cli("user", "add", "weak", "--role", "risk_officer", "--province", "33", "--home", str(home),
                   env=env, stdin="123\n")
    assert weak.returncode != 0 and "short" in (weak.stderr + weak.stdout)
    bad = run_cli("user", "add", "bad", "--role", "risk_officer", "--province", "330", "--home", str(home),
                  env=env, stdin="a long enough passphrase\n")
    assert bad.returncode != 0 and "province" in (bad.stderr + bad.stdout)
