"""The steps of a grading run. `qcredit` and the Airflow DAG call these functions and nothing else.

Process management lives here (docs/drills.md): one run per home at a time (`home_lock`, a lock file held by
the kernel, so a killed run never leaves it taken); every child process dies with the run (the dbt process and
the landing pool's fork server and workers ask Linux for a kill signal when their parent exits); a date's
export folder is published whole (`qcredit.exports.staged_date`); a step that fails says which step, which
path and which error, with the traceback in `<home>/logs/qcredit.log`.
"""

from __future__ import annotations

import contextlib
import errno
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from ingest import registry
from ingest.orphans import die_with_parent, die_with_pool_parent
from qcredit import homes, settings
from qcredit.progress import Progress
from qcredit.sql import string_literal


def ingest(inbox: Path | str | None, home: Path | str | None, as_of: str | date | None,
           workers: int | None = None, progress: Progress | None = None) -> list[dict]:
    """Land every declared feed's deliveries dated on or before `as_of`; a feed lands after the reference
    feeds it resolves identifiers through. Results come back in registry order.

    Feeds land in `workers` processes (default `settings.ingest_workers()`) when there is enough to land to
    pay for starting them, the costliest first so that the processes finish together."""
    from ingest import land

    inbox_path, home_path = settings.inbox_dir(inbox), settings.home_dir(home)
    day = resolve_as_of(as_of)
    if not inbox_path.is_dir():
        raise RunError(f"no inbox folder at {inbox_path}")
    progress = progress or Progress()
    homes.mark(home_path)
    land.ensure_lake(home_path)
    ensure_broken_feeds_resolve(home_path)
    feed_ids = [f for wave in registry.landing_waves() for f in wave]  # references first
    pending = {f: land.pending_bytes(f, inbox_path, home_path, day) for f in feed_ids}
    workers = settings.ingest_workers() if workers is None else workers
    progress.step("landing", len(feed_ids), f"{len(feed_ids)} feeds, {sum(pending.values()) / 2**20:.1f} MiB new")
    if workers <= 1 or sum(pending.values()) < settings.PARALLEL_INGEST_MIN_BYTES:
        results = {}
        for f in feed_ids:
            progress.started(f)
            results[f] = land.land_feed(f, inbox_path, home_path, day)
            progress.finished(f, _landed_detail(results[f]))
    else:
        cost = {f: pending[f] * settings.LANDING_COST_PER_BYTE[registry.get_feed(f).format] for f in feed_ids}
        costliest_first = sorted(feed_ids, key=lambda f: -cost[f])
        results = _land_in_parallel(costliest_first, workers, inbox_path, home_path, day, progress)
    progress.end_step()
    return [results[f] for f in feed_ids]


def _landed_detail(result: dict) -> str:
    """What one feed's landing did in this run, for its progress line."""
    new = [e for e in result["files"] if not e.get("already_landed")]
    if not new:
        return "no new files"
    statuses = Counter(e["status"] for e in new)
    rows = sum(e.get("rows_read") or 0 for e in new)
    return f"{len(new)} new files ({', '.join(f'{n} {s}' for s, n in sorted(statuses.items()))}), {rows:,} rows"


def ensure_broken_feeds_resolve(home: Path) -> None:
    """A feed whose declaration is broken does not land, but dbt still reads its tables: where its lake folder
    is missing (a new home), a zero-row file with the columns of its committed dbt source, the last good
    schema, lets the sources resolve and the other feeds grade."""
    import duckdb
    import yaml

    if not registry.broken_declarations():
        return
    staging = settings.DBT_PROJECT_DIR / "models" / "staging"
    for sources_file in sorted(staging.glob("*/_*__sources.yml")):
        for source in yaml.safe_load(sources_file.read_text(encoding="utf-8"))["sources"]:
            for table in source["tables"]:
                folder = settings.lake_dir(home) / source["name"] / table["name"]
                if any(folder.glob("*/*.parquet")):
                    continue
                target = folder / "delivery=00000000_00" / "part-empty.parquet"
                target.parent.mkdir(parents=True, exist_ok=True)
                columns = ", ".join(f'cast(null as {c["data_type"]}) as "{c["name"]}"' for c in table["columns"])
                with duckdb.connect() as con:
                    con.execute(f"copy (select {columns} limit 0) to '{string_literal(target)}' (format parquet)")


