"""Publish a graded as-of date: the CSV files of OUTPUTS.md, the risk officers' workbooks and run_summary.json.

dbt shapes every file as a view in the `exports` schema (columns, order, formats); this module only copies them
out, sorted, so a rerun on the same inputs gives the same bytes, and makes text cells formula-safe on the way
(`formula_safe`): the warehouse keeps every value as delivered. quarantine.csv comes from the lake's manifest
and quarantine, which ingest writes and dbt does not read.

Publishing (contract C3): every file of a date is written into a staging folder beside the date's folder
(`staged_date`), the summary last, and the staging folder then takes the date folder's place in one atomic
exchange (renameat2 RENAME_EXCHANGE): a reader sees the old date folder whole or the new one whole, never a
mixture, and a run killed at any moment leaves the published folder as it was. Every writer of a date's
files takes the folder as a parameter and writes only inside it.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from qcredit import settings
from qcredit.service.publish import write_serving_copy
from qcredit.sql import quoted, string_literal

EXPORT_SCHEMA = "exports"  # one view per CSV, named like the file: every one of them is published
PUBLIC_FILES = ("public_a_list", "public_d_list")
PUBLIC_COLUMNS = {  # OUTPUTS.md: public files carry exactly these columns, checked before anything is written
    "public_a_list": ["uscc", "name", "region_code", "level", "as_of"],
    "public_d_list": ["uscc", "name", "region_code", "level", "as_of", "reasons"],
}
PUBLIC_LEVELS = {"public_a_list": "A", "public_d_list": "D"}
QUARANTINE_COLUMNS = ["agency", "dataset", "file", "line", "reason"]
# A text cell beginning with one of these is run as a formula by Excel, LibreOffice or Google Sheets (a tab or
# carriage return once the import trims it): OUTPUTS.md's cell rule writes it with a leading '.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
ATTENTION_STATUSES = ("rejected", "held", "conflict")  # files an operator must look at


class DisclosureError(RuntimeError):
    """A public file would carry more than OUTPUTS.md allows; nothing is published."""


STAGING_PREFIX = ".staging-"  # <home>/exports/.staging-<date>: the files of a date being written
REPLACED_PREFIX = ".replaced-"  # <home>/exports/.replaced-<date>: the folder a publication replaced
_RENAME_EXCHANGE = 2


@contextmanager
def staged_date(home: Path, as_of: str) -> Iterator[Path]:
    """A fresh, empty staging folder for the files of `as_of`; when the block ends without an error it is
    published as `<home>/exports/<as_of>/` in one step, replacing the previous folder whole. On an error
    the previous folder stays as it was. Left-overs of a killed run are removed first (one run per home)."""
    root = settings.exports_dir(home, as_of).parent
    staging, replaced = root / f"{STAGING_PREFIX}{as_of}", root / f"{REPLACED_PREFIX}{as_of}"
    for leftover in (staging, replaced):
        shutil.rmtree(leftover, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        yield staging
        publish(staging, settings.exports_dir(home, as_of), replaced)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def publish(staging: Path, target: Path, replaced: Path) -> None:
    """Put `staging` in `target`'s place atomically; the previous folder goes to `replaced`, then away.
    Readers holding files of the previous folder open keep reading them (Linux frees them on close)."""
    if target.exists():
        _exchange(staging, target)
        staging.rename(replaced)
        shutil.rmtree(replaced, ignore_errors=True)  # a left-over is removed by the next publication
    else:
        staging.rename(target)


def _exchange(a: Path, b: Path) -> None:
    """Swap two paths in one step (Linux renameat2 with RENAME_EXCHANGE)."""
    libc = ctypes.CDLL(None, use_errno=True)
    at_fdcwd = -100
    if libc.renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE) != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"cannot swap the new exports in: {os.strerror(code)}", str(b))


def manifest_entries(home: Path, as_of: str) -> list[dict]:
    """Manifest entries of every file delivered on or before T, in delivery order, with the conflicts landing
    found on its last run (status `conflict`: nothing of them landed)."""
    entries = []
    manifests = settings.lake_dir(home) / "_manifest"
    for path in sorted([*manifests.glob("*/*/*.json"), *manifests.glob("*/*/_conflicts/*.json")]):
        entry = json.loads(path.read_text(encoding="utf-8"))
        if str(entry["delivery_date"]) <= as_of:
            entries.append(entry)
    return sorted(entries, key=lambda e: (e["agency"], e["dataset"], str(e["delivery_date"]),
                                          e["delivery_seq"], e["file"]))


def write_exports(home: Path, as_of: str, folder: Path) -> dict:
    """Write the CSV files and workbooks of `as_of` into `folder` (a staging folder of `staged_date`)."""
    from qcredit import workbooks  # it builds its cells with this module's formula_safe

    warehouse = settings.warehouse_path(home)
    if not warehouse.exists():
        raise FileNotFoundError(f"no warehouse at {warehouse}: grade {as_of} first (qcredit run)")
    share, _ = settings.export_duckdb_shares(settings.workbook_workers())
    with connect_read_only(warehouse, share) as con:
        _check_public_files(con, as_of)
        with workbooks.written_alongside(con, warehouse, folder, as_of):  # in other processes, meanwhile
            write_csvs(con, folder)
            write_serving_copy(con, folder)
    _write_quarantine(home, as_of, folder / "quarantine.csv")
    return {"folder": str(settings.exports_dir(home, as_of)), "files": sorted(p.name for p in folder.glob("*.csv"))}


def write_csvs(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """`<view>.csv` in `folder` for every export view, its rows sorted."""
    for name in export_views(con):
        _copy(con, _sorted_select(con, f"{EXPORT_SCHEMA}.{name}"), folder / f"{name}.csv")


def connect_read_only(warehouse: Path, share: settings.DuckDBShare) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the warehouse whose DuckDB takes at most `share` (spilling past its memory).
    Set after connecting, not as the connection's configuration, which DuckDB refuses while this process holds
    another connection to the file (the settings are the database's, so they apply to that one too)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    con.execute(f"set memory_limit = '{int(share.memory_mb)}MB'")
    con.execute(f"set threads = {int(share.threads)}")
    return con


def export_views(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The export views of the warehouse, sorted: each becomes `<view>.csv`, so a view dbt adds is published."""
    rows = con.execute(
        "select table_name from information_schema.tables where table_schema = ? order by table_name",
        [EXPORT_SCHEMA],
    ).fetchall()
    return [name for (name,) in rows]


