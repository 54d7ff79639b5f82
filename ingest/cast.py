"""Cast a delivered table's text to its declared types, and compute the fact columns its rules check.

polars does the heavy lifting once: casting, identifier checks, key counts. Each check that polars can decide
leaves a small fact column (null when fine, the offending value otherwise; see `ingest.rules`), so the GX run
reads only those columns and a few typed ones.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from ingest import identifiers
from ingest.lake_schema import polars_type
from ingest.readers import SOURCE_LINE, RawTable
from ingest.registry import Column, Feed, Table, normalize_code
from ingest.rules import (
    CASTABLE_TYPES,
    DELIVERED,
    DUPLICATE_KEY,
    FILE,
    ITEM,
    RESOLVED,
    ROW,
    identifier_columns,
    items,
    unreadable,
)

_BOOL_TEXT = {"1": True, "0": False, "TRUE": True, "FALSE": False}

# -- casting ---------------------------------------------------------------------------------------------
# Work on Series: code columns map their few distinct values in Python (NFKC + lookup), which is far
# cheaper than a per-row Unicode normalization of millions of values.


def _text(s: pl.Series) -> pl.Series:
    trimmed = s.str.strip_chars()
    return trimmed.set(trimmed.str.len_bytes() == 0, None)


def _map_distinct(s: pl.Series, fn: Any) -> pl.Series:
    mapping = {v: fn(v) for v in s.drop_nulls().unique().to_list()}
    return s.replace_strict(mapping, default=None, return_dtype=pl.String)


def _cast(text: pl.Series, col: Column, feed: Feed, date_formats: tuple[str, ...]) -> pl.Series:
    """Trimmed text (`_text`) -> the declared type; null where the text is not readable as that type."""
    if col.type == "int":
        return text.cast(pl.Int64, strict=False)
    if col.type == "float":
        return text.cast(pl.Float64, strict=False)
    if col.type == "bool":
        return text.str.to_uppercase().replace_strict(_BOOL_TEXT, default=None, return_dtype=pl.Boolean)
    if col.type == "date":  # the first format reads almost every value: the others see only what it did not
        first, *others = (col.formats or feed.date_formats) + date_formats
        out = text.str.to_date(first, strict=False).alias(text.name)
        for fmt in others:
            todo = (out.is_null() & text.is_not_null()).arg_true()
            if todo.is_empty():
                break
            out.scatter(todo, text.gather(todo).str.to_date(fmt, strict=False))
        return out
    if col.lookup:  # unknown raw values stay as delivered, so the value-set check names them
        mapping = feed.lookups[col.lookup]
        return _map_distinct(text, lambda v: mapping.get(normalize_code(v), normalize_code(v)))
    if col.values:
        return _map_distinct(text, normalize_code)
    return text


def _source(frame: pl.DataFrame, col: Column) -> pl.Series:
    if col.source in frame.columns:
        return frame.get_column(col.source)
    return pl.Series(col.source, [None] * frame.height, dtype=pl.String)


def typed_column(frame: pl.DataFrame, col: Column, name: str, feed: Feed, date_formats: tuple[str, ...],
                 identifier: bool = False) -> list[pl.Series]:
    """The typed column, plus its fact column (`rules.unreadable`) for castable types."""
    raw = _source(frame, col)
    castable = col.type in CASTABLE_TYPES
    text = _text(raw) if castable or not identifier else None  # an identifier is trimmed by its normalization
    typed = identifiers.normalize_series(raw) if identifier else _cast(text, col, feed, date_formats)
    out = [typed.alias(name)]
    if castable:
        out.append(text.set(text.is_null() | typed.is_not_null(), None).alias(unreadable(name)))
    return out


def key_columns(feed: Feed, table: Table, raw: RawTable) -> pl.DataFrame:
    """The table's key columns, typed as `cast_table` types them."""
    id_cols = identifier_columns(table)
    return pl.DataFrame([
        typed_column(raw.frame, col, col.name, feed, raw.extra_date_formats, col.name in id_cols)[0]
        for col in (table.column(k) for k in table.key)
    ]).rechunk()  # one chunk: polars 2.1 pl.format panics on more


