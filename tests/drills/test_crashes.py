"""Drills: a run killed at any moment (kill -9) during landing, dbt or the export, then run again, publishes
exactly what a clean run publishes; no child process outlives a killed run; a date's folder is published whole
or not at all; one run per home; readers of published files never make a run fail; failures name the step, the
path and the error."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from qcredit import exports, pipeline
from tests.drills.conftest import AS_OF, published, qcredit, run_args, start_qcredit


def process_table() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, state) of every live process."""
    table = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        state, parent = text.rsplit(")", 1)[1].split()[:2]
        table[int(stat.parent.name)] = (int(parent), state)
    return table


def descendants(pid: int) -> set[int]:
    table, found, frontier = process_table(), set(), {pid}
    while frontier:
        frontier = {child for child, (parent, _) in table.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pids: set[int]) -> set[int]:
    table = process_table()
    return {p for p in pids if p in table and table[p][1] != "Z"}


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def wait_for(condition: Callable[[], object], timeout: float, interval: float = 0.002) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met in {timeout} s")


def kill_when(args: list, condition: Callable[[subprocess.Popen], object], timeout: float = 300) -> set[int]:
    """Start `qcredit`, kill -9 it once `condition` holds; return the children it had then."""
    run = start_qcredit(*args)
    try:
        wait_for(lambda: condition(run) or run.poll() is not None, timeout)
        assert run.poll() is None, f"the run ended before the moment to kill it: {run.communicate()}"
        children = descendants(run.pid)
        run.send_signal(signal.SIGKILL)
        run.wait()
    finally:
        if run.poll() is None:
            run.kill()
        run.communicate()
    return children


def assert_no_orphans(children: set[int]) -> None:
    wait_for(lambda: not alive(children), timeout=15, interval=0.1)


def assert_rerun_publishes_as_a_clean_run(inbox: Path, home: Path, baseline: dict) -> None:
    done = qcredit(*run_args(inbox, home))
    assert done.returncode == 0, done.stderr
    assert published(home) == baseline["published"]
    assert not list((home / "exports").glob(".*")), "no staging folder is left behind"


def test_kill_during_landing(tmp_path, baseline):
    home = tmp_path / "home"
    children = kill_when(run_args(baseline["inbox"], home),
                         lambda _: any((home / "lake/_manifest").glob("*/*/*.json")))
    assert_no_orphans(children)
    assert not (home / "exports" / AS_OF).exists()
    assert_rerun_publishes_as_a_clean_run(baseline["inbox"], home, baseline)


def test_kill_during_dbt_leaves_no_orphan_and_a_second_run_is_refused_meanwhile(tmp_path, baseline):
    home = tmp_path / "home"
    seen: dict[str, object] = {}

    def dbt_running(run: subprocess.Popen) -> bool:
        dbt = [p for p in descendants(run.pid) if " build " in cmdline(p) and "dbt" in cmdline(p)]
        if dbt and "second" not in seen:
            time.sleep(2)  # well into the build
            seen["second"] = qcredit(*run_args(baseline["inbox"], home))
            seen["dbt"] = set(dbt)
            seen["pid"] = run.pid
        return bool(dbt)

    children = kill_when(run_args(baseline["inbox"], home), dbt_running)
    second = seen["second"]
    assert second.returncode == 1
    assert f"another qcredit run is using {home}: pid {seen['pid']}" in second.stderr, second.stderr
    assert seen["dbt"] <= children
    assert_no_orphans(children)  # dbt included: it would hold the warehouse's lock
    assert_rerun_publishes_as_a_clean_run(baseline["inbox"], home, baseline)


def test_kill_during_export_publishes_nothing_then_the_rerun_publishes_whole(tmp_path, baseline):
    home = tmp_path / "home"
    children = kill_when(run_args(baseline["inbox"], home),
                         lambda _: (home / "exports" / f".staging-{AS_OF}").exists(), timeout=300)
    assert_no_orphans(children)
    assert not (home / "exports" / AS_OF).exists(), "a date's folder is published whole or not at all"
    assert_rerun_publishes_as_a_clean_run(baseline["inbox"], home, baseline)


def test_parallel_landing_pool_dies_with_a_killed_run(tmp_path, baseline):
    """The fork server and its workers exit when the process that started them is killed."""
    script = (
        "import sys; from pathlib import Path; from ingest import land; from qcredit import pipeline\n"
        "from qcredit.progress import Progress\n"
        "home = Path(sys.argv[2]); land.ensure_lake(home)\n"
        "feeds = ['quality/enterprises', 'quality/inspections', 'quality/standards', 'quality/violations']\n"
        "pipeline._land_in_parallel(feeds, 2, Path(sys.argv[1]), home, '2026-11-20', Progress())\n"
    )
    runner = subprocess.Popen([sys.executable, "-c", script, str(baseline["inbox"]), str(tmp_path / "home")])
    try:
        children = wait_for(lambda: len(descendants(runner.pid)) >= 3 and descendants(runner.pid), 120, 0.01)
    finally:
        runner.send_signal(signal.SIGKILL)
        runner.wait()
    assert_no_orphans(children)


