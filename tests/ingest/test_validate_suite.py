"""GX asks first only whether the rules that passed on a suite's last chunk pass, and lists failing rows only
for the others (`validate._validate_chunk`): what it asks first must change the cost, never the outcome."""

from __future__ import annotations

from datetime import date

import pytest
from polars.testing import assert_frame_equal
from test_slices import register_rows

from ingest import registry, validate
from ingest.readers import RawTable
from ingest.validate import Part, check_tables

FEED = registry.get_feed("quality/enterprises")
TABLE = FEED.tables[0]
SUITE = f"{FEED.expectations}:{TABLE.name}:"  # the main frame's suite, as check_tables names it


def validated(last_failed: set[int] | None, monkeypatch: pytest.MonkeyPatch) -> validate.Checked:
    """The register rows checked after a chunk on which the rules `last_failed` failed (None: no chunk yet)."""
    monkeypatch.setattr(validate, "_LAST_FAILED", {} if last_failed is None else {SUITE: set(last_failed)})
    return check_tables(FEED, TABLE, [Part(RawTable(TABLE, register_rows(40)), date(2026, 11, 1))], {})[0]


def test_the_outcome_does_not_depend_on_which_rules_failed_on_the_last_chunk(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rules = validate.declared_rules(FEED, TABLE) + validate.suite_rules(FEED, TABLE)
    first = validated(None, monkeypatch)
    failed = validate._LAST_FAILED[SUITE]  # what the next chunk of the suite starts from
    assert failed and len(failed) < len(rules), "some rules fail on these rows, not all"
    assert sorted(first.quarantined["line"].to_list()) == [3, 7, 9, 40]
    for guess in (failed, set(range(len(rules))), set(range(len(rules))) - failed, {max(failed) + 1}):
        again = validated(guess, monkeypatch)
        assert_frame_equal(again.landed, first.landed)
        assert_frame_equal(again.quarantined, first.quarantined)
        assert again.warnings == first.warnings
        assert validate._LAST_FAILED[SUITE] == failed