def _land_feed_in_worker(feed_id: str, inbox: Path, home: Path, day: str, allocator_conf: str = "") -> dict:
    """`land.land_feed` in a pool process of its own, with that process's peak memory (`peak_rss_mib`); a
    failure comes back as a RuntimeError naming the feed (some library errors, such as a Rust panic, cannot be
    sent between processes as they are). `allocator_conf` configures polars' allocator, which reads it from
    the environment when polars is first imported: here, just below (the server this process was forked from
    has not imported polars). polars itself sets the variable then, so it cannot be passed down in it."""
    import os
    import resource

    if allocator_conf:
        os.environ["_RJEM_MALLOC_CONF"] = allocator_conf
    from ingest import land

    try:
        result = land.land_feed(feed_id, inbox, home, day)
        return {**result, "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}
    except OSError:
        raise  # errno, message and path travel as they are: `step` words them
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        raise RuntimeError(f"landing {feed_id} failed: {type(exc).__name__}: {exc}") from None


def _land_in_parallel(feed_ids: list[str], workers: int, inbox: Path, home: Path, day: str,
                      progress: Progress) -> dict[str, dict]:
    """Land feeds in a process pool, costliest first, each once the feeds it resolves through have landed.

    Each feed lands in a fresh process: freed memory lingers in a process's allocators, so a process that
    landed one large feed would take the next one's peak on top of it. Fresh processes are forked from a server
    that has already imported GX and pandas (seconds of imports), so one starts in a fraction of a second.
    polars is imported after the fork: its threads do not survive one."""
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from multiprocessing import get_context

    from ingest.gx import keep_gx_offline

    keep_gx_offline()  # the server imports GX
    context = get_context("forkserver")
    # ingest.orphans_server asks Linux to kill the server with this process; each worker asks it of the server
    context.set_forkserver_preload(["ingest.orphans_server", "great_expectations", "pandas"])
    waiting, running, results, allocator = list(feed_ids), {}, {}, settings.landing_allocator_conf()
    with ProcessPoolExecutor(workers, mp_context=context, max_tasks_per_child=1,
                             initializer=die_with_pool_parent) as pool:
        try:
            while waiting or running:
                # A feed is submitted only when a process is free, so the costliest feed ready at that moment
                # goes next: one that became ready late (tax after the register) does not queue behind cheaper
                # ones submitted earlier and end the run alone.
                ready = [f for f in waiting if registry.resolved_through(f) <= results.keys()]
                for feed_id in ready[:workers - len(running)]:
                    running[pool.submit(_land_feed_in_worker, feed_id, inbox, home, day, allocator)] = feed_id
                    waiting.remove(feed_id)
                    progress.started(feed_id)
                if not running:  # cannot happen while the registry refuses resolve_via cycles; never spin
                    raise RuntimeError(f"no feed can land: {', '.join(waiting)} wait for feeds that never land")
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    feed_id = running.pop(future)
                    results[feed_id] = future.result()
                    progress.finished(feed_id, _landed_detail(results[feed_id]))
        except BaseException:
            pool.shutdown(cancel_futures=True)
            raise
    return results


def resolve_as_of(value: str | date | None, logical_date: object | None = None) -> str:
    """The as-of date T as YYYY-MM-DD: the given value, else the logical date (else now) in Asia/Shanghai."""
    import pendulum

    if isinstance(value, date):
        return value.isoformat()
    if value:
        return pendulum.parse(str(value)).date().isoformat()  # rejects what is not a date
    moment = pendulum.instance(logical_date) if logical_date is not None else pendulum.now()
    return moment.in_timezone(settings.TIMEZONE).date().isoformat()


class RunError(RuntimeError):
    """A run that cannot complete for a reason a person must fix (not worth retrying)."""


def broken_declaration_lines() -> list[str]:
    """One line per feed declaration that could not be read: its feed did not land, the others did."""
    return [f"broken feed declaration {path}: {error} (its feed did not land)"
            for path, error in registry.broken_declarations().items()]


def check_declarations() -> None:
    """Fail, naming them, when feed declarations are broken: run at the end, once the other feeds are graded."""
    if broken := broken_declaration_lines():
        raise RunError("; ".join(broken))


def land_feed(feed_id: str, inbox: Path | str | None, home: Path | str | None, as_of: str) -> dict:
    """Land one feed (one Airflow mapped task instance): Parquet only, so feeds land in parallel."""
    from ingest import land

    home_path = settings.home_dir(home)
    homes.mark(home_path)
    land.ensure_lake(home_path)
    ensure_broken_feeds_resolve(home_path)
    return land.land_feed(feed_id, settings.inbox_dir(inbox), home_path, resolve_as_of(as_of))


def validation_report(results: list[dict]) -> dict:
    """The gate's view of this run's landing: rejected and held files with their reasons, and row totals.
    Files landed by an earlier run (`already_landed`) were reported then."""
    files = [entry for result in results for entry in result["files"] if not entry.get("already_landed")]
    attention = [
        {key: entry.get(key) for key in ("agency", "dataset", "file", "status", "reason")}
        for entry in files
        if entry.get("status") in ("rejected", "held")
    ]
    totals = {
        key: sum(entry.get(key) or 0 for entry in files)
        for key in ("rows_read", "rows_loaded", "rows_quarantined", "rows_unresolved")
    }
    return {"files": len(files), "needs_attention": attention, **totals}


def grade(home: Path | str | None, as_of: str, progress: Progress | None = None) -> dict:
    """`dbt build` as of T: one dbt process, the only writer of warehouse.duckdb. dbt logs JSON on stdout so
    that each node's start and end reach `progress`; the log file gets the message of every event."""
    import json
    import os
    import subprocess
    import sys
    import time

    from qcredit.progress import follow_dbt_event

    home_path = settings.home_dir(home)
    day = resolve_as_of(as_of)
    logs = home_path / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    dbt = Path(sys.executable).with_name("dbt")
    command = [
        str(dbt) if dbt.exists() else "dbt", "build",
        "--project-dir", str(settings.DBT_PROJECT_DIR),
        "--profiles-dir", str(settings.DBT_PROFILES_DIR),
        "--target", settings.DBT_TARGET,
        "--target-path", str(home_path / "dbt_target"),  # per home: runs on other homes never collide
        "--log-path", str(logs),
        "--vars", json.dumps({"as_of": day}),
        # The data tests guard every run's outputs; the unit tests check the SQL itself, which does not
        # change between nights: CI runs them (tests/dbt), the nightly run skips their ~25-60 s.
        "--exclude", "test_type:unit",
        "--log-format", "json", "--no-use-colors",
    ]
    env = {**os.environ, "QCREDIT_HOME": str(home_path)}
    progress = progress or Progress()
    progress.step("grading", detail=f"dbt build as of {day}")
    log_file = logs / f"dbt_build_{day}.log"
    messages: list[str] = []
    with home_lock(home_path, "dbt build"):
        wait_for_warehouse(settings.warehouse_path(home_path))
        started = time.perf_counter()
        with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              preexec_fn=die_with_parent) as dbt_run, log_file.open("w", encoding="utf-8") as log:
            for line in dbt_run.stdout:
                message = follow_dbt_event(line, progress)
                messages.append(message)
                log.write(message + "\n")
        seconds = round(time.perf_counter() - started, 2)
    if dbt_run.returncode != 0:
        output = "\n".join(messages)
        if "No space left on device" in output:
            raise RunError(f"grade: dbt build ran out of disk space writing under {home_path} "
                           f"([Errno 28] No space left on device; log: {log_file})")
        raise RunError(f"dbt build failed as of {day}: {_first_dbt_error(output)} (log: {log_file})")
    progress.end_step()
    return {"as_of": day, "dbt_seconds": seconds, "dbt_log": str(log_file)}


