"""Validate delivered tables with Great Expectations, and split them into rows to land and rows to quarantine.

The suite of a table is built at run time from its declaration (required values, code sets and lookups,
ranges, patterns, dates not after the delivery, key uniqueness, identifier check characters, castable types)
plus the JSON suite `expectations/<feed.expectations>.json`, which holds only what a declaration cannot say
(cross-column rules; `severity: warning` rules that report without quarantining).

Scale: a GX validation run has a large fixed cost (building, serialising and copying the expectation
configurations), so `check_tables` validates one table of many delivered files at once: their rows are
concatenated with the file they came from (`_file`) and its delivery date (`_delivered`), every rule is
row-wise (a date is compared with its own row's delivery date, keys are unique per key and file), and the
outcome is split back per file. polars does the heavy lifting once (casting, identifier checks, key counts)
and leaves small "fact" columns (null when fine, the offending value otherwise); GX then validates only the
columns its expectations name, in chunks, with the COMPLETE result format, so its output is the positions of
the failing rows rather than a verdict per row. GX's verdict decides which rows are quarantined.
A file too large to validate at once goes through `check_in_slices`: its key duplicates are found for the whole
file first, then its rows are validated slice by slice, with the same outcome.
"""

from __future__ import annotations

import gc
import json
import os
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl

from ingest import identifiers, paths
from ingest.readers import SOURCE_LINE, RawTable
from ingest.registry import Column, Feed, Table, normalize_code

ROW = "_row"
ITEM = "_item"
FILE = "_file"  # position of the delivered file in a batch
DELIVERED = "_delivered"  # that file's delivery date
RESOLVED = "_resolved_uscc"
DUPLICATE_KEY = "_duplicate_key"  # fact: the words for a key duplicated in its file, else null
CHUNK_ROWS = 1_000_000  # rows per GX batch: bounds pandas memory; GX costs ~0.3 s per batch on top
IDENTITY_COLUMNS = ("uscc", "identifier", "identifier_kind", "unresolved_reason")
_BOOL_TEXT = {"1": True, "0": False, "TRUE": True, "FALSE": False}
_POLARS_TYPES = {"str": pl.String, "int": pl.Int64, "float": pl.Float64, "date": pl.Date, "bool": pl.Boolean}
CASTABLE_TYPES = ("int", "float", "bool", "date")  # text that may not read as the type: `_unreadable__` facts


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


def landed_schema(table: Table) -> dict[str, pl.DataType]:
    """The typed columns of a landed table before the delivery stamps: declared, then identity."""
    schema = {c.name: polars_type(c) for c in table.columns}
    return {**schema, **{name: pl.String for name in IDENTITY_COLUMNS}}


def polars_type(col: Column) -> pl.DataType:
    if col.type == "list":
        return pl.List(pl.Struct({f.name: polars_type(f) for f in col.fields}))
    return _POLARS_TYPES[col.type]


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


def _identifier_columns(table: Table) -> set[str]:
    ident = table.identifier
    return {ident.column} | ({ident.when_blank.column} if ident.when_blank else set())


def _typed(frame: pl.DataFrame, col: Column, name: str, feed: Feed, date_formats: tuple[str, ...],
           identifier: bool = False) -> list[pl.Series]:
    """The typed column, plus its fact column `_unreadable__<name>` for castable types."""
    raw = _source(frame, col)
    castable = col.type in CASTABLE_TYPES
    text = _text(raw) if castable or not identifier else None  # an identifier is trimmed by its normalization
    typed = identifiers.normalize_series(raw) if identifier else _cast(text, col, feed, date_formats)
    out = [typed.alias(name)]
    if castable:
        out.append(text.set(text.is_null() | typed.is_not_null(), None).alias(f"_unreadable__{name}"))
    return out