def formula_safe(expression: str) -> str:
    """SQL for the text `expression` as a published cell: with a leading ' (chr(39)) when a spreadsheet would
    take it for a formula (OUTPUTS.md's cell rule), otherwise unchanged. Text only: a negative number stays a
    number."""
    triggers = ", ".join(f"chr({ord(c)})" for c in FORMULA_TRIGGERS)
    return f"case when left({expression}, 1) in ({triggers}) then chr(39) || {expression} else {expression} end"


def _check_public_files(con: duckdb.DuckDBPyConnection, as_of: str) -> None:
    """Confidentiality is checked on the data itself, not trusted to the models: wrong columns or a level
    other than the list's own stop the publication."""
    for name, expected in PUBLIC_COLUMNS.items():
        columns = [row[0] for row in con.execute(f"describe exports.{name}").fetchall()]
        if columns != expected:
            raise DisclosureError(f"{name} has columns {columns}, OUTPUTS.md allows exactly {expected}")
        wrong = con.execute(
            f"select count(*) from exports.{name} where level <> ? or cast(as_of as varchar) <> ?",
            [PUBLIC_LEVELS[name], as_of],
        ).fetchall()[0][0]
        if wrong:
            raise DisclosureError(f"{name} holds {wrong} rows of another level or date: not published")


def _sorted_select(con: duckdb.DuckDBPyConnection, relation: str) -> str:
    """Every row, sorted on all columns; text formula-safe, and empty text written as an empty field rather
    than DuckDB's `""`."""
    columns = con.execute(f"describe {relation}").fetchall()
    select = ", ".join(
        f"nullif({formula_safe(quoted(name))}, '') as {quoted(name)}" if kind == "VARCHAR" else quoted(name)
        for name, kind, *_ in columns
    )
    return f"select {select} from {relation} order by all"


