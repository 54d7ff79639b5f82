"""The benchmark's own bookkeeping: what others took during a step, how it samples peak PSS without taking the
pipeline's CPU, and the README tables it renders from its recorded results."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import namedtuple
from pathlib import Path

import pytest

spec = importlib.util.spec_from_file_location("run_bench", Path(__file__).parents[2] / "bench" / "run_bench.py")
run_bench = sys.modules["run_bench"] = importlib.util.module_from_spec(spec)  # a script, not a package
spec.loader.exec_module(run_bench)

Times = namedtuple("Times", "user nice system idle iowait irq softirq steal guest guest_nice")


def test_others_cpu_is_the_machines_busy_time_less_the_steps_own_and_the_samplers() -> None:
    before = Times(100.0, 1.0, 20.0, 500.0, 2.0, 0.5, 0.5, 10.0, 0.0, 0.0)
    # 60 s of two cores: 90 CPU-s busy (user 70, system 18, irq 1, softirq 1), 12 s stolen, 18 idle
    after = Times(170.0, 1.0, 38.0, 518.0, 2.0, 1.5, 1.5, 22.0, 0.0, 0.0)
    assert run_bench._machine_contention(before, after, own_cpu_seconds=80.0, sampler_cpu_seconds=3.0) == {
        "steal_seconds": 12.0,
        "sampler_cpu_seconds": 3.0,
        "other_cpu_seconds": 7.0,
    }


def test_a_step_that_outran_the_machine_reading_counts_no_negative_other_cpu() -> None:
    same = Times(100.0, 0.0, 20.0, 500.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    assert run_bench._machine_contention(same, same, 0.4, 0.1)["other_cpu_seconds"] == 0.0


def test_the_table_shows_what_others_took_and_a_dash_for_older_results() -> None:
    reading = {"other_cpu_seconds": 3.5, "sampler_cpu_seconds": 1.0, "steal_seconds": 0.2}
    assert run_bench._others({"machine": reading}) == "3.5 / 1.0 / 0.2"
    assert run_bench._others({}) == "-"  # a result recorded before the benchmark measured it


class Tree:
    """A process tree whose PSS is `rss - shared`, counting how often it is read."""

    def __init__(self, shared: int) -> None:
        self.shared, self.rss, self.reads = shared, 0, 0

    def read_pss(self) -> int:
        self.reads += 1
        return self.rss - self.shared


def observe(peak: run_bench.PssPeak, tree: Tree, rss_by_sample: list[int], start: float = 0.0) -> None:
    for n, rss in enumerate(rss_by_sample):
        tree.rss = rss
        peak.observe(rss, start + n * 0.2, tree.read_pss)


def test_a_steady_tree_is_read_only_when_due_not_at_every_sample() -> None:
    peak, tree = run_bench.PssPeak(), Tree(shared=400)
    observe(peak, tree, [3000] * 50)  # 10 s of samples
    assert (peak.peak, tree.reads) == (2600, 2)  # at 0 s and 5 s


def test_a_rise_past_the_margin_is_read_at_once_and_reported_exactly() -> None:
    peak, tree = run_bench.PssPeak(), Tree(shared=400)
    observe(peak, tree, [3000, 3000, 3100, 3100, 3000])
    assert (peak.peak, tree.reads) == (2700, 2)


def test_a_rise_within_the_margin_waits_for_the_due_reading() -> None:
    peak, tree = run_bench.PssPeak(), Tree(shared=400)
    observe(peak, tree, [3000, 3020, 3020])  # +20 < 1% of 2600
    assert (peak.peak, tree.reads) == (2600, 1)
    observe(peak, tree, [3020], start=5.0)
    assert (peak.peak, tree.reads) == (2620, 2)


def test_a_new_process_sharing_its_pages_triggers_a_reading_but_no_false_peak() -> None:
    peak, tree = run_bench.PssPeak(), Tree(shared=400)
    observe(peak, tree, [3000])
    tree.shared = 700  # a forked landing process: +300 of RSS, all of it shared
    observe(peak, tree, [3300, 3300], start=0.2)
    assert (peak.peak, peak.shared, tree.reads) == (2600, 700, 2)


README_TEXT = "# Tool\n\nBefore.\n\n<!-- bench:42 -->\nold table\n<!-- /bench:42 -->\n\nAfter.\n"


def test_a_run_table_replaces_its_own_readme_block_and_nothing_else() -> None:
    once = run_bench.readme_with_table(README_TEXT, "42", "| new | table |")
    assert once == "# Tool\n\nBefore.\n\n<!-- bench:42 -->\n| new | table |\n<!-- /bench:42 -->\n\nAfter.\n"
    assert run_bench.readme_with_table(once, "42", "| new | table |") == once


def test_a_readme_without_the_results_block_is_an_error_naming_the_lines_to_add() -> None:
    with pytest.raises(ValueError, match="<!-- bench:7 -->"):
        run_bench.readme_with_table(README_TEXT, "7", "| t |")


def test_the_readme_shows_the_recorded_results_as_the_benchmark_renders_them() -> None:
    """The JSON under bench/results is the one record of a run: bench/README.md's tables are rendered from it."""
    readme = run_bench.README.read_text()
    for name in ("1000000", "5000000"):
        result = run_bench.RESULTS / f"{name}.json"
        table = run_bench.markdown(json.loads(result.read_text()))
        assert run_bench.readme_with_table(readme, name, table) == readme, (
            f"bench/README.md is out of date for {result}: run `bench/run_bench.py --readme-from {result}`"
        )


def test_a_grade_step_that_spilled_says_how_much_and_one_that_did_not_says_nothing(tmp_path: Path) -> None:
    result = json.loads((run_bench.RESULTS / "1000000.json").read_text())
    result["initial"]["steps"]["grade"]["peak_spill_mib"] = 550
    result["nightly"]["steps"]["grade"]["peak_spill_mib"] = 0
    rows = {line.split(" | ")[0]: line for line in run_bench.markdown(result).splitlines()}
    assert rows["| initial: grade"].endswith("; DuckDB spilled up to 550 MiB to disk |")
    assert "spilled" not in rows["| nightly: grade"]


def test_the_spill_folder_is_measured_whole_and_counts_nothing_when_dbt_never_made_it(tmp_path: Path) -> None:
    spill = tmp_path / "warehouse.duckdb.tmp"
    assert run_bench._size(spill) == 0
    spill.mkdir()
    (spill / "duckdb_temp_storage-0.tmp").write_bytes(b"x" * 3000)
    (spill / "duckdb_temp_block-1.block").write_bytes(b"x" * 1000)
    assert run_bench._size(spill) == 4000
