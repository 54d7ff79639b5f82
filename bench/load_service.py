"""A bounded load test of `qcredit serve`: concurrent clients on loopback, a fixed number of requests, then stop.

    .venv/bin/python bench/load_service.py --home DIR                  # a home `qcredit run` graded
    .venv/bin/python bench/load_service.py --home DIR --clients 20 --requests 600

It starts `qcredit serve --home DIR` on 127.0.0.1 (port 18050 unless --port), signs a bench user (province
`all`, created in the home's service database if missing) in once per client, then `--clients` threads share a
queue of `--requests` requests of each kind, shuffled:
- `credit_file`: `/enterprises/<uscc>` for random graded enterprises (the page a risk officer opens);
- `warnings`: `/warnings` with random filters (action, minimum score, city, sort, page 1-3);
- `api_credit_file`: `/api/v1/enterprises/<uscc>` with a token.
With `--dates N`, it serves instead a scratch home beside DIR (`<DIR>-<N>-dates`) whose N published dates are
all DIR's latest one (its run summary and serving copy hard-linked under N consecutive dates, so no disk is
used), and the credit files ask random dates: a history then looks at N dates, and the server attaches N
serving copies. It reports p50/p95/max per kind and the server's peak memory (PSS and RSS of its processes,
psutil), prints a Markdown table and writes
`bench/results/service-<enterprises>[-<N>-dates].json`. Targets at 1M enterprises: credit file p95 <= 150 ms,
warnings p95 <= 300 ms, the server under 1 GiB.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import random
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from datetime import date, timedelta
from pathlib import Path

import duckdb
import psutil

from qcredit import homes
from qcredit.service.publish import CREDIT_FILES, serving_database

ROOT = Path(__file__).resolve().parent.parent
QCREDIT = [sys.executable, "-m", "qcredit.cli"]
BENCH_USER = "bench_loader"
TARGETS_MS = {"credit_file": 150, "warnings": 300}
TARGET_MIB = 1024


def latest_date(home: Path) -> str:
    folders = (home / "exports").iterdir()
    dates = sorted(p.name for p in folders if serving_database(p).exists())
    if not dates:
        raise SystemExit(f"no published date with a serving copy under {home}/exports: run `qcredit run` first")
    return dates[-1]


def serving_copy(home: Path, as_of: str) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(serving_database(home / "exports" / as_of)), read_only=True)


def many_dates(home: Path, as_of: str, count: int) -> Path:
    """A home beside `home` publishing `as_of`'s serving copy under `count` dates ending on `as_of`."""
    scratch = home.with_name(f"{home.name}-{count}-dates")
    shutil.rmtree(scratch / "exports", ignore_errors=True)
    homes.mark(scratch)
    source = home / "exports" / as_of
    last = date.fromisoformat(as_of)
    for back in range(count):
        folder = scratch / "exports" / (last - timedelta(days=back)).isoformat()
        serving_database(folder).parent.mkdir(parents=True)
        os.link(serving_database(source), serving_database(folder))
        os.link(source / "run_summary.json", folder / "run_summary.json")
    return scratch


def sample_requests(home: Path, as_of: str, count: int, seed: int,
                    dates: list[str] | None = None) -> list[tuple[str, str]]:
    con = serving_copy(home, as_of)
    rng = random.Random(seed)
    every = [r[0] for r in con.execute(f"select uscc from {CREDIT_FILES} order by uscc").fetchall()]
    usccs = rng.sample(every, min(count, len(every)))
    cities = [r[0] for r in con.execute("select distinct left(region_code, 4) from risk_warnings order by 1")
              .fetchall()]
    con.close()
    requests = []
    for i in range(count):
        uscc = usccs[i % len(usccs)]
        on = f"?date={rng.choice(dates)}" if dates else ""
        requests.append(("credit_file", f"/enterprises/{uscc}{on}"))
        requests.append(("api_credit_file", f"/api/v1/enterprises/{uscc}"))
        filters = {"action": rng.choice(["", "yellow_card", "warning"]), "min_score": rng.choice(["", "30", "50"]),
                   "city": rng.choice([""] * 3 + cities), "sort": rng.choice(["-risk_score", "name", "region_code"]),
                   "page": str(rng.randint(1, 3))}
        requests.append(("warnings", "/warnings?" + urllib.parse.urlencode({k: v for k, v in filters.items() if v})))
    rng.shuffle(requests)
    return requests


