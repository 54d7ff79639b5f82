"""The scale benchmark: generate a national-size drop, load and grade it, then one nightly incremental regrade.

    .venv/bin/python bench/run_bench.py                        # 100k enterprises
    .venv/bin/python bench/run_bench.py --enterprises 1000000  # the 1M target run
    .venv/bin/python bench/run_bench.py --smoke                # CI: 100k, one quarter of history, no targets

Steps, each timed with the peak memory of its process tree (psutil; see `run_step`): RSS summed over the
processes, and PSS, which counts a page shared by several processes (libraries, the landing processes' common
imports) once: PSS is the memory the step occupies, and what the 4 GiB target is checked against.
1. `generate` the drop as of D into `<workdir>/inbox`;
2. initial run as of D into a fresh home: `ingest`, `grade` (dbt build), `export` (each a subprocess);
3. nightly: generate the files dated D+1 elsewhere (`generate --since D+1`; the generator is prefix-stable, so
   they are exactly what the drop as of D+1 adds), copy them in, then `ingest`, `grade`, `export` as of D+1.
Writes `bench/results/<N>.json` and prints a Markdown table and the machine description; with `--readme`, also
into bench/README.md (`--readme-from RESULT_JSON` does that alone, for a result recorded earlier).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import itertools
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
README = ROOT / "bench" / "README.md"
TARGETS_1M = {"nightly_seconds": 120, "initial_seconds": 300, "peak_pss_gib": 4.0}  # 2 cores / 24 GiB


# --- running a step in a child process, sampling its memory ---------------------------------------------------


def _tree_sum(tree: list[psutil.Process], measure: Callable[[psutil.Process], int]) -> int:
    """`measure` summed over the processes of `tree` still alive."""
    total = 0
    for p in tree:
        with contextlib.suppress(psutil.Error):
            total += measure(p)
    return total


def _rss(p: psutil.Process) -> int:
    return p.memory_info().rss


def _pss(p: psutil.Process) -> int:
    """It costs the kernel a walk of every page table: read it sparingly."""
    return p.memory_full_info().pss


def _cpu_seconds(times: Any) -> float:
    """User + system seconds of a process's `cpu_times()`."""
    return times.user + times.system


def _tree_cpu(tree: list[psutil.Process], seen: dict[int, float]) -> None:
    """Record each process's CPU seconds so far in `seen`, by pid."""
    for p in tree:
        with contextlib.suppress(psutil.Error):
            seen[p.pid] = _cpu_seconds(p.cpu_times())


def _machine_contention(before: Any, after: Any, own_cpu_seconds: float, sampler_cpu_seconds: float) -> dict:
    """What else took this machine's CPU during a step (from two system-wide `psutil.cpu_times()` readings):
    `steal_seconds`, the time the hypervisor gave this VM's cores to other guests; `sampler_cpu_seconds`, the
    benchmark's own sampling of the step; `other_cpu_seconds`, the CPU every other process outside the step's
    tree used. Any of them, large, says a slow run was a busy machine rather than slow code."""

    def busy(t: Any) -> float:
        return t.user + t.nice + t.system + t.irq + t.softirq

    others = busy(after) - busy(before) - own_cpu_seconds - sampler_cpu_seconds
    return {"steal_seconds": round(after.steal - before.steal, 1), "sampler_cpu_seconds": round(sampler_cpu_seconds, 1),
            "other_cpu_seconds": round(max(others, 0.0), 1)}


# An exact PSS reading walks every page table of every process, which grows with the process's memory: read at
# every sample, or every second and at every possible peak, it took a visible share of a 1M ingest's CPU from
# the pipeline it measures on a 2-core machine. So: exactly at least every PSS_EVERY_SECONDS, and in between only
# when the estimate could beat the peak by more than PSS_PEAK_MARGIN.
PSS_EVERY_SECONDS = 5.0
PSS_PEAK_MARGIN = 0.01


@dataclass
class PssPeak:
    """The peak PSS of a process tree. Between exact readings PSS is estimated as RSS (cheap) less the shared pages
    seen at the last reading; a reading is taken when due or when the estimate exceeds the peak by the margin. The
    peak is under-reported by at most the margin, bar a rise and fall between two samples or shared pages turning
    private (which raises PSS, not RSS) and falling back before the next due reading."""

    peak: int = 0
    shared: int = 0
    last_read: float = -math.inf
    readings: int = 0

    def observe(self, rss: int, now: float, read_pss: Callable[[], int]) -> None:
        due = now - self.last_read >= PSS_EVERY_SECONDS
        if due or rss - self.shared > self.peak * (1 + PSS_PEAK_MARGIN):
            pss = read_pss()
            self.shared, self.peak, self.last_read = max(rss - pss, 0), max(self.peak, pss), now
            self.readings += 1


