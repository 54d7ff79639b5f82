"""The main job on built-in demo data: generate a drop, run `nightly_regrade` through Airflow, summarize."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from qcredit import settings

DEMO_SEED = 20261120


def main(enterprises: int, as_of: str, home: Path | None) -> int:
    from qcredit.airflow_local import run_dag
    from qcredit.synthetic.drop import generate

    home_path = settings.home_dir(home or settings.DEMO_HOME)
    inbox = home_path / "inbox"
    marker = inbox / ".generated.json"
    wanted = {"enterprises": enterprises, "as_of": as_of, "seed": DEMO_SEED}
    if not marker.exists() or json.loads(marker.read_text()) != wanted:
        print(f"generating a demo drop of {enterprises} enterprises as of {as_of} in {inbox} ...")
        generate(enterprises, as_of, DEMO_SEED, inbox)
        marker.write_text(json.dumps(wanted))
    print(f"running {as_of} through Airflow (nightly_regrade, SQLite metadata in {settings.AIRFLOW_HOME}) ...")
    log = run_dag(as_of, home_path, inbox, settings.AIRFLOW_HOME)
    print(summary_text(home_path, as_of, log))
    from qcredit.service.commands import demo_users

    print(demo_users(home_path, as_of))
    return 0


def summary_text(home: Path, as_of: str, log: Path) -> str:
    from qcredit.pipeline import describe_run

    folder = settings.exports_dir(home, as_of)
    summary = json.loads((folder / "run_summary.json").read_text(encoding="utf-8"))
    with (folder / "risk_warnings.csv").open(encoding="utf-8") as f:
        warnings = [row for row in csv.DictReader(f) if row["action"] != "none"]
    top = sorted(warnings, key=lambda r: -int(r["risk_score"]))[:5]
    lines = [
        "",
        describe_run(summary),
        f"warning tables: {folder / 'risk_warnings.csv'} (C level: score, action, reasons, signals), "
        f"{folder / 'supervision_plan.csv'}, {folder / 'd_review_queue.csv'}",
        "highest risk scores:",
        *(f"  {r['uscc']} {r['name']} score {r['risk_score']} {r['action']} ({r['reasons']}; {r['signals']})"
          for r in top),
        f"Airflow log: {log}",
    ]
    return "\n".join(lines)