def _copy(con: duckdb.DuckDBPyConnection, query: str, target: Path) -> None:
    """COPY to a temporary name, then rename: a reader never sees half a file."""
    tmp = target.with_suffix(".csv.tmp")
    con.execute(f"copy ({query}) to '{string_literal(tmp)}' (format csv, header true, delimiter ',')")
    tmp.replace(target)


def _write_quarantine(home: Path, as_of: str, target: Path) -> None:
    """Rejected and held files (line empty) and quarantined rows, from deliveries dated on or before T."""
    con = duckdb.connect()
    con.execute("create table quarantine (agency varchar, dataset varchar, file varchar, line integer, "
                "reason varchar)")
    for entry in manifest_entries(home, as_of):
        if entry["status"] in ATTENTION_STATUSES:
            reason = f"held for review: {entry['reason']}" if entry["status"] == "held" else entry["reason"]
            con.execute("insert into quarantine values (?, ?, ?, null, ?)",
                        [entry["agency"], entry["dataset"], entry["file"], reason])
    rows = settings.lake_dir(home) / "_quarantine"
    if any(rows.glob("*/*/*.parquet")):
        con.execute(
            f"insert into quarantine select agency, dataset, file, line, reason "
            f"from read_parquet('{string_literal(rows)}/*/*/*.parquet', union_by_name=true) "
            f"where cast(delivery_date as date) <= cast(? as date)",
            [as_of],
        )
    _copy(con, _sorted_select(con, "quarantine"), target)
    con.close()


def graded_counts(con: duckdb.DuckDBPyConnection) -> dict:
    """Counts by level and action from the graded warehouse (a read-only connection)."""
    def scalar(sql: str) -> int | str | None:
        return con.execute(sql).fetchall()[0][0]

    levels = dict(con.execute("select level, count(*) from exports.enterprise_levels group by 1 order by 1").fetchall())
    actions = dict(con.execute("select action, count(*) from exports.risk_warnings group by 1 order by 1").fetchall())
    return {
        "ruleset_version": scalar("select max(ruleset_version) from exports.enterprise_levels"),
        "graded_enterprises": sum(levels.values()),
        "levels": {level: levels.get(level, 0) for level in "ABCD"},
        "provisional": scalar("select count(*) from exports.enterprise_levels where provisional"),
        "untrustworthy_elsewhere": scalar(
            "select count(*) from exports.enterprise_levels where untrustworthy_elsewhere"),
        "risk_actions": {a: actions.get(a, 0) for a in ("yellow_card", "warning", "none")},
        "public_a": scalar("select count(*) from exports.public_a_list"),
        "public_d": scalar("select count(*) from exports.public_d_list"),
        "d_review_queue": scalar("select count(*) from exports.d_review_queue"),
        "award_actions": scalar("select count(*) from exports.award_actions"),
        "unresolved_rows": scalar("select count(*) from exports.unresolved"),
    }


def write_summary(con: duckdb.DuckDBPyConnection, out_dir: Path, as_of: str, night: dict,
                  steps: dict[str, float]) -> dict:
    """run_summary.json and files_needing_attention.csv in a date's folder `out_dir`: the graded counts, then
    the night's report (`qcredit.report.night`): this run's files and rows, what it ignored, what is still open
    from earlier nights, totals since the home began. Returns the summary."""
    from qcredit import report

    summary = {"as_of": as_of, **graded_counts(con), **report.for_summary(night)}
    summary["needs_attention"] = [f for f in summary["files"] if f["status"] in ("rejected", *report.OPEN_STATUSES)]
    summary["durations_seconds"] = steps
    summary["exports"] = str(out_dir.parent / as_of)  # the published folder (out_dir may be its staging folder)
    out_dir.mkdir(parents=True, exist_ok=True)
    report.write_attention(out_dir, report.attention_rows(night))
    target = out_dir / "run_summary.json"
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(json.dumps(summary, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8")
    tmp.replace(target)
    return summary
