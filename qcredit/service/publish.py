"""The serving copy: what the service reads of a date, as one DuckDB file written beside the date's CSVs at
publish time (`serving/serving.duckdb`).

The service never opens the warehouse (DuckDB's one-writer file, which the nightly run must be free to take);
it attaches these files read-only. Each file is new with its date's folder (a rerun writes another file and
swaps the folder in whole), so the nightly run never writes a file the service has open.

Tables: `credit_files`, one row per graded enterprise holding all its credit file shows (the views in
CREDIT_FILE_VIEWS folded in, the many-row ones as lists): a credit file is then one lookup, not one per view (in
DuckDB a lookup costs about half a millisecond whatever the table's size); `level_runs`, its history (a second
lookup, in the latest date's copy); and every other
view of the warehouse's `exports` schema (warnings, review queue, changes, public lists, unresolved records),
as the pages list them. The code meanings (contract C1) are copied too, as table `criteria`, so a date's credit
files explain its codes with the meanings of the run that graded it.

Tables are sorted by `uscc` where they have one, in row groups of ROW_GROUP_ROWS: DuckDB skips every row group
whose USCC range cannot hold the one asked, so a lookup reads a few thousand rows. Not an ART index: the
service attaches every published date, and an index, once used, stays in memory for good (docs/service.md has
what that cost), where row groups are read through DuckDB's buffer pool, which a memory limit bounds.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from qcredit import settings
from qcredit.sql import quoted, string_literal

SERVING_FOLDER = "serving"
SERVING_DATABASE = "serving.duckdb"
CRITERIA_FILE = "criteria"  # the code meanings, as table `criteria` of the serving copy
CREDIT_FILES = "credit_files"  # one row per graded enterprise: everything its credit file shows
LEVEL_RUNS = "level_runs"  # a row per run of one level over consecutive graded dates, for the history
# Export views folded into `credit_files` rather than copied on their own (it has every column of
# enterprise_levels the service reads: the enterprise searches and level counts read it too).
CREDIT_FILE_VIEWS = ("enterprise_levels", "supervision_plan", "criterion_evidence", "risk_score_breakdown",
                     "award_actions")
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
    missing = [view for view in ("level_changes", "risk_warnings", "d_review_queue", "public_a_list",
                                 "public_d_list", *CREDIT_FILE_VIEWS) if view not in views]
    if missing:
        raise LookupError(f"the warehouse has no exports.{', exports.'.join(missing)}: the credit files need "
                          "them (build the dbt project first)")
    con.execute(f"attach '{string_literal(tmp)}' as {ALIAS} (read_only false, row_group_size {ROW_GROUP_ROWS})")
    try:
        for view in views:
            if view not in CREDIT_FILE_VIEWS:
                _copy_table(con, f'exports."{view}"', view)
        criteria = _criteria_relation(con)
        if criteria:
            _copy_table(con, criteria, CRITERIA_FILE)
        _write_credit_files(con)
        _write_level_runs(con)
    finally:
        con.execute(f"detach {ALIAS}")
    tmp.replace(target)


def _copy_table(con: duckdb.DuckDBPyConnection, relation: str, table: str) -> None:
    columns = [row[0] for row in con.execute(f"describe select * from {relation}").fetchall()]  # a table or read_csv
    con.execute(f'create table {ALIAS}."{table}" as select * from {relation} order by {_order_by(columns)}')


def _write_credit_files(con: duckdb.DuckDBPyConnection) -> None:
    """Table `credit_files`: per graded enterprise, its levels row, supervision plan, level change, warning,
    review status, public lists, and as lists its evidence, score breakdown and award actions."""
    con.execute(f"""
        create table {ALIAS}.{CREDIT_FILES} as
        with evidence as (
            select uscc, list({{'code': code, 'title': title, 'dataset': dataset, 'record_id': record_id,
                                'event_date': event_date, 'source_file': source_file, 'source_line': source_line,
                                'delivery_id': delivery_id}}
                              order by code, event_date, dataset, record_id, source_file, source_line) as evidence
            from exports.criterion_evidence group by uscc
        ), breakdown as (
            select uscc, list({{'component': component, 'code': code, 'points': points}} order by component, code)
                as score_breakdown
            from exports.risk_score_breakdown group by uscc
        ), awards as (
            select uscc, list({{'award_id': award_id, 'kind': kind, 'action': action}} order by award_id)
                as award_actions
            from exports.award_actions group by uscc
        )
        select e.uscc, e.name, e.region_code, e.level, e.provisional, e.reasons, e.signals,
               e.untrustworthy_elsewhere,
               plan.uscc is not null as planned, plan.inspection_multiplier, plan.key_supervision, plan.measures,
               change.uscc is not null as level_changed, change.previous_as_of, change.previous_level,
               warning.risk_score, warning.action,
               review.uscc is not null as in_review_queue, review.review_status,
               a_list.uscc is not null as on_public_a_list, d_list.uscc is not null as on_public_d_list,
               evidence.evidence, breakdown.score_breakdown, awards.award_actions
        from exports.enterprise_levels as e
        left join exports.supervision_plan as plan using (uscc)
        left join exports.level_changes as change using (uscc)
        left join exports.risk_warnings as warning using (uscc)
        left join exports.d_review_queue as review using (uscc)
        left join exports.public_a_list as a_list using (uscc)
        left join exports.public_d_list as d_list using (uscc)
        left join evidence using (uscc)
        left join breakdown using (uscc)
        left join awards using (uscc)
        order by e.uscc""")


def _write_level_runs(con: duckdb.DuckDBPyConnection) -> None:
    """Table `level_runs`: each enterprise graded at T with its level at the graded dates up to T (the
    warehouse's level_history), a row per run of one level over consecutive graded dates (`first_as_of`,
    `last_as_of`), so the service reads a credit file's history from the latest copy alone, not from every
    date's. Rows, not a list in `credit_files`: folding them into lists took longer than the rest of the credit
    files together (docs/service.md). Without a level_history (a warehouse dbt did not build) the table is not
    written, and the service asks every date."""
    history = con.execute("select table_schema from information_schema.tables where table_name = 'level_history' "
                          "order by table_schema = 'marts' desc, table_schema limit 1").fetchall()
    if not history:
        return
    history = f"{quoted(history[0][0])}.level_history"
    con.execute(f"""
        create table {ALIAS}.{LEVEL_RUNS} as
        with dates as (  -- every graded date up to T, numbered: a date an enterprise missed ends its run
            select as_of, row_number() over (order by as_of) as date_number
            from (select distinct as_of from {history}
                  where as_of <= (select max(as_of) from exports.enterprise_levels))
        ), numbered as (  -- consecutive graded dates at one level share date_number - their rank in that level
            select uscc, as_of, level,
                   date_number - row_number() over (partition by uscc, level order by as_of) as run
            from {history} join dates using (as_of)
            where uscc in (select uscc from exports.enterprise_levels)
        )
        select uscc, level, min(as_of) as first_as_of, max(as_of) as last_as_of
        from numbered group by uscc, level, run
        order by uscc, first_as_of""")


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
