"""The feed registry: one YAML declaration per agency dataset, read by ingest, validation, dbt and the DAGs.

Nothing else in the project lists feeds. A declaration (see ``feeds/tax/tax_credit.yml``) says how a dataset
arrives (format, encoding, file name), what it holds (columns, types, code mappings), how it names the
enterprise (identifier kinds) and how deliveries combine (snapshot or events, key). Extra declarations can be
added without touching the package through ``QCREDIT_EXTRA_FEEDS`` (folders separated by ``os.pathsep``).
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from ingest.paths import FEEDS_DIR

FORMATS = {"csv", "jsonl", "xlsx"}
ENCODINGS = {"utf-8", "utf-8-sig", "gb18030"}
MODES = {"snapshot", "events"}
TYPES = {"str", "int", "float", "date", "bool", "list"}
IDENTIFIER_KINDS = {"uscc", "legacy_tax_no", "customs_code"}

_FEED_KEYS = {
    "agency", "dataset", "title", "publisher", "format", "encoding", "file_pattern", "mode", "key",
    "hold_if_below", "identifier", "personal_columns", "columns", "lookups", "expectations", "staging_model",
    "sheets", "date_formats", "assertions",
}
_TABLE_KEYS = {"sheet", "table", "key", "hold_if_below", "identifier", "personal_columns", "columns"}
_COLUMN_KEYS = {
    "source", "name", "type", "required", "optional", "values", "lookup", "range", "pattern", "formats",
    "not_after_delivery", "fields",
}


class RegistryError(ValueError):
    """A declaration that cannot be used as written."""


def normalize_code(value: str) -> str:
    """How raw code values are compared: NFKC (full-width to ASCII), trimmed."""
    return unicodedata.normalize("NFKC", value).strip()


@dataclass(frozen=True)
class Column:
    name: str
    source: str
    type: str
    required: bool = False  # a value must be present; an empty one quarantines the row
    optional: bool = False  # the header may lack the column (otherwise a missing column rejects the file)
    values: tuple[str, ...] | None = None  # accepted canonical values
    lookup: str | None = None  # name of a raw -> canonical mapping in the feed's `lookups`
    range: tuple[float | None, float | None] | None = None
    pattern: str | None = None
    formats: tuple[str, ...] = ()
    not_after_delivery: bool = False  # a date after the delivery date is bad input
    fields: tuple[Column, ...] = ()  # for type `list`: the fields of each element


@dataclass(frozen=True)
class Identifier:
    """Which column names the enterprise, which identifier kinds it may hold, and how each resolves to a USCC."""

    column: str
    kinds: tuple[str, ...]
    resolve_via: str | None = None  # feed id whose data resolves non-USCC kinds (legacy tax no -> USCC)
    when_blank: Identifier | None = None  # another column to resolve through when `column` is empty


@dataclass(frozen=True)
class Table:
    """One landed table: a whole CSV/JSONL file, or one sheet of a workbook."""

    agency: str
    name: str  # lake table name: the dataset, or <dataset>__<table> for a workbook sheet
    sheet: str | None
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    identifier: Identifier
    hold_if_below: float | None
    personal_columns: tuple[str, ...]

    @property
    def table_id(self) -> str:
        return f"{self.agency}/{self.name}"

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.table_id} has no column {name!r}")


@dataclass(frozen=True)
class Feed:
    agency: str
    dataset: str
    title: str
    format: str
    encoding: str
    file_pattern: str
    mode: str
    tables: tuple[Table, ...]
    lookups: dict[str, dict[str, str]]
    expectations: str
    staging_model: str
    date_formats: tuple[str, ...]
    declaration: Path
    publisher: dict[str, Any] = field(default_factory=dict)

    @property
    def feed_id(self) -> str:
        return f"{self.agency}/{self.dataset}"

    @property
    def file_regex(self) -> re.Pattern[str]:
        return _pattern_to_regex(self.file_pattern)

    def match_file(self, file_name: str) -> tuple[date, int] | None:
        """(delivery date, sequence) when the file name is one of this feed's deliveries, else None."""
        m = self.file_regex.fullmatch(file_name)
        if not m:
            return None
        ymd = m.group("ymd")
        try:
            delivered = date(int(ymd[:4]), int(ymd[4:6]), int(ymd[6:]))
        except ValueError:
            return None
        return delivered, int(m.group("nn") or 0)

    def map_code(self, lookup: str, raw: str) -> str | None:
        """Canonical code for a raw value (compared after NFKC and trim), None when unknown."""
        return self.lookups[lookup].get(normalize_code(raw))


