"""What each part of the export step costs, on a graded home, as a Markdown table of medians.

    .venv/bin/python bench/bench_export.py --home bench/out/1000000/home --as-of 2026-11-20 --repeats 3

Times, one after another in this process with one DuckDB thread, the parts `qcredit export` runs side by side:
the CSVs, the serving copy (its credit files and level runs apart) and every workbook written in one process
(its two passes apart: measuring the sheets, rendering their rows). Wall and CPU seconds per part: the export
runs them in up to three processes on the machine's cores, so their CPU seconds, not their wall time, are what
the export's time is made of. Writes into a temporary folder inside the home, removed after; the home's
published dates are not touched. Run it on a quiet machine: no other benchmark or test beside it.
"""

from __future__ import annotations

import argparse
import contextlib
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qcredit import exports, settings, workbooks  # noqa: E402
from qcredit.service import publish  # noqa: E402


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Timings:
    """Wall and CPU seconds per part, over the repeats."""

    def __init__(self) -> None:
        self.parts: dict[str, list[tuple[float, float]]] = defaultdict(list)

    @contextlib.contextmanager
    def part(self, name: str) -> Iterator[None]:
        wall, cpu = time.perf_counter(), cpu_seconds()
        yield
        self.parts[name].append((time.perf_counter() - wall, cpu_seconds() - cpu))

    def wrap(self, module: object, function: str, name: str) -> None:
        """Time every call of `module.function` under `name` (summed within a repeat by `table`)."""
        original: Callable = getattr(module, function)

        def timed(*args: object, **kwargs: object) -> object:
            with self.part(name):
                return original(*args, **kwargs)
        setattr(module, function, timed)

    def table(self, repeats: int) -> str:
        lines = ["| part | wall s (median) | CPU s (median) |", "|---|---:|---:|"]
        for name, readings in self.parts.items():
            per_repeat = len(readings) // repeats  # a wrapped function called several times in each repeat
            sums = [tuple(map(sum, zip(*readings[i * per_repeat:(i + 1) * per_repeat], strict=True)))
                    for i in range(repeats)]
            wall = statistics.median(s[0] for s in sums)
            cpu = statistics.median(s[1] for s in sums)
            lines.append(f"| {name} | {wall:.2f} | {cpu:.2f} |")
        return "\n".join(lines)


def run_once(warehouse: Path, out: Path, as_of: str, timings: Timings) -> None:
    main_share, _ = settings.export_duckdb_shares(settings.workbook_workers())  # the export's main process
    con = exports.connect_read_only(warehouse, settings.DuckDBShare(main_share.memory_mb, 1))  # one thread
    try:
        with timings.part("CSVs"):
            exports.write_csvs(con, out)
        with timings.part("serving copy"):
            publish.write_serving_copy(con, out)
        with timings.part("workbooks, one process"):
            workbooks.write_workbooks(con, out, as_of)
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True, help="a graded home (e.g. the 1M benchmark's)")
    parser.add_argument("--as-of", required=True, help="its graded date")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    warehouse = settings.warehouse_path(args.home)
    if not warehouse.exists():
        parser.error(f"no warehouse at {warehouse}: grade the home first")
    timings = Timings()
    timings.wrap(publish, "_write_credit_files", "serving copy: credit_files")
    timings.wrap(publish, "_write_level_runs", "serving copy: level_runs")
    timings.wrap(workbooks, "_measure", "workbooks: measuring the sheets")
    timings.wrap(workbooks, "_stream_rows", "workbooks: rendering and deflating the rows")
    for _ in range(args.repeats):
        out = Path(tempfile.mkdtemp(prefix=".bench-export-", dir=args.home))
        try:
            run_once(warehouse, out, args.as_of, timings)
        finally:
            shutil.rmtree(out, ignore_errors=True)
    print(timings.table(args.repeats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