def run_step(step: str, spill_dir: Path | None = None, **kwargs: str) -> dict:
    """Run `step` (see `_child`) in a subprocess; its JSON result plus wall time and the tree's peak RSS and PSS.
    RSS is measured every 0.2 s, PSS as `PssPeak` says; the tree is listed (a scan of all of /proc) once a second,
    and so is `spill_dir`, DuckDB's spill folder, whose peak size (`peak_spill_mib`) says whether dbt ran out
    of its memory limit (a spill shorter than a second can be missed).
    CPU seconds are summed over the processes seen, each as last sampled (a process's last 0.2 s may be missed):
    CPU / wall time says how busy the cores were. `machine` says how much CPU others took meanwhile
    (`_machine_contention`), the sampling itself included."""
    cmd = [sys.executable, __file__, "--child", step, "--args", json.dumps(kwargs)]
    sampler = psutil.Process()
    machine_before, sampler_before = psutil.cpu_times(), _cpu_seconds(sampler.cpu_times())
    began, peak_rss, pss, cpu, peak_spill = time.perf_counter(), 0, PssPeak(), {}, 0
    with subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as child:
        ps = psutil.Process(child.pid)
        tree = [ps]
        for sample in itertools.count():
            if child.poll() is not None:
                break
            if sample % 5 == 0:
                with contextlib.suppress(psutil.Error):
                    tree = [ps, *ps.children(recursive=True)]
                if spill_dir is not None:
                    peak_spill = max(peak_spill, _size(spill_dir))
            rss = _tree_sum(tree, _rss)
            _tree_cpu(tree, cpu)
            pss.observe(rss, time.perf_counter(), functools.partial(_tree_sum, tree, _pss))
            peak_rss = max(peak_rss, rss)
            time.sleep(0.2)
        out, err = child.communicate()
    seconds = time.perf_counter() - began
    sampler_seconds = _cpu_seconds(sampler.cpu_times()) - sampler_before
    contention = _machine_contention(machine_before, psutil.cpu_times(), sum(cpu.values()), sampler_seconds)
    if child.returncode != 0:
        raise RuntimeError(f"step {step} failed ({child.returncode}):\n{err[-3000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    return {"step": step, "seconds": round(seconds, 2), "cpu_seconds": round(sum(cpu.values()), 1),
            "peak_rss_mib": round(peak_rss / 2**20), "peak_pss_mib": round(pss.peak / 2**20),
            "pss_readings": pss.readings, "machine": contention, "result": result,
            **({"peak_spill_mib": round(peak_spill / 2**20)} if spill_dir is not None else {})}


def _child(step: str, args: dict) -> dict:
    """Inside the child: one pipeline step; prints a small JSON result on the last stdout line."""
    from qcredit import pipeline

    if step == "generate":
        from qcredit.synthetic.drop import generate

        return generate(int(args["enterprises"]), args["as_of"], int(args["seed"]), Path(args["out"]),
                        years=int(args["years"]), since=args.get("since"))
    if step == "ingest":
        return _timed_ingest(pipeline, args)
    if step == "grade":
        return pipeline.grade(args["home"], args["as_of"])
    if step == "export":
        return pipeline.export(args["home"], args["as_of"])
    raise ValueError(step)


def _timed_ingest(pipeline: object, args: dict) -> dict:
    """`pipeline.ingest`, with rows per second per format from each feed's own landing time. Feeds land in
    parallel processes, so a format's rate is per process, and the step's wall time is the one to compare."""
    from ingest import registry

    manifest = Path(args["home"]) / "lake" / "_manifest"
    known = {p.relative_to(manifest).as_posix() for p in manifest.rglob("*.json")} if manifest.exists() else set()
    results = pipeline.ingest(args["inbox"], args["home"], args["as_of"])
    per_format: dict[str, dict[str, float]] = {}
    statuses: dict[str, int] = {}
    for res in results:
        feed = registry.get_feed(res["feed_id"])
        entry = per_format.setdefault(feed.format, {"rows": 0, "files": 0, "seconds": 0.0})
        entry["seconds"] += res["seconds"]
        for f in res["files"]:
            if f"{feed.agency}/{feed.dataset}/{f.get('file')}.json" in known:
                continue  # landed by an earlier run: skipped now
            entry["rows"] += f.get("rows_read") or 0
            entry["files"] += 1
            statuses[f.get("status", "?")] = statuses.get(f.get("status", "?"), 0) + 1
    for entry in per_format.values():
        entry["rows_per_second"] = round(entry["rows"] / entry["seconds"]) if entry["seconds"] else None
        entry["seconds"] = round(entry["seconds"], 2)
    per_feed = {r["feed_id"]: {"seconds": r["seconds"], "peak_rss_mib": r.get("peak_rss_mib")} for r in results}
    return {"per_format": per_format, "statuses": statuses, "per_feed": per_feed,
            "rows": sum(e["rows"] for e in per_format.values()),
            "files": sum(e["files"] for e in per_format.values())}