@cache
def _pattern_to_regex(pattern: str) -> re.Pattern[str]:
    """`tax_credit_{YYYYMMDD}[_{NN}].csv` -> a regex with groups `ymd` and `nn`."""
    out = re.escape(pattern)
    out = out.replace(re.escape("{YYYYMMDD}"), r"(?P<ymd>\d{8})")
    out = out.replace(re.escape("[_{NN}]"), r"(?:_(?P<nn>\d{2}))?")
    if "(?P<ymd>" not in out:
        raise RegistryError(f"file_pattern {pattern!r} lacks {{YYYYMMDD}}")
    return re.compile(out)


def _check_keys(where: str, given: dict[str, Any], allowed: set[str]) -> None:
    unknown = set(given) - allowed
    if unknown:
        raise RegistryError(f"{where}: unknown keys {sorted(unknown)} (allowed: {sorted(allowed)})")


def _column(where: str, raw: dict[str, Any], lookups: dict[str, Any]) -> Column:
    _check_keys(where, raw, _COLUMN_KEYS)
    name = raw["name"]
    col_type = raw.get("type", "str")
    if col_type not in TYPES:
        raise RegistryError(f"{where}.{name}: type {col_type!r} not in {sorted(TYPES)}")
    if raw.get("lookup") and raw["lookup"] not in lookups:
        raise RegistryError(f"{where}.{name}: lookup {raw['lookup']!r} is not declared under `lookups`")
    rng = raw.get("range")
    return Column(
        name=name,
        source=raw.get("source", name),
        type=col_type,
        required=bool(raw.get("required", False)),
        optional=bool(raw.get("optional", False)),
        values=tuple(raw["values"]) if raw.get("values") else None,
        lookup=raw.get("lookup"),
        range=(rng[0], rng[1]) if rng else None,
        pattern=raw.get("pattern"),
        formats=tuple(raw.get("formats", ())),
        not_after_delivery=bool(raw.get("not_after_delivery", False)),
        fields=tuple(_column(f"{where}.{name}", f, lookups) for f in raw.get("fields", ())),
    )


def _identifier(where: str, raw: dict[str, Any] | None, columns: tuple[Column, ...]) -> Identifier:
    if not raw:
        raise RegistryError(f"{where}: every table declares its `identifier`")
    names = {c.name for c in columns}
    kinds = tuple(raw.get("kinds") or (raw["kind"],))
    if set(kinds) - IDENTIFIER_KINDS:
        raise RegistryError(f"{where}: identifier kinds {kinds} not in {sorted(IDENTIFIER_KINDS)}")
    if raw["column"] not in names:
        raise RegistryError(f"{where}: identifier column {raw['column']!r} is not a declared column")
    blank = raw.get("when_blank")
    return Identifier(
        column=raw["column"],
        kinds=kinds,
        resolve_via=raw.get("resolve_via"),
        when_blank=_identifier(f"{where}.when_blank", blank, columns) if blank else None,
    )


