"""GX asks first only whether the rules that passed on a suite's last chunk pass, and lists failing rows only
for the others (`gx._validate_chunk`); rules with a row condition get a frame of their own columns
(`gx._rule_groups`). Both must change the cost, never the outcome."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from test_slices import register_rows

from ingest import gx, registry
from ingest.readers import RawTable
from ingest.rules import table_rules
from ingest.validate import Checked, Part, check_tables

FEED = registry.get_feed("quality/enterprises")
TABLE = FEED.tables[0]
SUITE = f"{FEED.expectations}:{TABLE.name}:#0"  # the main frame's unconditional rules, as run_suite names them


def validated(last_failed: set[int] | None, monkeypatch: pytest.MonkeyPatch) -> Checked:
    """The register rows checked after a chunk on which the rules `last_failed` failed (None: no chunk yet)."""
    monkeypatch.setattr(gx, "_LAST_FAILED", {} if last_failed is None else {SUITE: set(last_failed)})
    return check_tables(FEED, TABLE, [Part(RawTable(TABLE, register_rows(40)), date(2026, 11, 1))], {})[0]


def test_the_outcome_does_not_depend_on_which_rules_failed_on_the_last_chunk(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rules = table_rules(FEED, TABLE)
    first = validated(None, monkeypatch)
    failed = gx._LAST_FAILED[SUITE]  # what the next chunk of the suite starts from
    assert failed and len(failed) < len(rules), "some rules fail on these rows, not all"
    assert sorted(first.quarantined["line"].to_list()) == [3, 7, 9, 40]
    for guess in (failed, set(range(len(rules))), set(range(len(rules))) - failed, {max(failed) + 1}):
        again = validated(guess, monkeypatch)
        assert_frame_equal(again.landed, first.landed)
        assert_frame_equal(again.quarantined, first.quarantined)
        assert again.warnings == first.warnings
        assert gx._LAST_FAILED[SUITE] == failed


INSPECTIONS = registry.get_feed("quality/inspections")


def test_rules_with_a_row_condition_are_validated_on_their_own_columns_with_the_same_outcome() -> None:
    table = INSPECTIONS.tables[0]
    rules = table_rules(INSPECTIONS, table)
    groups = gx._rule_groups(rules)
    conditional = [n for n, r in enumerate(rules) if r.config["kwargs"].get("row_condition")]
    assert len(conditional) == 2 and conditional in groups, "both severity rules read result and severity"
    assert sorted(n for g in groups for n in g) == list(range(len(rules)))

    rows = pl.DataFrame({
        "record_id": [f"R{i}" for i in range(6)],
        "uscc": ["91330106MA2B3C4D5D"] * 6,
        "kind": ["quality_spot_check"] * 6,
        "product": ["p"] * 6,
        "inspected_on": ["2026-10-01", "2026-10-01", "2026-10-01", "2026-10-01", "2026-13-01", "2026-10-01"],
        "result": ["pass", "fail", "fail", "pass", "pass", "fail"],
        "severity": [None, "serious", None, "general", None, "general"],
    }).with_row_index("_source_line", offset=2).with_columns(pl.col("_source_line").cast(pl.Int64))
    checked = check_tables(INSPECTIONS, table, [Part(RawTable(table, rows), date(2026, 11, 1))], {})[0]
    reasons = dict(zip(checked.quarantined["line"], checked.quarantined["reason"], strict=True))
    assert sorted(reasons) == [4, 5, 6]  # a fail without severity, a pass with one, a bad date
    assert "required when result is fail" in reasons[4]
    assert "'general' is set although result is not fail" in reasons[5]
    assert "inspected_on" in reasons[6]