# --- the benchmark ------------------------------------------------------------------------------------------


def _size(path: Path) -> int:
    """Bytes in a file or under a folder; 0 for a path that does not exist (or vanishes while it is read)."""
    with contextlib.suppress(FileNotFoundError):
        if path.is_file():
            return path.stat().st_size
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return 0


def copy_new_files(src: Path, dst: Path, day: str) -> list[str]:
    """Copy the files of `src` missing from `dst`; they must all be dated `day` (prefix stability)."""
    copied = []
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if path.is_file() and not (dst / rel).exists():
            if day.replace("-", "") not in path.name:
                raise AssertionError(f"{rel} is new in the D+1 drop but not dated {day}: not prefix-stable")
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dst / rel)
            copied.append(rel.as_posix())
    return copied


def run_pipeline(inbox: Path, home: Path, as_of: str) -> dict:
    from qcredit import settings

    steps = [run_step(s, spill_dir=settings.duckdb_spill_dir(home) if s == "grade" else None,
                      inbox=str(inbox), home=str(home), as_of=as_of) for s in ("ingest", "grade", "export")]
    return {
        "seconds": round(sum(s["seconds"] for s in steps), 2),
        "cpu_seconds": round(sum(s["cpu_seconds"] for s in steps), 1),
        "peak_rss_mib": max(s["peak_rss_mib"] for s in steps),
        "peak_pss_mib": max(s["peak_pss_mib"] for s in steps),
        "machine": {k: round(sum(s["machine"][k] for s in steps), 1) for k in steps[0]["machine"]},
        "steps": {s["step"]: s for s in steps},
    }


def generate_step(enterprises: int, as_of: str, seed: int, years: int, out: Path, reuse: bool,
                  since: str | None = None) -> dict:
    """`generate` into `out` (only files dated from `since` on, if given), timed; with `reuse`, a drop this
    function generated there with the same arguments is kept (its recorded timing is reported, marked `reused`)."""
    args = {"enterprises": str(enterprises), "as_of": as_of, "seed": str(seed), "out": str(out), "years": str(years)}
    if since:
        args["since"] = since
    record = out.with_name(f"{out.name}.generated.json")
    if reuse and out.is_dir() and record.exists():
        earlier = json.loads(record.read_text())
        if earlier["args"] == args:
            return {**earlier["step"], "reused": True}
    shutil.rmtree(out, ignore_errors=True)
    record.unlink(missing_ok=True)
    step = run_step("generate", **args)
    record.write_text(json.dumps({"args": args, "step": step}, indent=1) + "\n")
    return step


def bench(enterprises: int, as_of: str, seed: int, workdir: Path, years: int = 3, reuse: bool = False) -> dict:
    from qcredit import settings

    next_day = (date.fromisoformat(as_of) + timedelta(days=1)).isoformat()
    inbox, home, tomorrow = workdir / "inbox", workdir / "home", workdir / "inbox_next"
    shutil.rmtree(home, ignore_errors=True)
    report: dict = {"enterprises": enterprises, "as_of": as_of, "seed": seed, "years": years, "machine": machine()}
    report["generate"] = generate_step(enterprises, as_of, seed, years, inbox, reuse)
    # A reused inbox may hold D+1's files from an earlier run: the initial run defers them (dated after D).
    report["initial"] = run_pipeline(inbox, home, as_of)
    report["generate_next"] = generate_step(enterprises, next_day, seed, years, tomorrow, reuse, since=next_day)
    copied = copy_new_files(tomorrow, inbox, next_day)
    report["nightly"] = run_pipeline(inbox, home, next_day)
    report["nightly"]["new_files"] = len(copied) or len(list(inbox.rglob(f"*{next_day.replace('-', '')}*")))
    report["sizes_mib"] = {
        "inbox": round(_size(inbox) / 2**20), "lake": round(_size(settings.lake_dir(home)) / 2**20),
        "warehouse": round(_size(settings.warehouse_path(home)) / 2**20),
    }
    for measure in ("peak_rss_mib", "peak_pss_mib"):
        report[measure] = max(report[step].get(measure, 0) for step in ("generate", "initial", "nightly"))
    return report


