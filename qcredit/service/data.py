"""What a run published, as the service reads it: `<home>/exports/<date>/serving/serving.duckdb`.

Queries run on an in-memory DuckDB to which each date's serving copy is attached read-only, with every value
from a request bound as a parameter; table names and columns come from this module only. A date is published
once its folder holds `run_summary.json` (written last) and its serving copy; the folder is listed on every
request, so a date a nightly run publishes appears without a restart. A copy is attached once per file (a
rerun that replaces a date's folder brings a new file, attached anew; the old one stays attached, unused, until
the service restarts), and never written: the nightly run writes only new files.

Scope: a user sees the enterprises whose `region_code` starts with their province code (`None` = every
province). Every internal query takes the scope, so an enterprise outside it is never listed, counted or found.
"""

from __future__ import annotations

import csv
import json
import re
import threading
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from ingest.identifiers import USCC_ALPHABET
from qcredit.service.publish import CREDIT_FILES, CRITERIA_FILE, LEVEL_RUNS, serving_database
from qcredit.sql import string_literal

DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
USCC_PATTERN = re.compile(f"^[{USCC_ALPHABET}]{{18}}$")
CODE_PATTERN = re.compile(r"^[A-D]\.[0-9H]{1,2}$")
SIGNAL_PATTERN = re.compile(r"^[a-z][a-z_]{0,39}$")
CITY_PATTERN = re.compile(r"^\d{4}$")
ACTIONS = ("yellow_card", "warning", "none")
WARNING_SORTS = {  # the sort keys a request may name, and the ORDER BY each stands for
    "-risk_score": "risk_score desc, uscc",
    "risk_score": "risk_score, uscc",
    "uscc": "uscc",
    "name": "name, uscc",
    "region_code": "region_code, uscc",
}
PAGE_SIZE = 100
DATES_SECONDS = 1.0  # how long the list of published dates is kept when the exports folder looks unchanged
DUCKDB_MEMORY_MB = 512  # the service's DuckDB memory unless QCREDIT_SERVICE_DUCKDB_MEMORY_MB says otherwise
EVIDENCE_COLUMNS = ("dataset", "record_id", "event_date", "source_file", "source_line", "delivery_id")


class BadRequest(ValueError):
    """A malformed parameter (400)."""


class NotFound(LookupError):
    """No such published date or enterprise, or one outside the user's province (404)."""


@dataclass(frozen=True)
class WarningFilters:
    action: str | None = None
    min_score: int | None = None
    reason: str | None = None
    signal: str | None = None
    city: str | None = None
    sort: str = "-risk_score"

    @classmethod
    def parse(cls, params: dict[str, str | None]) -> WarningFilters:
        """Filters from request parameters; a malformed one is a BadRequest naming it."""
        def get(key: str) -> str | None:
            value = (params.get(key) or "").strip()
            return value or None

        action, reason, signal, city = get("action"), get("reason"), get("signal"), get("city")
        if action and action not in ACTIONS:
            raise BadRequest(f"action must be one of {', '.join(ACTIONS)}")
        if reason and not CODE_PATTERN.match(reason):
            raise BadRequest("reason must be a reason code such as C.2")
        if signal and not SIGNAL_PATTERN.match(signal):
            raise BadRequest("signal must be a signal name such as bank_npl")
        if city and not CITY_PATTERN.match(city):
            raise BadRequest("city must be the four-digit city part of a region code, e.g. 3301")
        min_score = get("min_score")
        if min_score is not None:
            if not re.fullmatch(r"\d{1,4}", min_score):
                raise BadRequest("min_score must be a whole number from 0 to 9999")
            min_score = int(min_score)
        sort = get("sort") or "-risk_score"
        if sort not in WARNING_SORTS:
            raise BadRequest(f"sort must be one of {', '.join(WARNING_SORTS)}")
        return cls(action, min_score, reason, signal, city, sort)

    def where(self) -> tuple[list[str], list[Any]]:
        clauses, params = [], []
        if self.action:
            clauses.append("action = ?")
            params.append(self.action)
        if self.min_score is not None:
            clauses.append("risk_score >= ?")
            params.append(self.min_score)
        if self.reason:
            clauses.append("list_contains(string_split(reasons, ';'), ?)")
            params.append(self.reason)
        if self.signal:
            clauses.append("list_contains(string_split(signals, ';'), ?)")
            params.append(self.signal)
        if self.city:
            clauses.append("starts_with(region_code, ?)")
            params.append(self.city)
        return clauses, params


