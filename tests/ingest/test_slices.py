"""Validating a large table in slices (`validate.check_in_slices`) gives the outcome of validating it whole,
on frames shaped as the CSV reader returns them (many chunks)."""

from __future__ import annotations

from datetime import date

import polars as pl
from polars.testing import assert_frame_equal

from ingest import registry
from ingest.identifiers import uscc_check_char
from ingest.readers import SOURCE_LINE, RawTable
from ingest.validate import Part, check_in_slices, check_tables

DELIVERED = date(2026, 11, 1)


def uscc(n: int) -> str:
    body = f"91110000{n:09d}"
    return body + uscc_check_char(body)


def register_rows(n: int) -> pl.DataFrame:
    """n enterprises, a duplicated USCC far apart (rows 1 and n-2), a bad date and an unknown flag."""
    rows = [
        {"uscc": uscc(i), "name": f"企业{i}", "region_code": "110105", "established_on": "2020-01-01",
         "industry": "C26", "is_exporter": "0", "legal_rep": "x", "phone": "1", "address": "a"}
        for i in range(n)
    ]
    rows[n - 2]["uscc"] = " " + rows[1]["uscc"].lower()  # the same key once normalized
    rows[5]["established_on"] = "2020-13-01"
    rows[7]["is_exporter"] = "maybe"
    frame = pl.DataFrame(rows).with_row_index(SOURCE_LINE, offset=2).with_columns(pl.col(SOURCE_LINE).cast(pl.Int64))
    # many chunks, as the multi-threaded CSV reader returns a large file
    return pl.concat([frame.slice(i, 7) for i in range(0, n, 7)], rechunk=False)


def test_slices_find_a_duplicate_key_across_slices_and_match_the_whole_file() -> None:
    feed = registry.get_feed("quality/enterprises")
    table = feed.tables[0]
    frame = register_rows(40)
    assert frame.n_chunks() > 1
    part = Part(RawTable(table, frame), DELIVERED)
    whole = check_tables(feed, table, [part], {})[0]
    sliced = check_in_slices(feed, table, part, {}, slice_rows=6)
    assert sorted(sliced.quarantined["line"].to_list()) == [3, 7, 9, 40]  # rows 1, 5, 7 and n-2
    assert "duplicate key uscc=" in sliced.quarantined.filter(pl.col("line") == 40)["reason"][0]
    assert_frame_equal(sliced.landed, whole.landed)
    assert_frame_equal(sliced.quarantined, whole.quarantined)
    assert sliced.warnings == whole.warnings and sliced.rows_read == whole.rows_read == 40