def test_a_date_folder_is_replaced_whole_or_not_at_all(tmp_path):
    home = tmp_path / "home"
    with exports.staged_date(home, AS_OF) as folder:
        (folder / "a.csv").write_text("old\n")
        (folder / "run_summary.json").write_text("{}\n")
    target = home / "exports" / AS_OF
    # killed half way through the next publication: the published folder is untouched
    script = ("import os, signal, sys; from pathlib import Path; from qcredit import exports\n"
              "with exports.staged_date(Path(sys.argv[1]), sys.argv[2]) as folder:\n"
              "    (folder / 'a.csv').write_text('new\\n'); (folder / 'b.csv').write_text('new\\n')\n"
              "    os.kill(os.getpid(), signal.SIGKILL)\n")
    subprocess.run([sys.executable, "-c", script, str(home), AS_OF], check=False)
    assert sorted(p.name for p in target.iterdir()) == ["a.csv", "run_summary.json"]
    assert (target / "a.csv").read_text() == "old\n"
    # an error inside the block: untouched too; then a publication replaces it whole
    with pytest.raises(OSError), exports.staged_date(home, AS_OF) as folder:
        (folder / "b.csv").write_text("new\n")
        raise OSError(errno.ENOSPC, "No space left on device", str(folder / "c.csv"))
    assert (target / "a.csv").read_text() == "old\n"
    with open(target / "a.csv") as reader:
        with exports.staged_date(home, AS_OF) as folder:
            (folder / "b.csv").write_text("new\n")
            (folder / "run_summary.json").write_text("{}\n")
        assert reader.read() == "old\n", "a reader of the replaced folder keeps reading it"
    assert sorted(p.name for p in target.iterdir()) == ["b.csv", "run_summary.json"]
    assert sorted(p.name for p in (home / "exports").iterdir()) == [AS_OF]


def test_readers_of_published_files_never_make_a_run_fail(tmp_path, baseline):
    home = tmp_path / "home"
    assert qcredit(*run_args(baseline["inbox"], home)).returncode == 0
    folder = home / "exports" / AS_OF
    reader = duckdb.connect()
    levels = reader.read_csv(str(folder / "enterprise_levels.csv"))  # a DuckDB relation over a published file
    held = (folder / "risk_warnings.csv").open("rb")
    before = levels.aggregate("count(*)").fetchall()[0]
    # a process reading the warehouse for a moment is waited for
    warehouse = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    threading.Timer(2, warehouse.close).start()
    done = qcredit(*run_args(baseline["inbox"], home))
    assert done.returncode == 0, done.stderr
    assert published(home) == baseline["published"]
    assert held.read() and before[0] > 0
    assert levels.aggregate("count(*)").fetchall()[0] == before
    held.close()
    reader.close()


def test_a_process_holding_the_warehouse_is_named(tmp_path, baseline):
    home = tmp_path / "home"
    assert qcredit(*run_args(baseline["inbox"], home)).returncode == 0
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; "
                               "c = duckdb.connect(sys.argv[1], read_only=True); print('open', flush=True); "
                               "time.sleep(120)", str(home / "warehouse.duckdb")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        done = qcredit(*run_args(baseline["inbox"], home))
    finally:
        holder.kill()
        holder.wait()
    assert done.returncode == 1
    assert f"grade: the warehouse {home / 'warehouse.duckdb'} is held open by another process (pid {holder.pid})" \
        in done.stderr, done.stderr


def test_disk_full_names_the_step_and_the_path(tmp_path, monkeypatch, capsys):
    from qcredit import homes
    from qcredit.cli import main

    home = tmp_path / "home"
    homes.mark(home)  # an existing qcredit home: `export` refuses any other
    target = home / "exports" / f".staging-{AS_OF}" / "enterprise_levels.csv"

    def full(*_):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))

    monkeypatch.setattr(exports, "write_exports", full)
    assert main(["export", "--home", str(home), "--as-of", AS_OF]) == 1
    err = capsys.readouterr().err
    assert f"export: no space left on device writing {target}" in err, err
    log = (home / "logs" / "qcredit.log").read_text(encoding="utf-8")
    assert "No space left on device" in log and "Traceback" in log


def test_a_full_disk_while_landing_names_the_step_and_the_lake_file():
    """polars words ENOSPC as a ComputeError without the path; landing names the file it was writing."""
    import polars as pl

    from ingest import land

    def land_on_a_full_disk() -> None:  # /dev/full answers every write with ENOSPC
        with land._naming(Path("/home/q/lake/quality/inspections/delivery=20261119_00/.part.parquet.1.tmp")):
            pl.DataFrame({"a": list(range(100_000))}).write_parquet("/dev/full")

    with pytest.raises(pipeline.RunError, match=r"^ingest: no space left on device writing /home/q/lake/quality/"):
        pipeline.step("ingest", land_on_a_full_disk)