def _table(feed: dict[str, Any], raw: dict[str, Any], lookups: dict[str, Any], where: str) -> Table:
    columns = tuple(_column(where, c, lookups) for c in raw["columns"])
    key = tuple(raw.get("key") or ())
    missing = set(key) - {c.name for c in columns}
    if missing:
        raise RegistryError(f"{where}: key columns {sorted(missing)} are not declared")
    name = feed["dataset"] if not raw.get("table") else f"{feed['dataset']}__{raw['table']}"
    return Table(
        agency=feed["agency"],
        name=name,
        sheet=raw.get("sheet"),
        key=key,
        columns=columns,
        identifier=_identifier(where, raw.get("identifier"), columns),
        hold_if_below=raw.get("hold_if_below"),
        personal_columns=tuple(raw.get("personal_columns", ())),
    )


def parse_feed(path: Path) -> Feed:
    """Read and check one declaration."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    where = str(path)
    _check_keys(where, raw, _FEED_KEYS)
    for required in ("agency", "dataset", "format", "file_pattern", "mode"):
        if required not in raw:
            raise RegistryError(f"{where}: `{required}` is required")
    if raw["format"] not in FORMATS:
        raise RegistryError(f"{where}: format {raw['format']!r} not in {sorted(FORMATS)}")
    encoding = raw.get("encoding", "utf-8")
    if encoding not in ENCODINGS:
        raise RegistryError(f"{where}: encoding {encoding!r} not in {sorted(ENCODINGS)}")
    if raw["mode"] not in MODES:
        raise RegistryError(f"{where}: mode {raw['mode']!r} not in {sorted(MODES)}")
    lookups = {
        name: {normalize_code(str(k)): str(v) for k, v in mapping.items()}
        for name, mapping in (raw.get("lookups") or {}).items()
    }
    if raw.get("sheets"):
        tables = tuple(
            _table(raw, {**sheet}, lookups, f"{where}[{sheet.get('sheet')}]") for sheet in raw["sheets"]
        )
        for sheet in raw["sheets"]:
            _check_keys(f"{where}[{sheet.get('sheet')}]", sheet, _TABLE_KEYS)
    else:
        tables = (_table(raw, {k: raw.get(k) for k in _TABLE_KEYS if k in raw}, lookups, where),)
    return Feed(
        agency=raw["agency"],
        dataset=raw["dataset"],
        title=raw.get("title", raw["dataset"]),
        format=raw["format"],
        encoding=encoding,
        file_pattern=raw["file_pattern"],
        mode=raw["mode"],
        tables=tables,
        lookups=lookups,
        expectations=raw.get("expectations", f"{raw['agency']}__{raw['dataset']}"),
        staging_model=raw.get("staging_model", f"stg_{raw['agency']}__{raw['dataset']}"),
        date_formats=tuple(raw.get("date_formats", ("%Y-%m-%d",))),
        declaration=path,
        publisher=raw.get("publisher") or {},
    )


def feed_dirs() -> list[Path]:
    extra = [Path(p) for p in os.environ.get("QCREDIT_EXTRA_FEEDS", "").split(os.pathsep) if p]
    return [FEEDS_DIR, *extra]


# What a broken declaration can raise while it is read: YAML syntax, a missing or mistyped field.
_DECLARATION_ERRORS = (RegistryError, yaml.YAMLError, KeyError, TypeError, ValueError, AttributeError,
                       UnicodeDecodeError)


@cache
def _load(dirs: tuple[Path, ...]) -> tuple[dict[str, Feed], dict[Path, str]]:
    """(usable feeds by id, broken declarations with their error). Each declaration is read on its own, so a
    typo in one stops only that feed; a feed resolving through a broken or undeclared feed cannot land either."""
    feeds: dict[str, Feed] = {}
    broken: dict[Path, str] = {}
    for folder in dirs:
        for path in sorted(folder.glob("*/*.yml")):
            try:
                feed = parse_feed(path)
            except _DECLARATION_ERRORS as exc:
                broken[path] = _declaration_error(path, exc)
                continue
            if feed.feed_id in feeds:
                broken[path] = f"feed {feed.feed_id} is declared twice (first in {feeds[feed.feed_id].declaration})"
                continue
            feeds[feed.feed_id] = feed
    while unresolvable := {
        feed_id: feed for feed_id, feed in feeds.items()
        if any(ident and ident.resolve_via and ident.resolve_via not in feeds
               for table in feed.tables for ident in (table.identifier, table.identifier.when_blank))
    }:
        for feed_id, feed in unresolvable.items():
            missing = sorted(_resolves_through(feed) - set(feeds))
            broken[feed.declaration] = f"resolve_via {', '.join(missing)} is not declared or its declaration is broken"
            del feeds[feed_id]
    _refuse_reference_cycles(feeds)
    return feeds, broken


def _declaration_error(path: Path, exc: Exception) -> str:
    """One line: what is wrong with the declaration, without repeating its path."""
    text = str(exc).removeprefix(f"{path}").lstrip(":. ") if isinstance(exc, RegistryError) else str(exc)
    if isinstance(exc, KeyError):
        text = f"a required field is missing: {text}"
    return (" ".join(text.split()) or type(exc).__name__)[:300]


def broken_declarations() -> dict[Path, str]:
    """Declarations that could not be read, with why; their feeds are left out of `load_registry()`."""
    return _load(tuple(feed_dirs()))[1]


def _refuse_reference_cycles(feeds: dict[str, Feed]) -> None:
    """A feed lands after the feeds it resolves through, so they cannot resolve through it, even indirectly."""
    through = {feed_id: _resolves_through(feed) for feed_id, feed in feeds.items()}

    def visit(feed_id: str, path: list[str]) -> None:
        if feed_id in path:
            cycle = " -> ".join([*path[path.index(feed_id):], feed_id])
            raise RegistryError(f"{feeds[feed_id].declaration}: resolve_via forms a cycle ({cycle}): "
                                "no feed of it could land first")
        for target in sorted(through[feed_id]):
            visit(target, [*path, feed_id])

    for feed_id in feeds:
        visit(feed_id, [])


def load_registry() -> dict[str, Feed]:
    """Every usable declared feed, by feed id (`agency/dataset`), in a stable order (`broken_declarations()`
    lists the others)."""
    return _load(tuple(feed_dirs()))[0]


def feed_ids() -> list[str]:
    return list(load_registry())


def get_feed(feed_id: str) -> Feed:
    try:
        return load_registry()[feed_id]
    except KeyError:
        agency, _, dataset = feed_id.partition("/")
        for path, error in broken_declarations().items():
            if (path.parent.name, path.stem) == (agency, dataset):
                raise RegistryError(f"the declaration of {feed_id} is broken: {path}: {error}") from None
        raise RegistryError(f"no feed {feed_id!r} is declared (known: {', '.join(load_registry())})") from None


def all_tables() -> list[Table]:
    return [table for feed in load_registry().values() for table in feed.tables]


def reference_feed_ids() -> list[str]:
    """Feeds that other feeds resolve identifiers through (`resolve_via`): they land first."""
    feeds = load_registry()
    targets = set().union(*(_resolves_through(feed) for feed in feeds.values()))
    return [f for f in feeds if f in targets]


def resolved_through(feed_id: str) -> set[str]:
    """The reference feeds this feed resolves identifiers through: they must land before it."""
    return _resolves_through(get_feed(feed_id))


def _resolves_through(feed: Feed) -> set[str]:
    """The other feeds a feed's identifiers resolve through (a feed resolving through its own deliveries lands
    them file by file instead: `land._self_resolving`)."""
    return {
        ident.resolve_via
        for table in feed.tables
        for ident in (table.identifier, table.identifier.when_blank)
        if ident and ident.resolve_via and ident.resolve_via != feed.feed_id
    }


def dependent_feed_ids() -> list[str]:
    """Every other feed: they land after the reference feeds, in parallel with each other."""
    reference = set(reference_feed_ids())
    return [f for f in load_registry() if f not in reference]


def landing_waves() -> list[list[str]]:
    """Feed ids in the order they must land: reference feeds, then the rest."""
    return [wave for wave in (reference_feed_ids(), dependent_feed_ids()) if wave]
