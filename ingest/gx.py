"""How Great Expectations runs a table's rules (`ingest.rules`) on a checked frame.

A GX validation run has a large fixed cost (building, serialising and copying the expectation configurations,
most of it per expectation whatever the rows), so a frame of many delivered files is validated at once. GX
validates only the columns its expectations name, in chunks, with the COMPLETE result format, so its output is
the positions of the failing rows rather than a verdict per row. Which rules are asked first, and how they are
grouped, changes only the cost, never the outcome.
"""

from __future__ import annotations

import gc
import os
import re
from functools import cache
from typing import Any

import polars as pl

from ingest.rules import Rule

CHUNK_ROWS = 1_000_000  # rows per GX batch: bounds pandas memory; each batch adds GX's fixed cost


def keep_gx_offline() -> None:
    """Before GX is first imported in a process: its usage analytics stay off, nothing leaves the machine."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


@cache
def _batch_definition() -> Any:
    keep_gx_offline()
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.execution_engine import pandas_execution_engine

    # GX fingerprints every in-memory frame under this size (a full pandas hash, twice per validation) only
    # to name the batch; it already skips frames above it. Our chunks are named by the delivery: skip it.
    pandas_execution_engine.HASH_THRESHOLD = 0
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = context.data_sources.add_pandas("ingest").add_dataframe_asset("delivery")
    # The objects imported so far live as long as the process: frozen, the collections in `run_suite` skip
    # them and cost next to nothing.
    gc.freeze()
    return asset.add_batch_definition_whole_dataframe("chunk")


def _suite(name: str, rules: list[Rule], numbers: list[int]) -> Any:
    """The suite of the `rules` at `numbers`."""
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    suite = gx.ExpectationSuite(name=name)
    for number in numbers:
        # GX reports results in its own order: the rule number in `meta` maps each back to its wording.
        rule = rules[number]
        config = {**rule.config, "meta": {**rule.config.get("meta", {}), "rule_no": number}}
        suite.add_expectation_configuration(ExpectationConfiguration(**config))
    return suite


def _outcomes(name: str, rules: list[Rule], result: Any) -> list[tuple[int, Any]]:
    """(rule no., GX outcome) of each expectation of a validation result; an expectation that could not run
    fails the whole run (it is a broken suite, not bad data)."""
    out = []
    for outcome in result.results:
        number = outcome.expectation_config.meta["rule_no"]
        if outcome.exception_info.get("raised_exception"):
            raise RuntimeError(f"suite {name}: expectation {rules[number].config} failed to run: "
                               f"{outcome.exception_info.get('exception_message')}")
        out.append((number, outcome))
    return out


def _columns_of(rule: Rule) -> set[str]:
    """Columns an expectation reads: its own (or its pair) plus any named in a pandas row_condition."""
    kwargs = rule.config["kwargs"]
    condition = kwargs.get("row_condition") or ""
    named = {quoted or bare for quoted, bare in re.findall(r"`([^`]+)`|([A-Za-z_][\w.]*)", condition)}
    return {kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs} | named


# GX lists each failing row by its pandas index label (the chunk's position); the entry is then read from the
# polars chunk. Asked to list index columns itself, GX reads them one value at a time (`df.at`) per failing row.
LISTING = {"result_format": "COMPLETE", "partial_unexpected_count": 0, "return_unexpected_index_query": False}
# Per suite (by name), the rules that failed on the last chunk this process validated (`_validate_chunk`).
_LAST_FAILED: dict[str, set[int]] = {}


def _validate_chunk(name: str, rules: list[Rule], batch: Any) -> list[tuple[int, Any]]:
    """(rule no., GX outcome) for every rule, the failing rows listed (`unexpected_index_list`) for each one
    that failed.

    Listing failing rows costs GX about twice the work of saying whether an expectation passes, and most of a
    run is per expectation, whatever the rows. So the rules that passed on the suite's last chunk are first
    asked only whether they pass; the others, and any of them that failed, are then asked for their rows.
    Which rules are asked first changes only the cost, never the outcome."""
    likely_to_fail = _LAST_FAILED.get(name, set())
    likely_to_pass = [n for n in range(len(rules)) if n not in likely_to_fail]
    passing: list[tuple[int, Any]] = []
    if likely_to_pass:
        asked = batch.validate(_suite(name, rules, likely_to_pass), result_format="BOOLEAN_ONLY")
        passing = [(n, outcome) for n, outcome in _outcomes(name, rules, asked) if outcome.success]
    to_list = sorted(set(range(len(rules))) - {n for n, _ in passing})
    listed = _outcomes(name, rules, batch.validate(_suite(name, rules, to_list), result_format=LISTING)) \
        if to_list else []
    _LAST_FAILED[name] = {n for n, outcome in listed if not outcome.success}
    return passing + listed


def _rule_groups(rules: list[Rule]) -> list[list[int]]:
    """Rule numbers GX validates together, on a frame of the columns they read. For a rule with a row
    condition GX filters the whole frame it is given, once per metric: each such rule (with any others
    reading the same columns) gets a frame of its own columns."""
    groups: dict[frozenset[str] | None, list[int]] = {}
    for number, rule in enumerate(rules):
        conditional = rule.config["kwargs"].get("row_condition")
        groups.setdefault(frozenset(_columns_of(rule)) if conditional else None, []).append(number)
    return list(groups.values())


def run_suite(name: str, frame: pl.DataFrame, rules: list[Rule], index: list[str]) -> list[tuple[int, dict]]:
    """Validate `frame` with GX in chunks; one (rule no., index entry) per failing row and rule. An index
    entry holds the `index` columns and the values of the columns the rule reads."""
    failures: list[tuple[int, dict]] = []
    if not rules or frame.is_empty():
        return failures
    for group_no, numbers in enumerate(_rule_groups(rules)):
        hits = _run_group(f"{name}#{group_no}", frame, [rules[n] for n in numbers], index)
        failures += [(numbers[n], entry) for n, entry in hits]
    # A validation leaves reference cycles behind (tracebacks of exceptions GX handles, whose frames hold the
    # chunk's arrays). Python's own full collection comes only every few batches, so a process landing many
    # small files would keep growing by a chunk's arrays per batch. Collect them now.
    gc.collect()
    return failures


def _run_group(name: str, frame: pl.DataFrame, rules: list[Rule], index: list[str]) -> list[tuple[int, dict]]:
    """`run_suite` for rules validated together, on the `index` columns and the columns they read."""
    failures: list[tuple[int, dict]] = []
    columns = [c for c in frame.columns if c in index or any(c in _columns_of(r) for r in rules)]
    for offset in range(0, frame.height, CHUNK_ROWS):
        chunk = frame.slice(offset, CHUNK_ROWS).select(columns)
        # datetime64[ns] is the dtype GX compares vectorized (others go through a Python-level map)
        data = chunk.with_columns(pl.col(pl.Date).cast(pl.Datetime("ns"))).to_pandas()
        batch = _batch_definition().get_batch(batch_parameters={"dataframe": data})
        for number, outcome in _validate_chunk(name, rules, batch):
            if not outcome.success:
                positions = outcome.result.get("unexpected_index_list") or []
                read = [c for c in chunk.columns if c not in index and c in _columns_of(rules[number])]
                entries = chunk[positions].select(*index, *read)
                failures += [(number, entry) for entry in entries.to_dicts()]
    return failures
