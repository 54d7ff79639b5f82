"""Validate delivered tables, and split them into rows to land and rows to quarantine, file by file.

A table's checks are its rules (`ingest.rules`: what its declaration and JSON suite imply); polars casts the
text and computes the facts they read (`ingest.cast`), and Great Expectations runs them (`ingest.gx`). GX's
verdict decides which rows are quarantined.

Scale: a GX validation run has a large fixed cost, so `check_tables` validates one table of many delivered
files at once: their rows are concatenated with the file they came from (`_file`) and its delivery date
(`_delivered`), every rule is row-wise, and the outcome is split back per file. A file too large to validate at
once goes through `check_in_slices`: its key duplicates are found for the whole file first, then its rows are
validated slice by slice, with the same outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from ingest import identifiers
from ingest.cast import add_facts, cast_table, duplicate_key_facts, key_columns
from ingest.gx import run_suite
from ingest.lake_schema import landed_schema
from ingest.readers import SOURCE_LINE, RawTable
from ingest.registry import Feed, Table
from ingest.rules import DELIVERED, DUPLICATE_KEY, FILE, ITEM, RESOLVED, ROW, UNREADABLE_PREFIX, table_rules


class Rejected(ValueError):
    """The file fails a structural expectation: reject it whole, with this reason."""


@dataclass
class Part:
    """One delivered file's frame of a table, to validate in a batch with the feed's other files."""

    raw: RawTable
    delivered: date


@dataclass
class Checked:
    """One table of a delivery after validation."""

    table: Table
    landed: pl.DataFrame  # declared columns (typed) + identity columns + `_source_line`
    quarantined: pl.DataFrame  # table, line, reason, raw
    warnings: list[dict]  # {"rule", "line", "reason"}
    rows_read: int


# -- structure -------------------------------------------------------------------------------------------


def check_structure(raw: RawTable) -> None:
    """A declared, non-optional column the file lacks rejects the whole file."""
    table, header = raw.table, set(raw.frame.columns)
    missing = [c for c in raw.table.columns if not c.optional and c.source not in header]
    if missing:
        where = f"sheet {table.sheet!r}: " if table.sheet else ""
        names = ", ".join(c.source if c.source == c.name else f"{c.source} ({c.name})" for c in missing)
        found = ", ".join(c for c in raw.frame.columns if c != SOURCE_LINE)
        raise Rejected(f"{where}missing column(s) {names}; the header has: {found}")


# -- putting it together ---------------------------------------------------------------------------------


def check_tables(feed: Feed, table: Table, parts: list[Part],
                 references: dict[str, identifiers.Reference]) -> list[Checked]:
    """Validate one table of several deliveries at once (each part has passed `check_structure`): one GX
    run per frame (and rule group, `gx._rule_groups`) for the whole batch, then one `Checked` per part, as if each
    file were validated alone."""
    if not parts:
        return []
    batch = _batch_frame(parts)
    main, lists = cast_table(feed, RawTable(table, batch, parts[0].raw.extra_date_formats))
    main = add_facts(main, table, references)
    rules = table_rules(feed, table)
    reasons: list[tuple[int, int, str, str]] = []  # (row, rule no., column, reason)
    warnings: list[tuple[int, str, str]] = []  # (row, rule, reason)
    for frame_name in ["", *lists]:
        subset = [(n, r) for n, r in enumerate(rules) if r.frame == frame_name]
        frame = main if not frame_name else lists[frame_name]
        index = [ROW] if not frame_name else [ROW, ITEM]
        hits = run_suite(f"{feed.expectations}:{table.name}:{frame_name}", frame, [r for _, r in subset], index)
        for rule_no, hit in hits:
            number, rule = subset[rule_no]
            row, text = int(hit[ROW]), rule.reason(hit)
            if rule.warning:
                warnings.append((row, rule.config["meta"].get("rule", rule.config["type"]), text))
            else:
                reasons.append((row, number, rule.column, text))
    return _split(parts, batch, main, _bad_rows(reasons), warnings)


def check_in_slices(feed: Feed, table: Table, part: Part, references: dict[str, identifiers.Reference],
                    slice_rows: int) -> Checked:
    """One large delivered table validated `slice_rows` rows at a time, which bounds memory, with the outcome
    of validating it whole: every rule is row-wise except key uniqueness, which is found for the whole file
    first and carried into the slices."""
    raw = part.raw
    frame = raw.frame
    if table.key:
        frame = frame.with_columns(duplicate_key_facts(key_columns(feed, table, raw), table.key))
    slices = [
        check_tables(feed, table, [Part(RawTable(table, frame.slice(start, slice_rows), raw.extra_date_formats),
                                        part.delivered)], references)[0]
        for start in range(0, frame.height, slice_rows)
    ]
    return Checked(
        table=table,
        landed=pl.concat([c.landed for c in slices]),
        quarantined=pl.concat([c.quarantined for c in slices]),
        warnings=[w for c in slices for w in c.warnings],
        rows_read=raw.frame.height,
    )


def _batch_frame(parts: list[Part]) -> pl.DataFrame:
    """The parts' raw rows one after the other, each with its `_file` (position in `parts`) and `_delivered`.
    Headers may differ (optional or extra columns): a column a file lacks is null for its rows."""
    frames = [
        p.raw.frame.with_columns(pl.lit(i, dtype=pl.UInt32).alias(FILE), pl.lit(p.delivered).alias(DELIVERED))
        for i, p in enumerate(parts)
    ]
    rows = [f for f in frames if f.height] or frames[:1]  # an empty file adds no rows (and maybe no types)
    return pl.concat(rows, how="diagonal_relaxed").rechunk()  # one chunk: polars 2.1 pl.format panics on more


def _drop_echoes(reasons: list[tuple[int, int, str, str]]) -> list[tuple[int, int, str, str]]:
    """An unreadable value is also null: report it once, as unreadable, not also as missing."""
    prefix = UNREADABLE_PREFIX
    unreadable = {(row, col.removeprefix(prefix)) for row, _, col, _ in reasons if col.startswith(prefix)}
    return [r for r in reasons if r[2].startswith(prefix) or (r[0], r[2]) not in unreadable]


def _bad_rows(reasons: list[tuple[int, int, str, str]]) -> pl.DataFrame:
    """`_row`, `reason`: each failing row once, its distinct reasons in rule order."""
    by_row: dict[int, list[str]] = {}
    for row, _, _, text in sorted(_drop_echoes(reasons), key=lambda r: (r[0], r[1])):
        texts = by_row.setdefault(row, [])
        if text not in texts:
            texts.append(text)
    return pl.DataFrame({ROW: list(by_row), "reason": ["; ".join(t) for t in by_row.values()]},
                        schema={ROW: pl.UInt32, "reason": pl.String})


def _split(parts: list[Part], batch: pl.DataFrame, main: pl.DataFrame, bad: pl.DataFrame,
           warnings: list[tuple[int, str, str]]) -> list[Checked]:
    """Rows with a failed critical expectation go to quarantine with all their reasons; the rest land. The
    batch's rows are split back per part (rows of part i are `_file` == i, a contiguous `_row` range)."""
    table = parts[0].raw.table
    columns = main.with_columns(pl.col(RESOLVED).alias("uscc")).select(
        *(pl.col(n).cast(t) for n, t in landed_schema(table).items()), pl.col(SOURCE_LINE), pl.col(ROW)
    )
    starts = [0]
    for part in parts:
        starts.append(starts[-1] + part.raw.frame.height)
    # Per file, a slice of the batch (sharing its memory): only a file with a bad row is filtered and copied.
    # Most files have none; skipping their filters and quarantine frames matters for hundreds of small files.
    bad_raw = batch.with_row_index(ROW).join(bad, on=ROW, how="inner", maintain_order="left")  # the few bad rows
    bad_by_file = bad_raw.partition_by(FILE, as_dict=True) if bad_raw.height else {}
    clean = columns.drop(ROW)
    none_quarantined = _quarantined(parts[0].raw, bad_raw.clear())
    warned = _warnings_by_file(main, warnings)
    checked = []
    for i, part in enumerate(parts):
        start, rows = starts[i], part.raw.frame.height
        bad_rows = bad_by_file.get((i,))
        if bad_rows is None:
            landed, quarantined = clean.slice(start, rows), none_quarantined
        else:
            landed = columns.slice(start, rows).filter(~pl.col(ROW).is_in(bad_rows.get_column(ROW))).drop(ROW)
            quarantined = _quarantined(part.raw, bad_rows)
        checked.append(Checked(table=table, landed=landed, quarantined=quarantined, warnings=warned.get(i, []),
                               rows_read=rows))
    return checked