def in_scope(scope: str) -> str:
    """SQL: the row's enterprise is in the scope bound at placeholder `scope` (its region code starts with the
    user's province code). Every internal query a user's request makes is limited by this."""
    return f"starts_with(region_code, {scope})"


def check_uscc(value: str) -> str:
    uscc = (value or "").strip().upper()
    if not USCC_PATTERN.match(uscc):
        raise BadRequest("a USCC is 18 characters of digits and capital letters (no I, O, S, V, Z)")
    return uscc


def check_date(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if not DATE_PATTERN.match(value):
        raise BadRequest("dates are written YYYY-MM-DD")
    try:
        date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"{value} is not a calendar date") from None
    return value


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _plain(value: Any) -> Any:
    """A value of a credit file as JSON has it: dates as text, lists and structs all the way down."""
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return _jsonable(value)


def split_codes(value: str | None) -> list[str]:
    return [c for c in (value or "").split(";") if c]


class Published:
    """The published dates of one home, queried in memory."""

    def __init__(self, home: Path, memory_limit_mb: int = DUCKDB_MEMORY_MB):
        self.home = Path(home)
        self._memory_limit_mb = memory_limit_mb
        self._connection: duckdb.DuckDBPyConnection | None = None  # opened on the first query
        # the alias each serving copy is attached under, by path, inode and modification time (a file version)
        self._attached: dict[tuple[str, int, int], str] = {}
        # by attached table (a file version does not change): its columns, the code meanings, filter choices
        self._schemas: dict[str, list[str]] = {}
        self._criteria: dict[str, dict[str, dict]] = {}
        self._choices: dict[tuple[str, str | None], dict[str, list[str]]] = {}
        self._lock = threading.Lock()  # attaching a file
        self._connect_lock = threading.Lock()
        self._dates: tuple[int, float, list[str]] | None = None  # (exports folder's mtime, when, dates)

    @property
    def _con(self) -> duckdb.DuckDBPyConnection:
        """The in-memory DuckDB the serving copies are attached to. Opened on first use, so that `qcredit serve`
        can list the dates before its worker processes start (a DuckDB must not cross a fork). One DuckDB
        thread: a query runs in the calling request's thread, and requests run side by side in the server's
        threads; the queries are too small to gain from splitting."""
        with self._connect_lock:
            if self._connection is None:
                self._connection = duckdb.connect(config={"threads": 1,
                                                          "memory_limit": f"{self._memory_limit_mb}MB"})
            return self._connection

    # -- dates ------------------------------------------------------------------------------------------

    def dates(self) -> list[str]:
        """Published dates, latest first. A page asks several times, so the list is kept while the exports
        folder is unchanged (a run swaps a date's folder in whole, which changes it) and for DATES_SECONDS."""
        root = self.home / "exports"
        try:
            changed = root.stat().st_mtime_ns
        except OSError:
            return []
        now = time.monotonic()
        kept = self._dates
        if kept and kept[0] == changed and now - kept[1] < DATES_SECONDS:
            return kept[2]
        found = [p.name for p in root.iterdir() if DATE_PATTERN.match(p.name) and self._is_published(p)]
        self._dates = (changed, now, sorted(found, reverse=True))
        return self._dates[2]

    @staticmethod
    def _is_published(folder: Path) -> bool:
        return (folder / "run_summary.json").exists() and serving_database(folder).exists()

    def resolve(self, value: str | None) -> str:
        """The requested date (validated, and published), else the latest published one."""
        wanted = check_date(value)
        dates = self.dates()
        if not dates:
            raise NotFound("nothing has been published yet")
        if wanted is None:
            return dates[0]
        if wanted not in dates:
            raise NotFound(f"no published date {wanted}")
        return wanted

    def previous(self, as_of: str) -> str | None:
        earlier = [d for d in self.dates() if d < as_of]
        return earlier[0] if earlier else None

    # -- queries ----------------------------------------------------------------------------------------

    def _table(self, as_of: str, view: str) -> str | None:
        """The view's table in the date's serving copy as a SQL name, or None when the date has none."""
        alias = self._database(as_of)
        if alias is None:
            return None
        table = f'{alias}."{view}"'
        return table if self._columns(table) else None

    def _database(self, as_of: str) -> str | None:
        """The alias the date's serving copy is attached under (attached on first use), or None."""
        path = serving_database(self.home / "exports" / as_of)
        try:
            stat = path.stat()
        except OSError:
            return None
        key = (str(path), stat.st_ino, stat.st_mtime_ns)
        with self._lock:
            if key not in self._attached:
                alias = f"published_{len(self._attached)}"
                self._con.execute(f"attach '{string_literal(path)}' as {alias} (read_only)")
                self._attached[key] = alias
            return self._attached[key]

    def _rows(self, sql: str, params: list[Any]) -> list[dict[str, Any]]:
        cursor = self._con.cursor()
        try:
            result = cursor.execute(sql, params)
            names = [d[0] for d in result.description]
            return [{n: _jsonable(v) for n, v in zip(names, row, strict=True)} for row in result.fetchall()]
        finally:
            cursor.close()

    def select(self, as_of: str, view: str, where: list[str], params: list[Any], *, scope: str | None,
               order: str = "all", limit: int | None = None, offset: int = 0,
               columns: str = "*", group_by: str | None = None) -> list[dict[str, Any]]:
        """Rows of one view of a date, in the scope. A view without `region_code` is scoped through the
        date's enterprise levels (every internal row names a graded enterprise's USCC)."""
        table = self._table(as_of, view)
        if table is None:
            return []
        source, source_params = self._scoped_source(as_of, table, scope)
        sql = f"select {columns} from {source}"
        if where:
            sql += " where " + " and ".join(where)
        if group_by:
            sql += f" group by {group_by}"
        sql += f" order by {order}"
        tail: list[Any] = []
        if limit is not None:
            sql += " limit ? offset ?"
            tail = [limit, offset]
        return self._rows(sql, source_params + params + tail)

    def count(self, as_of: str, view: str, where: list[str], params: list[Any], *, scope: str | None) -> int:
        rows = self.select(as_of, view, where, params, scope=scope, order="1", columns="count(*) as n")
        return rows[0]["n"] if rows else 0

    def _scoped_source(self, as_of: str, table: str, scope: str | None) -> tuple[str, list[Any]]:
        if scope is None:
            return table, []
        if "region_code" in self._columns(table):
            return f"(select * from {table} where {in_scope('?')})", [scope]
        levels = self._table(as_of, CREDIT_FILES)
        return (f"(select * from {table} where uscc in "
                f"(select uscc from {levels} where {in_scope('?')}))", [scope])

    def _columns(self, table: str) -> list[str]:
        """The table's columns; none when the serving copy has no such table."""
        if table not in self._schemas:
            alias, _, name = table.partition(".")
            self._schemas[table] = [r["column_name"] for r in self._rows(
                "select column_name from duckdb_columns() where database_name = ? and table_name = ? "
                "order by column_index", [alias, name.strip('"')])]
        return self._schemas[table]

    # -- code meanings (contract C1) -----------------------------------------------------------------------

    def meanings(self, as_of: str) -> dict[str, dict]:
        """code -> {kind, level, title_zh, title_en, reads, window}, from the date's copy of the seed."""
        table = self._table(as_of, CRITERIA_FILE)
        if table is None:
            return {}
        if table not in self._criteria:
            self._criteria[table] = {r["code"]: r for r in self._rows(f"select * from {table}", [])}
        return self._criteria[table]

    # -- public ---------------------------------------------------------------------------------------------

    def public_list(self, as_of: str, which: str, q: str | None = None, *, limit: int | None = None,
                    offset: int = 0) -> tuple[list[dict], int]:
        view = {"a": "public_a_list", "d": "public_d_list"}[which]
        where, params = _public_match(q)
        total = self.count(as_of, view, where, params, scope=None)
        rows = self.select(as_of, view, where, params, scope=None, order="uscc", limit=limit, offset=offset)
        return rows, total

    def public_search(self, as_of: str, q: str) -> list[dict]:
        """Enterprises on either public list matching a USCC exactly or a part of the name."""
        found = []
        for which in ("a", "d"):
            rows, _ = self.public_list(as_of, which, q, limit=50)
            found.extend(rows)
        return found

    # -- internal --------------------------------------------------------------------------------------

    def find_enterprises(self, as_of: str, scope: str | None, q: str, *, limit: int = PAGE_SIZE,
                         offset: int = 0) -> tuple[list[dict], int]:
        """Graded enterprises in the scope whose USCC is `q` or whose name contains it."""
        where, params = _public_match(q)
        if not where:
            return [], 0
        total = self.count(as_of, CREDIT_FILES, where, params, scope=scope)
        rows = self.select(as_of, CREDIT_FILES, where, params, scope=scope, order="name, uscc",
                           limit=limit, offset=offset, columns="uscc, name, region_code, level, provisional")
        return rows, total

    def warnings(self, as_of: str, scope: str | None, filters: WarningFilters, *, limit: int | None = PAGE_SIZE,
                 offset: int = 0) -> tuple[list[dict], int]:
        where, params = filters.where()
        total = self.count(as_of, "risk_warnings", where, params, scope=scope)
        rows = self.select(as_of, "risk_warnings", where, params, scope=scope,
                           order=WARNING_SORTS[filters.sort], limit=limit, offset=offset)
        return rows, total

    def warning_choices(self, as_of: str, scope: str | None) -> dict[str, list[str]]:
        """The values the warnings filters offer: cities, reason codes and signals present in the scope (kept
        per file version and scope: a published date does not change)."""
        table = self._table(as_of, "risk_warnings")
        if table is None:
            return {"cities": [], "reasons": [], "signals": []}
        key = (table, scope)
        if key not in self._choices:
            def distinct(expr: str) -> list[str]:
                rows = self.select(as_of, "risk_warnings", [], [], scope=scope, order="1",
                                   columns=f"distinct {expr} as v")
                return [r["v"] for r in rows if r["v"]]

            self._choices[key] = {
                "cities": distinct("left(region_code, 4)"),
                "reasons": distinct("unnest(string_split(reasons, ';'))"),
                "signals": distinct("unnest(string_split(signals, ';'))"),
            }
        return self._choices[key]

    def d_review(self, as_of: str, scope: str | None, *, limit: int | None = PAGE_SIZE,
                 offset: int = 0) -> tuple[list[dict], int]:
        total = self.count(as_of, "d_review_queue", [], [], scope=scope)
        rows = self.select(as_of, "d_review_queue", [], [], scope=scope, order="review_status, uscc",
                           limit=limit, offset=offset)
        return rows, total

    def changes(self, as_of: str, scope: str | None, *, limit: int | None = PAGE_SIZE,
                offset: int = 0) -> tuple[list[dict], int]:
        """Level changes of the date, with each enterprise's name and region from the date's levels."""
        total = self.count(as_of, "level_changes", [], [], scope=scope)
        rows = self.select(as_of, "level_changes", [], [], scope=scope, order="uscc", limit=limit, offset=offset)
        names = self._names(as_of, [r["uscc"] for r in rows])
        for row in rows:
            row.setdefault("name", names.get(row["uscc"], {}).get("name"))
            row.setdefault("region_code", names.get(row["uscc"], {}).get("region_code"))
        return rows, total

    def _names(self, as_of: str, usccs: list[str]) -> dict[str, dict]:
        if not usccs:
            return {}
        rows = self.select(as_of, CREDIT_FILES, ["list_contains(?, uscc)"], [usccs], scope=None,
                           order="uscc", columns="uscc, name, region_code")
        return {r["uscc"]: r for r in rows}

    def level_counts(self, as_of: str, scope: str | None) -> dict[str, int]:
        rows = self.select(as_of, CREDIT_FILES, [], [], scope=scope, order="1",
                           columns="level, count(*) as n", group_by="level")
        counts = {r["level"]: r["n"] for r in rows}
        return {level: counts.get(level, 0) for level in "ABCD"}

    def credit_file(self, as_of: str, uscc: str, scope: str | None) -> dict[str, Any]:
        """Everything published about one enterprise at a date; NotFound when unknown or out of scope."""
        uscc = check_uscc(uscc)
        ent = self._credit_file_row(as_of, uscc, scope)
        level = ent["level"]
        meanings = self.meanings(as_of)
        evidence = ent["evidence"] or []

        def explained(code: str) -> dict[str, Any]:
            meaning = meanings.get(code, {})
            cited = [e for e in evidence if e["code"] == code]
            title = meaning.get("title_zh") or next((e.get("title") for e in cited), "")
            return {"code": code, "title": title or "", "title_en": meaning.get("title_en") or "",
                    "evidence": [{k: e[k] for k in EVIDENCE_COLUMNS if k in e} for e in cited]}

        d_review = None
        if level == "D":
            d_review = {"status": ent["review_status"] if ent["in_review_queue"] else "confirmed",
                        "disclosed": ent["on_public_d_list"]}
        return {
            "uscc": ent["uscc"], "name": ent["name"], "region_code": ent["region_code"], "as_of": as_of,
            "level": level, "provisional": ent["provisional"],
            "untrustworthy_elsewhere": ent["untrustworthy_elsewhere"],
            "reasons": [explained(c) for c in split_codes(ent["reasons"])],
            "signals": [explained(c) for c in split_codes(ent["signals"])],
            "risk_score": ent["risk_score"],
            "action": ent["action"],
            "score_breakdown": ent["score_breakdown"] or [],
            "supervision": _supervision(ent) if ent["planned"] else None,
            "award_actions": ent["award_actions"] or [],
            "d_review": d_review,
            "public": {"a_list": ent["on_public_a_list"], "d_list": ent["on_public_d_list"]},
            "level_change": ({"previous_as_of": ent["previous_as_of"], "previous_level": ent["previous_level"],
                              "level": level} if ent["level_changed"] else None),
            "history": self._history(as_of, uscc, level, ent["latest_runs"]),
        }

    def _credit_file_row(self, as_of: str, uscc: str, scope: str | None) -> dict[str, Any]:
        """The enterprise's row of the date's credit files, in the user's scope, with the level runs of the
        latest published copy as `latest_runs` (what the warehouse knew when the latest date was published)."""
        table = self._table(as_of, CREDIT_FILES)
        if table is None:
            raise NotFound(f"the published copy of {as_of} has no credit files (written by an earlier qcredit): "
                           f"publish the date again (qcredit export --as-of {as_of})")
        dates = self.dates()
        latest = self._table(dates[0], LEVEL_RUNS) if dates else None  # None in a copy without level_history
        runs = "null"
        if latest:
            runs = (f"(select list({{'level': level, 'first_as_of': first_as_of, 'last_as_of': last_as_of}}) "
                    f"from {latest} where uscc = $1)")
        scoped, params = "", [uscc]
        if scope is not None:
            scoped, params = f" and {in_scope('$2')}", [uscc, scope]
        rows = self._rows(f"select c.*, {runs} as latest_runs from {table} as c where uscc = $1{scoped}", params)
        if not rows:
            raise NotFound(f"no enterprise {uscc} at {as_of}")
        return {key: _plain(value) for key, value in rows[0].items()}

    def _history(self, as_of: str, uscc: str, level: str, runs: list[dict] | None) -> list[dict[str, str]]:
        """The enterprise's level at every published date it was graded at: from the latest copy's level runs,
        else (not graded at the latest date, or a warehouse without level_history) from every date's own copy."""
        others = [day for day in self.dates() if day != as_of]
        if runs is not None:
            found = [{"as_of": day, "level": run["level"]} for day in others
                     for run in runs if run["first_as_of"] <= day <= run["last_as_of"]]
        else:
            tables = {day: t for day in others if (t := self._table(day, CREDIT_FILES))}
            levels = " union all ".join(f"select ? as as_of, level from {t} where uscc = ?" for t in tables.values())
            params = [value for day in tables for value in (day, uscc)]
            found = self._rows(levels, params) if tables else []
        return sorted([*found, {"as_of": as_of, "level": level}], key=lambda row: row["as_of"])

    # -- runs --------------------------------------------------------------------------------------------

    def runs(self, scope: str | None) -> list[dict[str, Any]]:
        """Every published date: graded counts in the scope, and the files that need attention."""
        runs = []
        for as_of in self.dates():
            folder = self.home / "exports" / as_of
            summary = json.loads((folder / "run_summary.json").read_text(encoding="utf-8"))
            runs.append({
                "as_of": as_of,
                "ruleset_version": summary.get("ruleset_version"),
                "levels": self.level_counts(as_of, scope),
                "needs_attention": summary.get("needs_attention", []),
                "quarantined": _quarantined_per_file(folder / "quarantine.csv"),
                "durations_seconds": summary.get("durations_seconds", {}),
            })
        return runs


def _public_match(q: str | None) -> tuple[list[str], list[Any]]:
    q = (q or "").strip()
    if not q:
        return [], []
    if len(q) > 100:
        raise BadRequest("a search is at most 100 characters")
    return ["(uscc = upper(?) or contains(name, ?))"], [q, q]


def _supervision(row: dict[str, Any]) -> dict[str, Any]:
    return {"inspection_multiplier": row["inspection_multiplier"], "key_supervision": row["key_supervision"],
            "measures": split_codes(row["measures"])}


def _quarantined_per_file(path: Path) -> list[dict[str, Any]]:
    """Quarantined rows counted per delivered file (line-level reasons stay in the file itself: they may quote
    identifiers of any province)."""
    if not path.exists():
        return []
    counts: dict[tuple[str, str, str], int] = {}
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if row.get("line"):
                key = (row["agency"], row["dataset"], row["file"])
                counts[key] = counts.get(key, 0) + 1
    return [{"agency": a, "dataset": d, "file": f, "rows": n} for (a, d, f), n in sorted(counts.items())]
