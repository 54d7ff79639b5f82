"""bench/bench_export.py: every part of the export timed on a graded home, which it leaves as it was."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from qcredit import settings
from tests.service.fixture_home import LATEST, build_warehouse

spec = importlib.util.spec_from_file_location("bench_export", Path(__file__).parents[2] / "bench" / "bench_export.py")
bench_export = sys.modules["bench_export"] = importlib.util.module_from_spec(spec)  # a script, not a package
spec.loader.exec_module(bench_export)

PARTS = ("CSVs", "serving copy", "serving copy: credit_files", "serving copy: level_runs",
         "workbooks, one process", "workbooks: measuring the sheets", "workbooks: rendering and deflating the rows")


def test_every_part_has_a_median_and_the_home_is_left_as_it_was(tmp_path, capsys, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    build_warehouse(settings.warehouse_path(home), LATEST)
    before = sorted(p.relative_to(home) for p in home.rglob("*"))
    for module, function in (("publish", "_write_credit_files"), ("publish", "_write_level_runs"),
                             ("workbooks", "_measure"), ("workbooks", "_stream_rows")):  # the bench wraps them
        owner = getattr(bench_export, module)
        monkeypatch.setattr(owner, function, getattr(owner, function))
    assert bench_export.main(["--home", str(home), "--as-of", LATEST, "--repeats", "2"]) == 0
    rows = {line.split(" | ")[0].lstrip("| "): line.split(" | ")[1:]
            for line in capsys.readouterr().out.splitlines()[2:]}
    assert set(rows) == set(PARTS)
    assert all(float(wall) >= 0 and float(cpu.rstrip(" |")) >= 0 for wall, cpu in rows.values())
    assert sorted(p.relative_to(home) for p in home.rglob("*")) == before
