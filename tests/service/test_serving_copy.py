"""The serving copy's layout, which the service's memory depends on (small row groups sorted by USCC, no index),
and its credit files' level runs."""

from __future__ import annotations

import math

import duckdb
import pytest

from qcredit.service.data import Published
from qcredit.service.publish import LEVEL_RUNS, ROW_GROUP_ROWS, serving_database, write_serving_copy
from tests.service.fixture_home import DATES, LATEST, build_home, build_warehouse, graded_at

ENTERPRISES = 20_000


def test_rows_sorted_by_uscc_in_small_row_groups_without_an_index(tmp_path):
    """An ART index, once used, stays in the service's memory for every attached date (about 85 MiB a date at
    1M enterprises: a week of dates browsed ran the service out of memory); row groups sorted by USCC let a
    lookup read one group through the buffer pool instead, which the memory limit bounds."""
    warehouse = tmp_path / "warehouse.duckdb"
    build_warehouse(warehouse, LATEST)
    con = duckdb.connect(str(warehouse))
    con.execute("delete from exports.enterprise_levels")
    con.execute("insert into exports.enterprise_levels (uscc, level) select printf('91%016d', (i * 7919) % 20000), "
                f"'B' from range({ENTERPRISES}) as t(i)")
    con.execute("drop table main.criteria")
    write_serving_copy(con, tmp_path)
    copy = duckdb.connect(str(serving_database(tmp_path)), read_only=True)
    assert copy.execute("select count(*) from duckdb_indexes()").fetchall() == [(0,)]
    groups = copy.execute("select count(distinct row_group_id) from pragma_storage_info('credit_files')")
    assert groups.fetchall() == [(math.ceil(ENTERPRISES / ROW_GROUP_ROWS),)]
    usccs = [uscc for (uscc,) in copy.execute("select uscc from credit_files").fetchall()]
    assert usccs == sorted(usccs) and len(usccs) == ENTERPRISES
    # no seeded criteria table in this warehouse: the code meanings come from the seed file itself
    assert copy.execute("select count(*) > 10 from criteria").fetchall() == [(True,)]


def test_a_warehouse_without_the_views_credit_files_read_is_refused(tmp_path):
    con = duckdb.connect()
    con.execute("create schema exports")
    con.execute("create table exports.enterprise_levels as select '1' as uscc")
    with pytest.raises(LookupError, match="exports.level_changes, .*exports.award_actions: the credit files"):
        write_serving_copy(con, tmp_path)
    assert not serving_database(tmp_path).exists()


def test_level_runs_are_one_per_run_of_one_level_over_consecutive_graded_dates(tmp_path):
    """B, B, C, C, absent, C, B: runs B (1-2), C (3-4), C (6), B (7); nothing after T."""
    warehouse = tmp_path / "warehouse.duckdb"
    build_warehouse(warehouse, LATEST)
    con = duckdb.connect(str(warehouse))
    con.execute("delete from marts.level_history; delete from exports.enterprise_levels")
    days = [f"2026-11-0{day}" for day in range(1, 9)]
    levels = ["B", "B", "C", "C", None, "C", "B", "A"]  # the last day is after T
    con.executemany("insert into marts.level_history values ('U1', ?, ?)",
                    [(day, level) for day, level in zip(days, levels, strict=True) if level])
    con.execute("insert into marts.level_history values ('U2', ?, 'D')", [days[4]])  # not graded at T
    con.execute("insert into exports.enterprise_levels (uscc, as_of, level) values ('U1', ?, 'B')", [days[6]])
    write_serving_copy(con, tmp_path)
    copy = duckdb.connect(str(serving_database(tmp_path)), read_only=True)
    runs = copy.execute("select uscc, level, cast(first_as_of as varchar), cast(last_as_of as varchar) "
                        "from level_runs").fetchall()
    assert runs == [("U1", "B", days[0], days[1]), ("U1", "C", days[2], days[3]), ("U1", "C", days[5], days[5]),
                    ("U1", "B", days[6], days[6])]


def test_history_from_level_runs_is_the_level_in_every_dates_own_copy(tmp_path):
    """The latest copy's level runs give every enterprise the history that asking each date's copy gives."""
    with_runs = Published(build_home(tmp_path / "runs"))
    each_date = Published(build_home(tmp_path / "each", level_history=False))
    assert with_runs._rows(f"select count(*) as runs from {with_runs._table(LATEST, LEVEL_RUNS)}", [])[0]["runs"]
    assert each_date._table(LATEST, LEVEL_RUNS) is None
    for as_of in DATES:
        for enterprise in graded_at(as_of):
            history = with_runs.credit_file(as_of, enterprise[0], None)["history"]
            assert history == each_date.credit_file(as_of, enterprise[0], None)["history"]
            assert [h["as_of"] for h in history] == [d for d in DATES if any(e[0] == enterprise[0]
                                                                              for e in graded_at(d))]
