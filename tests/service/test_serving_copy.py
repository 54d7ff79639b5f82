"""The serving copy's layout, which the service's memory depends on: small row groups sorted by USCC, no index."""

from __future__ import annotations

import math

import duckdb

from qcredit.service.data import Published
from qcredit.service.publish import ROW_GROUP_ROWS, serving_database, write_serving_copy
from tests.service.fixture_home import DATES, LATEST, build_home, graded_at

ENTERPRISES = 20_000


def test_rows_sorted_by_uscc_in_small_row_groups_without_an_index(tmp_path):
    """An ART index, once used, stays in the service's memory for every attached date (about 85 MiB a date at
    1M enterprises: a week of dates browsed ran the service out of memory); row groups sorted by USCC let a
    lookup read one group through the buffer pool instead, which the memory limit bounds."""
    con = duckdb.connect()
    con.execute("create schema exports")
    con.execute("create table exports.enterprise_levels as select printf('91%016d', (i * 7919) % 20000) as uscc, "
                f"'B' as level from range({ENTERPRISES}) as t(i)")
    write_serving_copy(con, tmp_path)
    copy = duckdb.connect(str(serving_database(tmp_path)), read_only=True)
    assert copy.execute("select count(*) from duckdb_indexes()").fetchall() == [(0,)]
    groups = copy.execute("select count(distinct row_group_id) from pragma_storage_info('enterprise_levels')")
    assert groups.fetchall() == [(math.ceil(ENTERPRISES / ROW_GROUP_ROWS),)]
    usccs = [uscc for (uscc,) in copy.execute("select uscc from enterprise_levels").fetchall()]
    assert usccs == sorted(usccs) and len(usccs) == ENTERPRISES
    # no seeded criteria table in this warehouse: the code meanings come from the seed file itself
    assert copy.execute("select count(*) > 10 from criteria").fetchall() == [(True,)]


def test_level_runs_are_one_row_per_run_of_one_level_over_consecutive_graded_dates(tmp_path):
    """B, B, C, C, absent, C, B: runs B (1-2), C (3-4), C (6), B (7); nothing after T."""
    con = duckdb.connect()
    con.execute("create schema exports; create schema marts")
    con.execute("create table marts.level_history (uscc varchar, as_of date, level varchar)")
    days = [f"2026-11-0{day}" for day in range(1, 9)]
    levels = ["B", "B", "C", "C", None, "C", "B", "A"]  # the last day is after T
    con.executemany("insert into marts.level_history values ('U1', ?, ?)",
                    [(day, level) for day, level in zip(days, levels, strict=True) if level])
    con.execute("insert into marts.level_history values ('U2', ?, 'D')", [days[4]])  # U2 graded on day 5 only
    con.execute("create table exports.enterprise_levels as select 'U1' as uscc, date '2026-11-07' as as_of")
    write_serving_copy(con, tmp_path)
    copy = duckdb.connect(str(serving_database(tmp_path)), read_only=True)
    runs = copy.execute("select uscc, level, cast(first_as_of as varchar), cast(last_as_of as varchar) "
                        "from level_runs order by uscc, first_as_of").fetchall()
    assert runs == [("U1", "B", days[0], days[1]), ("U1", "C", days[2], days[3]), ("U1", "C", days[5], days[5]),
                    ("U1", "B", days[6], days[6]), ("U2", "D", days[4], days[4])]


def test_history_from_level_runs_is_the_level_in_every_dates_own_copy(tmp_path):
    """The latest copy's level runs give every enterprise the history that asking each date's copy gives."""
    with_runs = Published(build_home(tmp_path / "runs"))
    each_date = Published(build_home(tmp_path / "each", level_history=False))
    assert with_runs._table(LATEST, "level_runs") and not each_date._table(LATEST, "level_runs")
    for as_of in DATES:
        for enterprise in graded_at(as_of):
            history = with_runs.credit_file(as_of, enterprise[0], None)["history"]
            assert history == each_date.credit_file(as_of, enterprise[0], None)["history"]
            assert [h["as_of"] for h in history] == [d for d in DATES if any(e[0] == enterprise[0]
                                                                              for e in graded_at(d))]
