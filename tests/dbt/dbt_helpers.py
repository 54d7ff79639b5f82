"""Shared helpers for the dbt tests: run `dbt` on a qcredit home as the pipeline does (one subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[2]
DBT_PROJECT = REPO / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(REPO))


def sample_dir() -> Path:
    """The sample drop with its hand-worked outcome: the project's copy, else the shared one."""
    for candidate in (REPO / "tests" / "fixtures" / "samples", REPO.parent / "shared" / "samples"):
        if (candidate / "expected.json").exists() and (candidate / "inbox").is_dir():
            return candidate
    pytest.skip("no sample drop (tests/fixtures/samples or ../shared/samples)")


def run_dbt(home: Path, as_of: str, *args: str) -> subprocess.CompletedProcess:
    """`dbt <args>` on `home` as of `as_of`; fails the test with dbt's output when dbt fails."""
    env = {**os.environ, "QCREDIT_HOME": str(home)}
    command = [
        str(DBT),
        *args,
        "--project-dir",
        str(DBT_PROJECT),
        "--profiles-dir",
        str(DBT_PROJECT),
        "--vars",
        json.dumps({"as_of": as_of}),
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=DBT_PROJECT, timeout=900)
    if done.returncode != 0:
        pytest.fail(f"{' '.join(command)} failed:\n{done.stdout[-6000:]}\n{done.stderr[-2000:]}")
    return done


def query(home: Path, sql: str) -> list[dict]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        relation = con.sql(sql)
        columns = relation.columns
        return [dict(zip(columns, row, strict=True)) for row in relation.fetchall()]