def cast_table(feed: Feed, raw: RawTable) -> tuple[pl.DataFrame, dict[str, pl.DataFrame]]:
    """(main frame, {list column: exploded frame}); both carry `_row`, typed columns and fact columns, and
    the batch columns `_file` / `_delivered` when the raw frame has them."""
    table, frame = raw.table, raw.frame.with_row_index(ROW)
    id_cols = _identifier_columns(table)
    batch = [c for c in (SOURCE_LINE, FILE, DELIVERED, DUPLICATE_KEY) if c in frame.columns]
    columns: list[pl.Series] = [frame.get_column(ROW), *(frame.get_column(c) for c in batch)]
    lists: dict[str, pl.DataFrame] = {}
    for col in table.columns:
        if col.type == "list":
            lists[col.name] = _explode(feed, frame, col, raw.extra_date_formats)
            columns.append(_source(frame, col).alias(f"_raw__{col.name}"))
            continue
        columns += _typed(frame, col, col.name, feed, raw.extra_date_formats, col.name in id_cols)
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
    items = (
        frame.select(ROW, *carried, pl.col(col.source).alias("_items"))
        .filter(pl.col("_items").list.len() > 0)
        .with_columns(pl.int_ranges(pl.col("_items").list.len()).alias(ITEM))
        .explode("_items", ITEM)
        .unnest("_items")
    )
    columns: list[pl.Series] = [items.get_column(c) for c in (ROW, ITEM, *carried)]
    for f in col.fields:
        columns += _typed(items, f, f"{col.name}.{f.name}", feed, date_formats)
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
    # makes a candidate, never a duplicate). Hashing first is cheaper than grouping the keys' text (a 934k-row
    # tax ratings file: 0.16-0.24 -> 0.16 CPU-s for this function, medians of 5).
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
        out = out.with_columns(pl.col(list_col.name).list.len().alias(f"_items__{list_col.name}"))
    return out


# -- the suite -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One expectation and how to word a failure of it (`{value}`, `{item}` from the failing row)."""

    config: dict[str, Any]  # GX expectation configuration: type, kwargs, meta, severity
    frame: str  # "" for the main frame, else the list column whose exploded frame it checks

    @property
    def column(self) -> str:
        """The column whose value a failure reports (`column_B` of a column-pair expectation)."""
        kwargs = self.config["kwargs"]
        return kwargs["column"] if "column" in kwargs else kwargs["column_B"]

    @property
    def warning(self) -> bool:
        return self.config.get("severity") == "warning"

    def reason(self, hit: dict[str, Any]) -> str:
        """The wording for one failing row (`hit`: its row id, item and the values of the columns checked)."""
        text = self.config["meta"]["reason"]
        item, delivered = hit.get(ITEM), hit.get(DELIVERED)
        return text.format(value=_show(hit.get(self.column)), item=int(item) if item is not None else "",
                           delivered=_show(delivered) if delivered is not None else "")


def _show(value: Any) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _rule(kind: str, column: str, reason: str, frame: str = "", **kwargs: Any) -> Rule:
    meta = {"rule": f"{column}.{kind}", "reason": reason}
    return Rule({"type": kind, "kwargs": {"column": column, **kwargs}, "meta": meta}, frame)


def _column_rules(col: Column, feed: Feed, name: str, label: str, frame: str) -> list[Rule]:
    rules = []
    if col.type in CASTABLE_TYPES:
        rules.append(_rule("expect_column_values_to_be_null", f"_unreadable__{name}", _unreadable_reason(
            col, feed, label), frame))
    if col.required:
        column = f"_items__{name}" if col.type == "list" else name
        rules.append(_rule("expect_column_values_to_not_be_null", column, f"{label}: required value missing",
                           frame))
    allowed = col.values or (tuple(dict.fromkeys(feed.lookups[col.lookup].values())) if col.lookup else None)
    if allowed:
        kind = "code" if col.values else f"{col.lookup} value"
        rules.append(_rule("expect_column_values_to_be_in_set", name,
                           f"{label}: unknown {kind} '{{value}}' (expected one of {', '.join(allowed)})",
                           frame, value_set=list(allowed)))
    if col.range:
        low, high = col.range
        rules.append(_rule("expect_column_values_to_be_between", name,
                           f"{label}: {{value}} is out of range [{_bound(low)}, {_bound(high)}]", frame,
                           min_value=low, max_value=high))
    if col.pattern:
        rules.append(_rule("expect_column_values_to_match_regex", name,
                           f"{label}: '{{value}}' does not match {col.pattern}", frame, regex=col.pattern))
    if col.not_after_delivery:  # row-wise: each row against its own file's delivery date
        rules.append(Rule({
            "type": "expect_column_pair_values_a_to_be_greater_than_b",
            "kwargs": {"column_A": DELIVERED, "column_B": name, "or_equal": True,
                       "ignore_row_if": "either_value_is_missing"},
            "meta": {"rule": f"{name}.not_after_delivery",
                     "reason": f"{label}: {{value}} is after the delivery date {{delivered}}"},
        }, frame))
    return rules