def prepare_user(home: Path, env: dict) -> tuple[str, str]:
    password = secrets.token_urlsafe(16)
    subprocess.run([*QCREDIT, "user", "revoke", BENCH_USER, "--home", str(home)], env=env, capture_output=True)
    code = f"""
from qcredit.service import commands
commands.setup({str(home)!r})
from django.contrib.auth import get_user_model
from qcredit.service.models import Profile
user, _ = get_user_model().objects.get_or_create(username={BENCH_USER!r})
user.set_password({password!r}); user.is_active = True; user.save()
Profile.objects.update_or_create(user=user, defaults={{"role": "risk_officer", "province": "all"}})
"""
    subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=ROOT)
    token = subprocess.run([*QCREDIT, "user", "token", BENCH_USER, "--home", str(home)], env=env, check=True,
                           capture_output=True, text=True).stdout.split()[-1]
    return password, token


class Client:
    """One keep-alive connection with a session cookie (signed in through the login form, CSRF and all)."""

    def __init__(self, port: int, password: str, token: str):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}
        self.token = token
        self.get("/login")
        body = urllib.parse.urlencode({"username": BENCH_USER, "password": password,
                                       "csrfmiddlewaretoken": self.cookies["csrftoken"]})
        status, _ = self.request("POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded",
                                                          "Referer": f"http://127.0.0.1:{port}/login"})
        if status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"bench login failed ({status})")

    def request(self, method: str, path: str, body: str | None = None, headers: dict | None = None):
        headers = dict(headers or {})
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if path.startswith("/api/"):
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            self.conn.request(method, path, body, headers)
            response = self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # the server closed a kept-alive connection that sat idle (gunicorn's keep-alive is 2 s): a browser
            # opens a new one, and so does this client
            self.conn.close()
            self.conn.request(method, path, body, headers)
            response = self.conn.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            match = re.match(r"([^=]+)=([^;]*)", header)
            if match:
                self.cookies[match.group(1)] = match.group(2)
        return response.status, data

    def get(self, path: str):
        return self.request("GET", path)


def watch_memory(pid: int, stop: threading.Event, peak: dict[str, int]) -> None:
    """The server's peak memory, its master and workers together: RSS (pages shared after the fork counted in
    every process) every 50 ms, and PSS (each shared page counted once in all: what the service costs the
    machine) every 500 ms, since reading it makes the kernel walk every page and takes CPU from the test."""
    process = psutil.Process(pid)
    samples = 0
    while not stop.is_set():
        try:
            processes = [process, *process.children(recursive=True)]
            peak["rss"] = max(peak["rss"], sum(p.memory_info().rss for p in processes))
            if samples % 10 == 0:
                peak["pss"] = max(peak["pss"], sum(p.memory_full_info().pss for p in processes))
        except psutil.NoSuchProcess:
            return
        samples += 1
        time.sleep(0.05)