def wait_for_warehouse(warehouse: Path) -> None:
    """dbt needs the warehouse for writing: a process holding it open (even read-only) is waited for, up to
    QCREDIT_WAREHOUSE_WAIT_SECONDS (default 300), then named in the error. Published files (exports/<T>/)
    are what readers should open: they never hold the warehouse."""
    import os
    import re
    import time

    import duckdb

    if not warehouse.exists():
        return
    deadline = time.monotonic() + float(os.environ.get("QCREDIT_WAREHOUSE_WAIT_SECONDS") or 300)
    while True:
        try:
            duckdb.connect(str(warehouse)).close()
            return
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            if time.monotonic() >= deadline:
                holder = re.search(r"\(PID (\d+)\)", str(exc))
                raise RunError(
                    f"grade: the warehouse {warehouse} is held open by another process"
                    f"{f' (pid {holder.group(1)})' if holder else ''}; close it (read the published files "
                    f"under exports/ instead) and run again"
                ) from exc
            time.sleep(1)


def _first_dbt_error(output: str) -> str:
    import re

    plain = re.sub(r"\x1b\[[0-9;]*m", "", output)
    for line in plain.splitlines():
        if re.search(r"\b(ERROR|FAIL)\b|Error", line) and "PASS=" not in line:
            return line.split("  ", 1)[-1].strip()[:300]
    return "see the log"


def export(home: Path | str | None, as_of: str) -> dict:
    """Publish T (`publish`) and return where: `{"folder", "files"}`."""
    return publish(home, as_of)[0]