def generate_only(enterprises: int, as_of: str, seed: int, inbox: Path, years: int) -> int:
    shutil.rmtree(inbox, ignore_errors=True)
    step = run_step("generate", enterprises=str(enterprises), as_of=as_of, seed=str(seed), out=str(inbox),
                    years=str(years))
    report = {"enterprises": enterprises, "years": years, "seconds": step["seconds"],
              "peak_rss_mib": step["peak_rss_mib"], "machine": machine(),
              **{k: step["result"][k] for k in ("files", "rows", "bytes", "dirty_rows", "history_from")}}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"generate-{enterprises}.json").write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps(report, indent=1))
    return 0


def machine() -> dict:
    import duckdb
    import polars

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    try:
        from importlib.metadata import version

        dbt = version("dbt-core")
    except Exception:  # noqa: BLE001 - informational only
        dbt = "?"
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
            "python": platform.python_version(), "duckdb": duckdb.__version__, "polars": polars.__version__,
            "dbt": dbt, "os": platform.platform()}


def _others(step: dict) -> str:
    """CPU seconds others took during a step: other processes, the benchmark's sampler, the hypervisor's steal
    (`-` for results recorded before the benchmark measured them)."""
    m = step.get("machine")
    return f"{m['other_cpu_seconds']} / {m['sampler_cpu_seconds']} / {m['steal_seconds']}" if m else "-"


def _spill_note(step: dict) -> str:
    """A grade step's DuckDB spill, when there was one (results recorded before it was measured have none)."""
    spilled = step.get("peak_spill_mib") or 0
    return f"; DuckDB spilled up to {spilled:,} MiB to disk" if spilled else ""


def markdown(r: dict) -> str:
    g, i, n = r["generate"], r["initial"], r["nightly"]
    lines = [
        f"#### Benchmark: {r['enterprises']:,} enterprises, {r['years']} years of history, as of {r['as_of']}"
        " (+1 nightly day)",
        "",
        "| step | seconds | CPU seconds | others / sampler / steal (CPU s) | peak PSS (MiB) | peak RSS (MiB) | notes |",
        "|---|---:|---:|---:|---:|---:|---|",
        f"| generate drop | {g['seconds']} | {g.get('cpu_seconds', '-')} | {_others(g)} | "
        f"{g.get('peak_pss_mib', '-')} | {g['peak_rss_mib']} | "
        f"{g['result']['files']:,} files, "
        f"{g['result']['rows']:,} rows, {g['result']['bytes'] / 2**20:,.0f} MiB |",
    ]
    for label, run in (("initial", i), ("nightly", n)):
        for step in ("ingest", "grade", "export"):
            s = run["steps"][step]
            note = ""
            if step == "ingest":
                note = f"{s['result']['rows']:,} rows in {s['result']['files']:,} files"
            if step == "grade":
                note = f"dbt build {s['result'].get('dbt_seconds', '?')} s" + _spill_note(s)
            lines.append(f"| {label}: {step} | {s['seconds']} | {s.get('cpu_seconds', '-')} | {_others(s)} | "
                         f"{s['peak_pss_mib']} | {s['peak_rss_mib']} | {note} |")
        lines.append(f"| **{label} end to end** | **{run['seconds']}** | {run.get('cpu_seconds', '-')} | "
                     f"{_others(run)} | **{run['peak_pss_mib']}** | {run['peak_rss_mib']} | |")
    lines += ["", "| format | rows | files | landing seconds | rows/s |", "|---|---:|---:|---:|---:|"]
    for fmt, e in sorted(i["steps"]["ingest"]["result"]["per_format"].items()):
        lines.append(f"| {fmt} | {e['rows']:,} | {e['files']:,} | {e['seconds']} | {e['rows_per_second'] or '-'} |")
    feeds = sorted(i["steps"]["ingest"]["result"].get("per_feed", {}).items(), key=lambda kv: -kv[1]["seconds"])
    if feeds:
        lines += ["", "Slowest feeds (landing seconds, peak RSS of the feed's own process when landed in parallel): "
                  + ", ".join(f"{f} {v['seconds']} s / {v['peak_rss_mib'] or '-'} MiB" for f, v in feeds[:6])]
    s = r["sizes_mib"]
    lines += ["", f"Sizes: inbox {s['inbox']:,} MiB, lake {s['lake']:,} MiB, warehouse {s['warehouse']:,} MiB.",
              "", "Machine: " + ", ".join(f"{k} {v}" for k, v in r["machine"].items())]
    if "targets" in r:
        lines += ["", "Targets: " + ", ".join(f"{k} {v}" for k, v in r["targets"].items())]
    return "\n".join(lines)