def cast_table(feed: Feed, raw: RawTable) -> tuple[pl.DataFrame, dict[str, pl.DataFrame]]:
    """(main frame, {list column: exploded frame}); both carry `_row`, typed columns and fact columns, and
    the batch columns `_file` / `_delivered` when the raw frame has them."""
    table, frame = raw.table, raw.frame.with_row_index(ROW)
    id_cols = identifier_columns(table)
    batch = [c for c in (SOURCE_LINE, FILE, DELIVERED, DUPLICATE_KEY) if c in frame.columns]
    columns: list[pl.Series] = [frame.get_column(ROW), *(frame.get_column(c) for c in batch)]
    lists: dict[str, pl.DataFrame] = {}
    for col in table.columns:
        if col.type == "list":
            lists[col.name] = _explode(feed, frame, col, raw.extra_date_formats)
            columns.append(_source(frame, col).alias(f"_raw__{col.name}"))
            continue
        columns += typed_column(frame, col, col.name, feed, raw.extra_date_formats, col.name in id_cols)
    main = pl.DataFrame(columns)
    for name, exploded in lists.items():
        main = main.join(_implode(exploded, table.column(name)), on=ROW, how="left", maintain_order="left")
        empty = pl.lit([], dtype=polars_type(table.column(name)))  # a delivered `[]` stays empty, not null
        main = main.with_columns(
            pl.when(pl.col(f"_raw__{name}").is_not_null()).then(pl.col(name).fill_null(empty)).alias(name)
        ).drop(f"_raw__{name}")
    return main, lists


def _explode(feed: Feed, frame: pl.DataFrame, col: Column, date_formats: tuple[str, ...]) -> pl.DataFrame:
    """One row per list element: `_row`, `_item`, typed fields named `<list>.<field>`, fact columns."""
    carried = [c for c in (DELIVERED,) if c in frame.columns]
    exploded = (
        frame.select(ROW, *carried, pl.col(col.source).alias("_items"))
        .filter(pl.col("_items").list.len() > 0)
        .with_columns(pl.int_ranges(pl.col("_items").list.len()).alias(ITEM))
        .explode("_items", ITEM)
        .unnest("_items")
    )
    columns: list[pl.Series] = [exploded.get_column(c) for c in (ROW, ITEM, *carried)]
    for f in col.fields:
        columns += typed_column(exploded, f, f"{col.name}.{f.name}", feed, date_formats)
    return pl.DataFrame(columns)


def _implode(exploded: pl.DataFrame, col: Column) -> pl.DataFrame:
    fields = [pl.col(f"{col.name}.{f.name}").alias(f.name) for f in col.fields]
    return exploded.group_by(ROW, maintain_order=True).agg(pl.struct(fields).alias(col.name))


# -- facts polars computes once --------------------------------------------------------------------------


def duplicate_key_facts(keys: pl.DataFrame, key: list[str]) -> pl.Series:
    """Per row of `keys` (the key columns, plus `_file` in a batch): null, or the words for a key that more
    than one row of its file carries."""
    facts = pl.repeat(None, keys.height, dtype=pl.String, eager=True).alias(DUPLICATE_KEY)
    # Rows whose key hashes alike are the few candidates; only they are compared by value (a hash collision
    # makes a candidate, never a duplicate). Hashing first is cheaper than grouping the keys' text.
    candidates = keys.hash_rows().is_duplicated().arg_true()
    duplicated = candidates.filter(keys[candidates].is_duplicated())
    if duplicated.is_empty():
        return facts
    label = pl.concat_str(  # words only for the few duplicated rows
        [pl.format(f"{k}='{{}}'", pl.col(k).cast(pl.String).fill_null("")) for k in key], separator=", ",
    )
    words = keys[duplicated].select(
        pl.format("{} ({} rows in this file)", label, pl.len().over(keys.columns))
    ).to_series()
    return facts.scatter(duplicated, words)


def add_facts(main: pl.DataFrame, table: Table, references: dict[str, identifiers.Reference]) -> pl.DataFrame:
    """In-file key duplicates (grouped by key and `_file` in a batch, unless the frame carries them) and
    identity (identifier kind, check characters, resolution)."""
    out = main
    if not table.key:
        out = main.with_columns(pl.lit(None, dtype=pl.String).alias(DUPLICATE_KEY))
    elif DUPLICATE_KEY not in main.columns:  # else found for the whole file before it was sliced
        group = [*table.key, *(c for c in (FILE,) if c in main.columns)]
        out = main.with_columns(duplicate_key_facts(main.select(group), table.key))
    # The resolved USCC stays aside until landing, so checks still see the delivered (normalized) value.
    out = identifiers.resolve(identifiers.identify(out, table.identifier), references, into=RESOLVED)
    for list_col in (c for c in table.columns if c.type == "list"):
        out = out.with_columns(pl.col(list_col.name).list.len().alias(items(list_col.name)))
    return out
