"""Progress on long work: plain lines off a terminal, a live display on one, nothing with --quiet; dbt's JSON
events become one line per model; `generate` reports the same way and keeps its log out of the demo home."""

from __future__ import annotations

import io
import json
import re
import tempfile
from pathlib import Path

import pytest

from qcredit import progress, settings
from qcredit.cli import main


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def dbt_event(name: str, msg: str, **data: object) -> str:
    return json.dumps({"info": {"name": name, "msg": msg, "ts": "2026-12-02T18:13:48.1Z"}, "data": data})


def node(unique_id: str, kind: str, status: str) -> dict:
    return {"unique_id": unique_id, "resource_type": kind, "node_name": unique_id.split(".")[-1],
            "node_status": status}


def test_the_output_follows_where_it_goes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIRFLOW_CTX_DAG_ID", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert type(progress.for_command(quiet=True, stream=Terminal())) is progress.Progress
    assert type(progress.for_command(stream=io.StringIO())) is progress.Lines
    live = progress.for_command(stream=Terminal())
    assert type(live) is progress.Live
    live.close()
    monkeypatch.setenv("AIRFLOW_CTX_DAG_ID", "nightly_regrade")  # a task's log: plain lines even on a tty
    assert type(progress.for_command(stream=Terminal())) is progress.Lines


def test_plain_lines_carry_elapsed_time_per_item_and_step() -> None:
    out = io.StringIO()
    lines = progress.Lines(out)
    lines.step("landing", 2, "2 feeds")
    lines.started("quality/inspections")
    lines.finished("quality/inspections", "3 new files")
    lines.finished("tax/tax_credit", "no new files")  # its start was not seen: no duration
    lines.end_step()
    text = out.getvalue().splitlines()
    assert text[0] == "[00:00] landing: 2 feeds"
    assert re.fullmatch(r"\[00:00\]   quality/inspections: 3 new files \(0\.\d s\)", text[1])
    assert text[2] == "[00:00]   tax/tax_credit: no new files"
    assert re.fullmatch(r"\[00:00\] landing done in 0\.\d s", text[3])


def test_the_live_display_prints_the_same_lines_above_its_bar() -> None:
    screen = Terminal()
    with progress.Live(screen) as live:
        live.step("grading", 2)
        live.started("model.a", "model a")
        live.finished("model.a", "success")
        live.end_step()
    assert "model a: success" in screen.getvalue() and "grading done in" in screen.getvalue()


def test_dbt_events_become_a_line_per_model_and_per_failing_test() -> None:
    out = io.StringIO()
    lines = progress.Lines(out)
    lines.step("grading")
    log = [progress.follow_dbt_event(line, lines) for line in (
        dbt_event("MainReportVersion", "Running with dbt=1.11"),
        dbt_event("LogStartLine", "1 of 3 START model levels", index=1, total=3,
                  node_info=node("model.q.levels", "model", "started")),
        dbt_event("LogModelResult", "1 of 3 OK created model levels", node_info=node("model.q.levels", "model",
                                                                                     "success")),
        dbt_event("LogStartLine", "2 of 3 START test", index=2, total=3,
                  node_info=node("test.q.not_null", "test", "started")),
        dbt_event("LogTestResult", "2 of 3 PASS not_null", node_info=node("test.q.not_null", "test", "pass")),
        dbt_event("LogTestResult", "3 of 3 FAIL unique", node_info=node("test.q.unique", "test", "fail")),
        "not json: a library printing\n",
    )]
    assert log[0] == "18:13:48  Running with dbt=1.11" and log[-1] == "not json: a library printing"
    shown = out.getvalue()
    assert "model levels: success" in shown and "unique: fail" in shown and "not_null" not in shown


def test_generate_shows_progress_and_refuses_nothing_to_generate(tmp_path: Path, capsys) -> None:
    out = tmp_path / "drop"
    assert main(["generate", "--enterprises", "20", "--as-of", "2026-11-20", "--years", "1", "--seed", "3",
                 "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert re.search(r"^\[\d\d:\d\d\] generating: \d+ feed jobs, 20 enterprises$", captured.err, re.M)
    assert re.search(r"^\[\d\d:\d\d\]   quality/enterprises: \d+ files, [\d,]+ rows$", captured.err, re.M)
    assert json.loads(captured.out)["enterprises"] == 20
    assert main(["generate", "--enterprises", "20", "--as-of", "2026-11-20", "--years", "1", "--quiet",
                 "--out", str(tmp_path / "quiet")]) == 0
    assert capsys.readouterr() == ("", "")


def test_a_failing_generate_logs_outside_the_demo_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys) -> None:
    demo = tmp_path / "demo_home"
    monkeypatch.setattr(settings, "DEMO_HOME", demo)
    monkeypatch.delenv("QCREDIT_HOME", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    occupied = tmp_path / "a_file"
    occupied.write_text("not a folder", encoding="utf-8")
    assert main(["generate", "--enterprises", "5", "--as-of", "2026-11-20", "--years", "1",
                 "--out", str(occupied)]) == 1
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("qcredit generate: failed: ") and str(tmp_path / "tmp" / "qcredit-generate") in err
    assert not demo.exists()