def readme_with_table(readme: str, name: str, table: str) -> str:
    """`readme` with its generated block for result `name` (between `<!-- bench:NAME -->` and
    `<!-- /bench:NAME -->`) replaced by `table`."""
    begin, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    if readme.count(begin) != 1 or readme.count(end) != 1 or readme.index(begin) > readme.index(end):
        raise ValueError(f"bench/README.md needs one '{begin}' line followed by one '{end}' line to hold this result")
    head, rest = readme.split(begin)
    _, tail = rest.split(end)
    return f"{head}{begin}\n{table}\n{end}{tail}"


def write_readme(result: Path) -> None:
    """Put the table of a recorded result (`bench/results/NAME.json`) into bench/README.md's block for NAME."""
    table = markdown(json.loads(result.read_text()))
    README.write_text(readme_with_table(README.read_text(), result.stem, table))


def _pipeline_peak_pss_gib(r: dict) -> float:
    """The grading pipeline's peak PSS (initial or nightly run; the generator is not what is measured)."""
    return round(max(r["initial"]["peak_pss_mib"], r["nightly"]["peak_pss_mib"]) / 1024, 2)


def check_completes(r: dict) -> dict:
    """The national case's target: it completes within the machine (its memory)."""
    peak, ram = _pipeline_peak_pss_gib(r), r["machine"]["ram_gib"]
    return {"completed": "yes", "peak_pss_gib": f"{peak} (machine {ram} GiB: {'ok' if peak < ram else 'MISSED'})"}


def check_targets(r: dict) -> dict:
    got = {"nightly_seconds": r["nightly"]["seconds"], "initial_seconds": r["initial"]["seconds"],
           "peak_pss_gib": _pipeline_peak_pss_gib(r)}
    return {k: f"{got[k]} (target <= {v}: {'ok' if got[k] <= v else 'MISSED'})" for k, v in TARGETS_1M.items()}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--enterprises", type=int, default=100_000)
    p.add_argument("--as-of", default="2026-11-19", help="D; the nightly regrade runs as of D+1")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--years", type=int, help="years of history (default 3; --smoke: 0, i.e. the current quarter)")
    p.add_argument("--workdir", type=Path, help="default: bench/out/<N> (git-ignored)")
    p.add_argument("--smoke", action="store_true", help="CI mode: no target comparison, workdir removed after")
    p.add_argument("--generate-only", action="store_true", help="time the generator alone (time, peak RSS)")
    p.add_argument("--reuse", action="store_true",
                   help="keep a drop generated earlier in the workdir with the same arguments (saves the generator "
                        "time when rerunning; its recorded timing is reported)")
    p.add_argument("--readme", action="store_true",
                   help="put the run's table into bench/README.md (its <!-- bench:NAME --> block, NAME the "
                        "result's file name), the machine described")
    p.add_argument("--readme-from", type=Path, metavar="RESULT_JSON",
                   help="only put a recorded result's table into bench/README.md, e.g. bench/results/1000000.json")
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--args", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.child:
        print(json.dumps(_child(a.child, json.loads(a.args)), default=str))
        return 0
    if a.readme_from:
        write_readme(a.readme_from)
        return 0
    if a.years is None:
        a.years = 0 if a.smoke else 3
    workdir = a.workdir or ROOT / "bench" / "out" / str(a.enterprises)
    if a.generate_only:
        return generate_only(a.enterprises, a.as_of, a.seed, workdir / "inbox", a.years)
    report = bench(a.enterprises, a.as_of, a.seed, workdir, a.years, reuse=a.reuse)
    if a.enterprises == 1_000_000 and a.years == 3 and not a.smoke:
        report["targets"] = check_targets(report)
    elif a.enterprises > 1_000_000:
        report["targets"] = check_completes(report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = f"{a.enterprises}{'' if a.years == 3 else f'-{a.years}y'}{'-smoke' if a.smoke else ''}.json"
    (RESULTS / name).write_text(json.dumps(report, indent=1, ensure_ascii=False, default=str) + "\n")
    print(markdown(report))
    if a.readme:
        write_readme(RESULTS / name)
    if a.smoke:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
