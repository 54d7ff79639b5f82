"""What a declaration implies: the checks of a delivered table, as data.

A table's rules are built at run time from its declaration (required values, code sets and lookups, ranges,
patterns, dates not after the delivery, key uniqueness, identifier check characters, castable types), so the
declaration stays the one source, plus the JSON suite `expectations/<feed.expectations>.json`, which holds only
what a declaration cannot say (cross-column rules; `severity: warning` rules that report without quarantining).

A rule is a Great Expectations expectation configuration and the wording of a failure; how GX runs them is
`ingest.gx`. Rules read the checked frame that `ingest.cast` builds: the typed declared columns plus "fact"
columns, named below, that hold the offending value where a row fails and null where it is fine. Every rule is
row-wise (a date is compared with its own row's delivery date, a key is duplicated within its own file), so a
frame of many delivered files is checked at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ingest import paths
from ingest.identifiers import IDENTIFIER_ERROR
from ingest.registry import Column, Feed, Table

# -- the checked frame's columns -------------------------------------------------------------------------

ROW = "_row"  # position of the row in the checked frame
ITEM = "_item"  # position of a list element in its row
FILE = "_file"  # position of the delivered file in a batch
DELIVERED = "_delivered"  # that file's delivery date
RESOLVED = "_resolved_uscc"  # the USCC an identifier resolves to, kept aside until landing
DUPLICATE_KEY = "_duplicate_key"  # fact: the words for a key duplicated in its file, else null
CASTABLE_TYPES = ("int", "float", "bool", "date")  # text that may not read as the type: `unreadable()` facts
UNREADABLE_PREFIX = "_unreadable__"


def unreadable(name: str) -> str:
    """The fact column of a castable column: the delivered text where it does not read as the type."""
    return f"{UNREADABLE_PREFIX}{name}"


def items(name: str) -> str:
    """The column holding the number of elements of a list column (null when the list is missing)."""
    return f"_items__{name}"


def identifier_columns(table: Table) -> set[str]:
    """The declared columns an identifier is read from (checked by their identifier kinds, not as codes)."""
    ident = table.identifier
    return {ident.column} | ({ident.when_blank.column} if ident.when_blank else set())


# -- rules -----------------------------------------------------------------------------------------------


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
        rules.append(_rule("expect_column_values_to_be_null", unreadable(name), _unreadable_reason(
            col, feed, label), frame))
    if col.required:
        column = items(name) if col.type == "list" else name
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
    id_cols = identifier_columns(table)
    rules = [_rule("expect_column_values_to_be_null", IDENTIFIER_ERROR, "{value}")]
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


def table_rules(feed: Feed, table: Table) -> list[Rule]:
    """All of a table's rules: the declaration's, then the JSON suite's."""
    return declared_rules(feed, table) + suite_rules(feed, table)