def publish(home: Path | str | None, as_of: str, steps: dict[str, float] | None = None,
            inbox: Path | str | None = None, landed: list[dict] | None = None) -> tuple[dict, dict]:
    """Every file of OUTPUTS.md for T from the graded warehouse (read-only) and the lake, then
    run_summary.json, written into a staging folder that replaces `<home>/exports/<T>/` whole at the end.
    Returns (export result, summary)."""
    import time

    from qcredit import exports

    home_path, day = settings.home_dir(home), resolve_as_of(as_of)
    steps = dict(steps or {})
    with home_lock(home_path, "export"), exports.staged_date(home_path, day) as folder:
        started = time.perf_counter()
        result = exports.write_exports(home_path, day, folder)
        steps["export"] = round(time.perf_counter() - started, 2)
        summary = summarize(home_path, day, steps, landed, inbox, out_dir=folder)
    return result, summary


def summarize(home: Path | str | None, as_of: str, steps: dict[str, float] | None = None,
              landed: list[dict] | None = None, inbox: Path | str | None = None,
              out_dir: Path | None = None) -> dict:
    """Write run_summary.json and files_needing_attention.csv into the date's exports folder (`out_dir`, the
    staging folder while publishing; default the published `<home>/exports/<as_of>/`, as the DAG's last task
    rewrites them): counts by level and action, and the night's report from what this run's landing returned
    (`landed`; the DAG passes its land tasks' results)."""
    import duckdb

    from qcredit import exports, report

    home_path, day = settings.home_dir(home), resolve_as_of(as_of)
    with home_lock(home_path, "summary"):
        inbox_path = settings.inbox_dir(inbox)
        night = report.night(landed, exports.manifest_entries(home_path, day), inbox_path,
                             report.remember_ignored(home_path, inbox_path, day))
        with duckdb.connect(str(settings.warehouse_path(home_path)), read_only=True) as con:
            return exports.write_summary(con, out_dir or settings.exports_dir(home_path, day), day, night,
                                         steps or {})


def run(inbox: Path | str | None, home: Path | str | None, as_of: str | date | None,
        progress: Progress | None = None) -> dict:
    """`qcredit run`: ingest what was delivered up to T, grade as of T, publish the exports of T (the summary
    is written last, then the date's folder is replaced whole)."""
    import time

    day = resolve_as_of(as_of)
    progress = progress or Progress()
    steps: dict[str, float] = {}
    with home_lock(settings.home_dir(home), f"qcredit run --as-of {day}"):
        started = time.perf_counter()
        landed = step("ingest", ingest, inbox, home, day, None, progress)
        steps["ingest"] = round(time.perf_counter() - started, 2)
        started = time.perf_counter()
        step("grade", grade, home, day, progress)
        steps["grade"] = round(time.perf_counter() - started, 2)
        progress.step("exporting")
        summary = step("export", publish, home, day, steps, inbox, landed)[1]
        progress.end_step()
        return summary


def step(name: str, call: Callable[..., Any], *args: Any) -> Any:
    """Run one step; a file system error (disk full, permission, a path gone) becomes a RunError naming the
    step, the path and the error. The original stays chained, so the log has the whole traceback."""
    try:
        return call(*args)
    except OSError as exc:
        what = "no space left on device" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
        path = f" writing {exc.filename}" if exc.filename else ""
        raise RunError(f"{name}: {what}{path} ([Errno {exc.errno}] {type(exc).__name__})") from exc


# -- one run per home ------------------------------------------------------------------------------------

LOCK_FILE = ".qcredit.lock"
HOLDER_FILE = ".qcredit.lock.json"  # who holds the lock, for the message another run prints


@contextlib.contextmanager
def home_lock(home: Path | str | None, command: str) -> Iterator[None]:
    """Hold the home's run lock for the block, or fail at once naming the run that holds it. The lock is a
    kernel file lock (filelock): a killed run releases it. Reentrant: the steps of `run` take it again."""
    import json
    import os
    import socket
    from datetime import UTC, datetime

    from filelock import FileLock, Timeout

    home_path = settings.home_dir(home)
    home_path.mkdir(parents=True, exist_ok=True)
    lock = FileLock(home_path / LOCK_FILE, is_singleton=True, thread_local=False)
    outermost = not lock.is_locked
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise RunError(f"{command}: another qcredit run is using {home_path}: {_holder(home_path)}; "
                       "wait for it to finish, or stop that process") from None
    try:
        if outermost:
            holder = {"pid": os.getpid(), "host": socket.gethostname(), "command": command,
                      "started": datetime.now(UTC).isoformat(timespec="seconds")}
            (home_path / HOLDER_FILE).write_text(json.dumps(holder), encoding="utf-8")
        yield
    finally:
        lock.release()


def _holder(home: Path) -> str:
    import json

    try:
        holder = json.loads((home / HOLDER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "its details are not recorded"
    return f"pid {holder['pid']} on {holder['host']} ({holder['command']}), started {holder['started']}"


def describe_run(summary: dict) -> str:
    """A few lines for a person at a terminal: grades, this night's files, what is still open, where the files
    are."""
    from qcredit import report

    return report.describe(summary)
