"""Publish a graded as-of date: the CSV files of OUTPUTS.md and run_summary.json.

dbt shapes every file as a view in the `exports` schema (columns, order, formats); this module only copies them
out, sorted, so a rerun on the same inputs gives the same bytes. quarantine.csv comes from the lake's
manifest and quarantine, which ingest writes and dbt does not read.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from qcredit import settings
from qcredit.service.publish import write_serving_copy

INTERNAL_FILES = (
    "enterprise_levels",
    "risk_warnings",
    "supervision_plan",
    "award_actions",
    "d_review_queue",
    "level_changes",
    "unresolved",
)
PUBLIC_FILES = ("public_a_list", "public_d_list")
PUBLIC_COLUMNS = {  # OUTPUTS.md: public files carry exactly these columns, checked before anything is written
    "public_a_list": ["uscc", "name", "region_code", "level", "as_of"],
    "public_d_list": ["uscc", "name", "region_code", "level", "as_of", "reasons"],
}
PUBLIC_LEVELS = {"public_a_list": "A", "public_d_list": "D"}
QUARANTINE_COLUMNS = ["agency", "dataset", "file", "line", "reason"]


class DisclosureError(RuntimeError):
    """A public file would carry more than OUTPUTS.md allows; nothing is published."""


def manifest_entries(home: Path, as_of: str) -> list[dict]:
    """Manifest entries of every file delivered on or before T, in delivery order."""
    entries = []
    for path in sorted((settings.lake_dir(home) / "_manifest").glob("*/*/*.json")):
        entry = json.loads(path.read_text(encoding="utf-8"))
        if str(entry["delivery_date"]) <= as_of:
            entries.append(entry)
    return sorted(entries, key=lambda e: (e["agency"], e["dataset"], str(e["delivery_date"]),
                                          e["delivery_seq"], e["file"]))


def write_exports(home: Path, as_of: str) -> dict:
    folder = settings.exports_dir(home, as_of)
    folder.mkdir(parents=True, exist_ok=True)
    warehouse = settings.warehouse_path(home)
    if not warehouse.exists():
        raise FileNotFoundError(f"no warehouse at {warehouse}: grade {as_of} first (qcredit run)")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        _check_public_files(con, as_of)
        for name in INTERNAL_FILES + PUBLIC_FILES:
            _copy(con, _sorted_select(con, f"exports.{name}"), folder / f"{name}.csv")
        write_serving_copy(con, folder)
    _write_quarantine(home, as_of, folder / "quarantine.csv")
    return {"folder": str(folder), "files": sorted(p.name for p in folder.glob("*.csv"))}


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
    """Every row, sorted on all columns; empty text written as an empty field rather than DuckDB's `""`."""
    columns = con.execute(f"describe {relation}").fetchall()
    select = ", ".join(
        f'nullif("{name}", \'\') as "{name}"' if kind == "VARCHAR" else f'"{name}"' for name, kind, *_ in columns
    )
    return f"select {select} from {relation} order by all"


def _copy(con: duckdb.DuckDBPyConnection, query: str, target: Path) -> None:
    """COPY to a temporary name, then rename: a reader never sees half a file."""
    tmp = target.with_suffix(".csv.tmp")
    con.execute(f"copy ({query}) to '{_sql_path(tmp)}' (format csv, header true, delimiter ',')")
    tmp.replace(target)


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _write_quarantine(home: Path, as_of: str, target: Path) -> None:
    """Rejected and held files (line empty) and quarantined rows, from deliveries dated on or before T."""
    con = duckdb.connect()
    con.execute("create table quarantine (agency varchar, dataset varchar, file varchar, line integer, "
                "reason varchar)")
    for entry in manifest_entries(home, as_of):
        if entry["status"] in ("rejected", "held"):
            reason = entry["reason"] if entry["status"] == "rejected" else f"held for review: {entry['reason']}"
            con.execute("insert into quarantine values (?, ?, ?, null, ?)",
                        [entry["agency"], entry["dataset"], entry["file"], reason])
    rows = settings.lake_dir(home) / "_quarantine"
    if any(rows.glob("*/*/*.parquet")):
        con.execute(
            f"insert into quarantine select agency, dataset, file, line, reason "
            f"from read_parquet('{_sql_path(rows)}/*/*/*.parquet', union_by_name=true) "
            f"where cast(delivery_date as date) <= cast(? as date)",
            [as_of],
        )
    _copy(con, _sorted_select(con, "quarantine"), target)
    con.close()


def write_summary(home: Path, as_of: str, steps: dict[str, float]) -> dict:
    """run_summary.json: what a run did, for operators (and the DAG's last task)."""
    folder = settings.exports_dir(home, as_of)
    entries = manifest_entries(home, as_of)
    with duckdb.connect(str(settings.warehouse_path(home)), read_only=True) as con:
        def scalar(sql: str) -> int | str | None:
            return con.execute(sql).fetchall()[0][0]

        levels = dict(con.execute(
            "select level, count(*) from exports.enterprise_levels group by 1 order by 1").fetchall())
        actions = dict(con.execute(
            "select action, count(*) from exports.risk_warnings group by 1 order by 1").fetchall())
        summary = {
            "as_of": as_of,
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
    summary["rows"] = {
        key: sum(entry.get(f"rows_{key}") or 0 for entry in entries)
        for key in ("read", "loaded", "quarantined", "unresolved")
    }
    summary["files"] = [
        {key: entry.get(key) for key in ("agency", "dataset", "file", "status", "reason", "rows_read",
                                          "rows_loaded", "rows_quarantined", "rows_unresolved",
                                          "warning_count")}
        for entry in entries
    ]
    summary["needs_attention"] = [f for f in summary["files"] if f["status"] in ("rejected", "held")]
    summary["durations_seconds"] = steps
    summary["exports"] = str(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "run_summary.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8")
    return summary