def _bound(value: float | None) -> str:
    return "" if value is None else _show(float(value))


def _unreadable_reason(col: Column, feed: Feed, label: str) -> str:
    if col.type == "date":
        formats = col.formats or feed.date_formats
        return f"{label}: '{{value}}' is not a date in {' or '.join(formats)}"
    return f"{label}: '{{value}}' is not a valid {col.type}"


def declared_rules(feed: Feed, table: Table) -> list[Rule]:
    """The expectations a declaration implies, built at run time so the declaration stays the one source.
    They run on a batch frame: every one is row-wise (see the module docstring)."""
    id_cols = _identifier_columns(table)
    rules = [_rule("expect_column_values_to_be_null", "_identifier_error", "{value}")]
    for col in table.columns:
        if col.type == "list":
            rules += _column_rules(col, feed, col.name, col.name, "")
            for f in col.fields:
                label = f"{col.name}[{{item}}].{f.name}"
                rules += _column_rules(f, feed, f"{col.name}.{f.name}", label, col.name)
            continue
        plain = col if col.name not in id_cols else Column(col.name, col.source, col.type, col.required,
                                                             col.optional, pattern=col.pattern)
        rules += _column_rules(plain, feed, col.name, col.name, "")
    if table.key:
        rules.append(_rule("expect_column_values_to_be_null", DUPLICATE_KEY,
                           "duplicate key {value}: every row of a duplicated key is quarantined"))
    return rules


def suite_path(feed: Feed) -> Path | None:
    """The feed's JSON suite: `expectations/` first, then beside the declaration (for extra feeds)."""
    for folder in (paths.EXPECTATIONS_DIR, feed.declaration.parent):
        path = folder / f"{feed.expectations}.json"
        if path.exists():
            return path
    return None


def suite_rules(feed: Feed, table: Table) -> list[Rule]:
    """The JSON suite's expectations for this table (`meta.table` picks a sheet's table; default: all)."""
    path = suite_path(feed)
    if path is None:
        return []
    suite = json.loads(path.read_text(encoding="utf-8"))
    rules = []
    for config in suite.get("expectations", []):
        meta = config.setdefault("meta", {})
        if meta.get("table", table.name) != table.name:
            continue
        column = config["kwargs"]["column"]
        list_cols = {c.name for c in table.columns if c.type == "list"}
        frame = column.split(".", 1)[0] if column.split(".", 1)[0] in list_cols else ""
        meta.setdefault("reason", f"{column}: fails {meta.get('rule', config['type'])}: '{{value}}'")
        rules.append(Rule(config, frame))
    return rules


# -- running GX ------------------------------------------------------------------------------------------


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
    # The ~300k objects imported so far live as long as the process: frozen, the collections in `run_suite`
    # skip them and cost next to nothing.
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
# polars chunk. Asked to list index columns itself, GX reads them one value at a time (`df.at`), a tenth of a
# millisecond per failing row.
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
    reading the same columns) gets a frame of its own columns (inspections' two severity rules: half of its
    GX time on the full frame)."""
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
    # chunk's arrays). Python's own full collection came only every few batches: on the 1M drop's 842 daily
    # inspection files a landing process grew by 400 MB a batch, to 2.5 GiB. Collect them now.
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


# -- putting it together ---------------------------------------------------------------------------------


def check_tables(feed: Feed, table: Table, parts: list[Part],
                 references: dict[str, identifiers.Reference]) -> list[Checked]:
    """Validate one table of several deliveries at once (each part has passed `check_structure`): one GX
    run per frame (and rule group, `_rule_groups`) for the whole batch, then one `Checked` per part, as if each
    file were validated alone."""
    if not parts:
        return []
    batch = _batch_frame(parts)
    main, lists = cast_table(feed, RawTable(table, batch, parts[0].raw.extra_date_formats))
    main = add_facts(main, table, references)
    rules = declared_rules(feed, table) + suite_rules(feed, table)
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
        id_cols = _identifier_columns(table)
        keys = pl.DataFrame([
            _typed(frame, col, col.name, feed, raw.extra_date_formats, col.name in id_cols)[0]
            for col in (table.column(k) for k in table.key)
        ]).rechunk()  # one chunk: polars 2.1 pl.format panics on more
        frame = frame.with_columns(duplicate_key_facts(keys, table.key))
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
    prefix = "_unreadable__"
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
