"""What the scheduler costs: one night through the production-shaped Airflow deployment vs `qcredit run`.

    .venv/bin/python bench/airflow_overhead.py --enterprises 20000 --repeats 3 --workdir /tmp/qcredit-af-bench

Generates a drop (kept in the workdir and reused when the arguments match), then per repeat, alternating so both
see the same machine: `qcredit run --as-of D` into a fresh home (a subprocess, timed), and `nightly_regrade`
for D into another fresh home through `qcredit airflow up --postgres` (scheduler, LocalExecutor, DAG processor,
API server): the run is triggered through the REST API and timed from the trigger to its end as Airflow records
it. Starting the deployment is not timed (it runs all year). Prints a Markdown table with the medians and writes
`bench/results/airflow_overhead_<N>.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT))

from qcredit.airflow_deploy import AirflowApi, Deployment, down, up  # noqa: E402


def _seconds_between(start: str, end: str) -> float:
    import pendulum

    return (pendulum.parse(end) - pendulum.parse(start)).total_seconds()


def ensure_drop(workdir: Path, enterprises: int, as_of: str, seed: int) -> Path:
    inbox = workdir / "inbox"
    marker = workdir / "inbox.json"
    wanted = {"enterprises": enterprises, "as_of": as_of, "seed": seed}
    if not marker.exists() or json.loads(marker.read_text()) != wanted:
        shutil.rmtree(inbox, ignore_errors=True)
        subprocess.run([str(Path(sys.executable).with_name("qcredit")), "generate", "--enterprises", str(enterprises),
                        "--as-of", as_of, "--seed", str(seed), "--out", str(inbox)], check=True)
        marker.write_text(json.dumps(wanted))
    return inbox


def time_cli(inbox: Path, home: Path, as_of: str) -> float:
    shutil.rmtree(home, ignore_errors=True)
    started = time.perf_counter()
    subprocess.run([str(Path(sys.executable).with_name("qcredit")), "run", "--inbox", str(inbox), "--home", str(home),
                    "--as-of", as_of], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def time_airflow(workdir: Path, inbox: Path, home: Path, as_of: str, repeat: int, ports: tuple[int, int]) -> dict:
    # No cron runs: unpausing would otherwise queue last night's run ahead of the one timed.
    os.environ["AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE"] = "False"
    shutil.rmtree(home, ignore_errors=True)
    dep = Deployment(root=workdir / "airflow", home=home, inbox=inbox, postgres=True, api_port=ports[0],
                     pg_port=ports[1])
    try:
        up(dep)
        api = AirflowApi(dep)
        unfinished = [r["dag_run_id"] for r in api.runs() if r["state"] not in ("success", "failed")]
        if unfinished:  # they would run first, in the same home: the timing would be meaningless
            raise SystemExit(f"runs left unfinished in {dep.root}: {unfinished}; start from a new --workdir")
        api.unpause()
        started = time.perf_counter()
        run_id = api.trigger({"as_of": as_of}, run_id=f"bench_{int(time.time())}_{repeat}")
        run = api.wait_for_run(run_id, timeout=3600)
        wall = time.perf_counter() - started
        if run["state"] != "success":
            raise SystemExit(f"the Airflow run {run_id} ended {run['state']} (logs: {dep.log_dir})")
        tis = api.task_instances(run_id)
        busy = sum(_seconds_between(t["start_date"], t["end_date"]) for t in tis if t["end_date"])
        return {"wall_seconds": round(wall, 1),
                "run_seconds": round(_seconds_between(run["start_date"], run["end_date"]), 1),
                "task_seconds_summed": round(busy, 1), "task_instances": len(tis)}
    finally:
        down(dep)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=20000)
    parser.add_argument("--as-of", default="2026-11-20")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/qcredit-airflow-bench"))
    parser.add_argument("--port", type=int, default=28080, help="the deployment's API port")
    parser.add_argument("--pg-port", type=int, default=25432, help="its PostgreSQL port")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    args.workdir.chmod(0o711)  # PostgreSQL runs as `postgres` when we are root: it must reach its cluster
    inbox = ensure_drop(args.workdir, args.enterprises, args.as_of, args.seed)
    cli, airflow = [], []
    for repeat in range(args.repeats):
        cli.append(round(time_cli(inbox, args.workdir / "cli_home", args.as_of), 1))
        airflow.append(time_airflow(args.workdir, inbox, args.workdir / "dag_home", args.as_of, repeat,
                                    (args.port, args.pg_port)))
        print(f"repeat {repeat + 1}: qcredit run {cli[-1]} s, through Airflow {airflow[-1]}", flush=True)
    result = {
        "enterprises": args.enterprises, "as_of": args.as_of, "repeats": args.repeats,
        "qcredit_run_seconds": cli, "airflow": airflow,
        "median_qcredit_run_seconds": statistics.median(cli),
        "median_airflow_wall_seconds": statistics.median(a["wall_seconds"] for a in airflow),
        "median_airflow_run_seconds": statistics.median(a["run_seconds"] for a in airflow),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"airflow_overhead_{args.enterprises}.json").write_text(json.dumps(result, indent=1) + "\n")
    print("\n| enterprises | `qcredit run` (median) | through the scheduler, trigger to end (median) | overhead |")
    print("|---|---|---|---|")
    overhead = result["median_airflow_wall_seconds"] - result["median_qcredit_run_seconds"]
    print(f"| {args.enterprises:,} | {result['median_qcredit_run_seconds']:.0f} s | "
          f"{result['median_airflow_wall_seconds']:.0f} s | {overhead:+.0f} s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
