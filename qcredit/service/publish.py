"""The serving copy: every export view of a date as a table of one DuckDB file, written beside the date's CSVs
at publish time (`serving/serving.duckdb`).

The service never opens the warehouse (DuckDB's one-writer file, which the nightly run must be free to take);
it attaches these files read-only. Each file is new with its date's folder (a rerun writes another file and
swaps the folder in whole), so the nightly run never writes a file the service has open. Tables are sorted by
`uscc` where they have one, in row groups of ROW_GROUP_ROWS: the service looks enterprises up by USCC, and
DuckDB skips every row group whose USCC range cannot hold it, so a lookup reads a few thousand rows. Not an
ART index: the service attaches every published date, and an index, once used, stays in memory for good
(docs/service.md has what that cost), where row groups are read through DuckDB's buffer pool, which a memory
limit bounds. The code meanings
(contract C1) are copied too, as table `criteria`, so a date's credit files explain its codes with the
meanings of the run that graded it.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from qcredit import settings
from qcredit.sql import quoted, string_literal

SERVING_FOLDER = "serving"
SERVING_DATABASE = "serving.duckdb"
CRITERIA_FILE = "criteria"  # the code meanings, as table `criteria` of the serving copy
LEVEL_RUNS = "level_runs"  # each enterprise's levels at the graded dates up to T, a row per run of one level
ALIAS = "serving_copy"  # the name the serving database is attached under while it is written
# Rows per row group (DuckDB's default is 122,880): a lookup by USCC reads one, so fewer rows make it faster
# and the file larger (figures in docs/service.md).
ROW_GROUP_ROWS = 8_192


def serving_dir(date_folder: Path) -> Path:
    return date_folder / SERVING_FOLDER


def serving_database(date_folder: Path) -> Path:
    return serving_dir(date_folder) / SERVING_DATABASE


def write_serving_copy(con: duckdb.DuckDBPyConnection, out_dir: Path) -> None:
    """Write `out_dir/serving/serving.duckdb`: a table for every view of the warehouse's `exports` schema,
    and the code meanings as table `criteria`. `con` is a read-only connection to the warehouse; the file is
    attached to it for writing, and nothing is written outside `out_dir` (contract C3)."""
    target = serving_database(out_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.unlink(missing_ok=True)
    views = [row[0] for row in con.execute(
        "select table_name from information_schema.tables where table_schema = 'exports' order by 1").fetchall()]
    con.execute(f"attach '{string_literal(tmp)}' as {ALIAS} (read_only false, row_group_size {ROW_GROUP_ROWS})")
    try:
        for view in views:
            _copy_table(con, f'exports."{view}"', view)
        criteria = _criteria_relation(con)
        if criteria:
            _copy_table(con, criteria, CRITERIA_FILE)
        _copy_level_runs(con)
    finally:
        con.execute(f"detach {ALIAS}")
    tmp.replace(target)


def _copy_table(con: duckdb.DuckDBPyConnection, relation: str, table: str) -> None:
    columns = [row[0] for row in con.execute(f"describe select * from {relation}").fetchall()]  # a table or read_csv
    con.execute(f'create table {ALIAS}."{table}" as select * from {relation} order by {_order_by(columns)}')


def _copy_level_runs(con: duckdb.DuckDBPyConnection) -> None:
    """Table `level_runs`: each enterprise's level at the graded dates up to T (the warehouse's level_history),
    a row per run of one level over consecutive graded dates (`first_as_of`, `last_as_of`), so the service
    reads a credit file's history with one lookup in the latest copy, not one in every date's. Without a
    level_history (a warehouse dbt did not build), no table: the service then asks every date."""
    found = con.execute("select table_schema from information_schema.tables where table_name = 'level_history' "
                        "order by table_schema = 'marts' desc, table_schema limit 1").fetchall()
    if not found:
        return
    con.execute(f"""
        create table {ALIAS}.{LEVEL_RUNS} as
        with graded as (
            select uscc, as_of, level, dense_rank() over (order by as_of) as date_number
            from {quoted(found[0][0])}.level_history
            where as_of <= (select max(as_of) from exports.enterprise_levels)
        ), runs as (  -- consecutive graded dates at one level share date_number - their rank in that level
            select *, date_number - row_number() over (partition by uscc, level order by as_of) as run
            from graded
        )
        select uscc, level, min(as_of) as first_as_of, max(as_of) as last_as_of
        from runs group by uscc, level, run order by uscc, first_as_of""")


def _order_by(columns: list[str]) -> str:
    """`uscc` first (row-group pruning), then every other column, so a rerun writes the same rows in the same
    order."""
    ordered = (["uscc"] if "uscc" in columns else []) + [c for c in columns if c != "uscc"]
    return ", ".join(f'"{c}"' for c in ordered)


def _criteria_relation(con: duckdb.DuckDBPyConnection) -> str | None:
    """The code meanings: the seed as dbt loaded it into the warehouse, else the seed file itself."""
    found = con.execute(
        "select table_schema from information_schema.tables where table_name = 'criteria' "
        "order by table_schema = 'main' desc, table_schema limit 1").fetchall()
    if found:
        return f'"{found[0][0]}".criteria'
    seed = settings.DBT_PROJECT_DIR / "seeds" / "criteria.csv"
    if seed.exists():
        return f"read_csv('{string_literal(seed)}', header = true, all_varchar = true)"
    return None
