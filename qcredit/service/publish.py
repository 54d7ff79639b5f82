"""The serving copy: every export view of a date as Parquet, written beside the date's CSVs at publish time.

The service never opens the warehouse (DuckDB's one-writer file, which the nightly run must be free to take);
it reads these files with an in-memory DuckDB. Each file is sorted by `uscc` where it has one, so a lookup of one
enterprise reads only the row groups whose min/max statistics can hold it. The code meanings (contract C1) are
copied too, so a date's credit files explain its codes with the meanings of the run that graded it.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from qcredit import settings

SERVING_FOLDER = "serving"
CRITERIA_FILE = "criteria"  # the code meanings, as `serving/criteria.parquet`
# Small row groups keep a one-enterprise lookup to a few thousand rows read; larger ones compress better.
ROW_GROUP_SIZE = 16_384


def serving_dir(date_folder: Path) -> Path:
    return date_folder / SERVING_FOLDER


def write_serving_copy(con: duckdb.DuckDBPyConnection, out_dir: Path) -> None:
    """Write `out_dir/serving/<view>.parquet` for every view of the warehouse's `exports` schema, and the code
    meanings as `criteria.parquet`. `con` is a read-only connection to the warehouse; nothing is written
    outside `out_dir` (contract C3)."""
    target = serving_dir(out_dir)
    target.mkdir(parents=True, exist_ok=True)
    views = [row[0] for row in con.execute(
        "select table_name from information_schema.tables where table_schema = 'exports' order by 1").fetchall()]
    for view in views:
        _write_parquet(con, f'exports."{view}"', target / f"{view}.parquet")
    criteria = _criteria_relation(con)
    if criteria:
        _write_parquet(con, criteria, target / f"{CRITERIA_FILE}.parquet")


def _write_parquet(con: duckdb.DuckDBPyConnection, relation: str, path: Path) -> None:
    columns = [row[0] for row in con.execute(f"describe {relation}").fetchall()]
    tmp = path.with_suffix(".parquet.tmp")
    sql_path = str(tmp).replace("'", "''")
    con.execute(f"copy (select * from {relation} order by {_order_by(columns)}) to '{sql_path}' "
                f"(format parquet, compression zstd, row_group_size {ROW_GROUP_SIZE})")
    tmp.replace(path)


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
        return f"read_csv('{str(seed).replace(chr(39), chr(39) * 2)}', header = true, all_varchar = true)"
    return None
