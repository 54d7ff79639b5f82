"""The serving copy's layout, which the service's memory depends on: small row groups sorted by USCC, no index."""

from __future__ import annotations

import math

import duckdb

from qcredit.service.publish import ROW_GROUP_ROWS, serving_database, write_serving_copy

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