def _quarantined(raw: RawTable, raw_rows: pl.DataFrame) -> pl.DataFrame:
    """table, line, reason, raw (the file's own delivered columns as JSON) of its failing rows (`raw_rows`:
    the batch's columns, so only the file's own are kept)."""
    source_cols = [c for c in raw.frame.columns if c not in (SOURCE_LINE, DUPLICATE_KEY)]
    return raw_rows.select(
        pl.lit(raw.table.name).alias("table"),
        pl.col(SOURCE_LINE).alias("line"),
        pl.col("reason"),
        pl.struct(source_cols).struct.json_encode().alias("raw") if source_cols else pl.lit("{}").alias("raw"),
    )


def _warnings_by_file(main: pl.DataFrame, warnings: list[tuple[int, str, str]]) -> dict[int, list[dict]]:
    """{"rule", "line", "reason"} per part, in row order."""
    if not warnings:
        return {}
    rows = main.filter(pl.col(ROW).is_in([row for row, _, _ in warnings])).select(ROW, FILE, SOURCE_LINE)
    where = {row: (file, line) for row, file, line in rows.iter_rows()}
    out: dict[int, list[dict]] = {}
    for row, rule, text in sorted(warnings):
        file, line = where[row]
        out.setdefault(file, []).append({"rule": rule, "line": line, "reason": text})
    return out