def server_cpu_seconds(process: psutil.Process) -> float:
    """User and system CPU of the server: its master process and its workers."""
    return sum(sum(p.cpu_times()[:2]) for p in [process, *process.children(recursive=True)])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=400, help="requests of each kind")
    parser.add_argument("--port", type=int, default=18050)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dates", type=int, help="serve this many published dates (see above)")
    parser.add_argument("--workers", type=int, help="qcredit serve --workers (default: its own)")
    args = parser.parse_args()
    home = args.home.resolve()
    as_of = latest_date(home)
    with serving_copy(home, as_of) as con:
        enterprises = con.execute(f"select count(*) from {CREDIT_FILES}").fetchone()[0]
    dates = None
    if args.dates:
        home = many_dates(home, as_of, args.dates)
        dates = sorted(p.name for p in (home / "exports").iterdir())
    env = {**os.environ, "QCREDIT_HOME": str(home), "PYTHONPATH": str(ROOT)}
    work = sample_requests(home, as_of, args.requests, args.seed, dates)
    password, token = prepare_user(home, env)
    workers = ["--workers", str(args.workers)] if args.workers else []
    server = subprocess.Popen([*QCREDIT, "serve", "--home", str(home), "--port", str(args.port), *workers], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stop, peak = threading.Event(), {"pss": 0, "rss": 0}
    try:
        for _ in range(600):
            try:
                http.client.HTTPConnection("127.0.0.1", args.port, timeout=1).request("GET", "/")
                break
            except OSError:
                time.sleep(0.1)
        threading.Thread(target=watch_memory, args=(server.pid, stop, peak), daemon=True).start()
        clients = [Client(args.port, password, token) for _ in range(args.clients)]
        timings: dict[str, list[float]] = {}
        failures: list[tuple[str, int]] = []
        todo: queue.Queue = queue.Queue()
        for item in work:
            todo.put(item)
        lock = threading.Lock()

        def drain(client: Client) -> None:
            while True:
                try:
                    kind, path = todo.get_nowait()
                except queue.Empty:
                    return
                start = time.perf_counter()
                try:
                    status, _ = client.get(path)
                except OSError:  # counted, never lost with its thread
                    status = 0
                elapsed = (time.perf_counter() - start) * 1000
                with lock:
                    timings.setdefault(kind, []).append(elapsed)
                    if status != 200:
                        failures.append((path, status))

        server_process = psutil.Process(server.pid)
        worker_count = len(server_process.children())
        cpu_before = server_cpu_seconds(server_process)
        started = time.perf_counter()
        threads = [threading.Thread(target=drain, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
        server_cpu = server_cpu_seconds(server_process) - cpu_before
    finally:
        stop.set()
        server.terminate()
        server.wait(timeout=30)
        subprocess.run([*QCREDIT, "user", "revoke", BENCH_USER, "--home", str(home)], env=env, capture_output=True)
    result = {
        "enterprises": enterprises, "as_of": as_of, "published_dates": len(dates) if dates else None,
        "clients": args.clients, "requests": len(work), "server_workers": worker_count,
        "seconds": round(wall, 1), "requests_per_second": round(len(work) / wall, 1),
        "server_peak_pss_mib": round(peak["pss"] / 2**20), "server_peak_rss_mib": round(peak["rss"] / 2**20),
        # CPU the server spent per request: what the machine's other load does not change.
        "server_cpu_ms_per_request": round(server_cpu * 1000 / len(work), 1),
        "failures": failures[:20], "failure_count": len(failures),
        "kinds": {kind: {"count": len(v), "p50_ms": round(statistics.median(v), 1),
                         "p95_ms": round(percentile(v, 0.95), 1), "max_ms": round(max(v), 1)}
                  for kind, v in sorted(timings.items())},
        "machine": {"cpus": os.cpu_count(), "load_average_1_5_15_min_at_end": list(os.getloadavg())},
    }
    out = ROOT / "bench" / "results" / f"service-{enterprises}{f'-{len(dates)}-dates' if dates else ''}.json"
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"| request ({enterprises:,} enterprises, {args.clients} clients) | count | p50 ms | p95 ms | max ms "
          "| target p95 |")
    print("|---|---|---|---|---|---|")
    for kind, stats in result["kinds"].items():
        target = f"<= {TARGETS_MS[kind]} ms (1M)" if kind in TARGETS_MS else ""
        print(f"| {kind} | {stats['count']} | {stats['p50_ms']} | {stats['p95_ms']} | {stats['max_ms']} | {target} |")
    print(f"server ({worker_count} workers) peak memory {result['server_peak_pss_mib']} MiB PSS "
          f"(target < {TARGET_MIB} MiB at 1M; RSS summed {result['server_peak_rss_mib']} MiB); "
          f"{result['requests_per_second']} requests/s; server CPU {result['server_cpu_ms_per_request']} ms per "
          f"request; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; {len(failures)} failures; "
          f"written to {out}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
