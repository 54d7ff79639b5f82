"""Progress on long work (landing feed by feed, dbt model by model, generating a drop), with elapsed time.

One interface, three outputs: a live display (rich) on a terminal, plain timestamped lines where there is no
terminal (a pipe, a file, Airflow's task log), nothing with `--quiet`. Progress goes to stderr, so what a
command prints on stdout (the run's report, `ingest --json`) stays the same whichever is chosen. The pipeline
calls `step`, `started`, `finished` and `end_step`; it never asks which output it has.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO


class Progress:
    """Reports nothing: what `--quiet` gets, and what a library caller gets unless it asks for more."""

    def __init__(self) -> None:
        self.began = time.monotonic()
        self._step: str | None = None
        self._step_began = self.began
        self._items: dict[str, tuple[str, float]] = {}  # key -> (label, started)

    def step(self, name: str, total: int | None = None, detail: str = "") -> None:
        """A step of the run begins (`landing`, `grading`): `total` items are expected when it is known."""
        self._step, self._step_began = name, time.monotonic()
        self._items.clear()

    def set_total(self, total: int) -> None:
        """The number of items of the current step, once it is known (dbt says it only when it starts)."""

    def started(self, key: str, label: str | None = None) -> None:
        self._items[key] = (label or key, time.monotonic())

    def finished(self, key: str, detail: str = "", *, shown: bool = True) -> None:
        """An item is done; `shown=False` counts it without a line of its own (dbt's data tests)."""
        self._items.pop(key, None)

    def end_step(self, detail: str = "") -> None:
        self._step = None

    def close(self) -> None:
        """Stop a live display; safe to call more than once."""

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _seconds(self, key: str) -> float:
        return time.monotonic() - self._items.get(key, ("", time.monotonic()))[1]


class Lines(Progress):
    """One plain line per finished item and per step, each with the time since the command began."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self.stream = stream

    def emit(self, text: str) -> None:
        print(f"[{_clock(time.monotonic() - self.began)}] {text}", file=self.stream, flush=True)

    def step(self, name: str, total: int | None = None, detail: str = "") -> None:
        super().step(name, total, detail)
        self.emit(f"{name}: {detail}" if detail else f"{name} ...")

    def finished(self, key: str, detail: str = "", *, shown: bool = True) -> None:
        label = self._items[key][0] if key in self._items else key
        took = f" ({self._seconds(key):.1f} s)" if key in self._items else ""  # no start seen: no duration
        super().finished(key, detail, shown=shown)
        if shown:
            self.emit(f"  {label}: {detail}{took}" if detail else f"  {label}{took}")

    def end_step(self, detail: str = "") -> None:
        if self._step:
            seconds = time.monotonic() - self._step_began
            self.emit(f"{self._step} done in {seconds:.1f} s" + (f": {detail}" if detail else ""))
        super().end_step(detail)


class Live(Lines):
    """On a terminal: the plain lines scroll above a live bar of the current step (items done of total, what is
    running now, elapsed time)."""

    def __init__(self, stream: TextIO) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as RichProgress

        super().__init__(stream)
        self.bar = RichProgress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                MofNCompleteColumn(), TimeElapsedColumn(), console=Console(file=stream),
                                transient=True, redirect_stdout=False, redirect_stderr=False)
        self.bar.start()
        self._task = None

    def emit(self, text: str) -> None:
        self.bar.console.print(f"[{_clock(time.monotonic() - self.began)}] {text}", markup=False,
                               highlight=False)

    def step(self, name: str, total: int | None = None, detail: str = "") -> None:
        super().step(name, total, detail)
        if self._task is not None:
            self.bar.remove_task(self._task)
        self._task = self.bar.add_task(name, total=total)

    def set_total(self, total: int) -> None:
        if self._task is not None:
            self.bar.update(self._task, total=total)

    def started(self, key: str, label: str | None = None) -> None:
        super().started(key, label)
        self._describe()

    def finished(self, key: str, detail: str = "", *, shown: bool = True) -> None:
        super().finished(key, detail, shown=shown)
        if self._task is not None:
            self.bar.advance(self._task)
        self._describe()

    def end_step(self, detail: str = "") -> None:
        super().end_step(detail)
        if self._task is not None:
            self.bar.remove_task(self._task)
            self._task = None

    def close(self) -> None:
        self.bar.stop()

    def _describe(self) -> None:
        if self._task is not None:
            running = ", ".join(label for label, _ in list(self._items.values())[:3])
            self.bar.update(self._task, description=f"{self._step}: {running}" if running else str(self._step))


def for_command(quiet: bool = False, stream: TextIO | None = None) -> Progress:
    """The progress a command shows: nothing when quiet, a live display on a terminal, else plain lines
    (a pipe, a file, Airflow's task log, a terminal that says it is dumb)."""
    stream = stream or sys.stderr
    if quiet:
        return Progress()
    if stream.isatty() and os.environ.get("TERM") != "dumb" and "AIRFLOW_CTX_DAG_ID" not in os.environ:
        return Live(stream)
    return Lines(stream)


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes:02d}:{secs:02d}"


# dbt node statuses that are not an end (a node's start event carries `started`)
_DBT_RUNNING = {"started", "compiling", "executing", ""}


def follow_dbt_event(line: str, progress: Progress) -> str:
    """One line of dbt's JSON log (`--log-format json`): a node's start line and its result event reach
    `progress`; returns the event's message as dbt prints it (the text of the run's log file). A line that is
    not a JSON event (a library writing to stdout) is returned as it is."""
    import json

    try:
        event = json.loads(line)
        info, data = event["info"], event.get("data") or {}
    except (ValueError, KeyError, TypeError):
        return line.rstrip("\n")
    node = data.get("node_info") or {}
    key, status = node.get("unique_id"), node.get("node_status") or ""
    if key and info.get("name") == "LogStartLine":
        if data.get("total"):
            progress.set_total(int(data["total"]))
        progress.started(key, f"{node.get('resource_type', 'node')} {node.get('node_name')}")
    elif key and status not in _DBT_RUNNING:
        # data tests are counted on the bar; a line each only when one does not pass
        quiet_test = node.get("resource_type") in ("test", "unit_test") and status in ("pass", "success")
        progress.finished(key, status, shown=not quiet_test)
    return f"{info.get('ts', '')[11:19]}  {info.get('msg', '')}".rstrip()
