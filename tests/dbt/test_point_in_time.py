"""Grading as of an earlier date ignores later deliveries and corrections; reruns replace, never duplicate.

A lake written by the test (lake_writer, the ARCHITECTURE.md layout) holds two deliveries per feed: an
inspection that fails in the first and is corrected to a pass later, an enterprise that appears only in the
later register, a list sheet that is empty in its later delivery, and a delivery dated after both as-of dates.
"""

from __future__ import annotations

from datetime import date

import pytest
from dbt_helpers import query, run_dbt
from lake_writer import ensure_empty_lake, write_delivery

pytestmark = pytest.mark.slow
E1, E2 = "91330106159655658P", "91330106405802108X"
EARLY, LATE = "2026-06-30", "2026-11-20"


def _enterprise(uscc: str, name: str) -> dict:
    return {
        "uscc": uscc,
        "name": name,
        "region_code": "330106",
        "established_on": date(2010, 3, 1),
        "industry": "C35",
        "is_exporter": False,
    }


def _inspection(result: str) -> dict:
    return {
        "record_id": "INS1",
        "uscc": E1,
        "kind": "quality_spot_check",
        "product": "p",
        "inspected_on": date(2026, 4, 12),
        "result": result,
        "severity": "general" if result == "fail" else None,
    }


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    home = tmp_path_factory.mktemp("pit_home")
    ensure_empty_lake(home)
    write_delivery(home, "quality/enterprises", date(2026, 5, 1), [_enterprise(E1, "one")])
    write_delivery(
        home, "quality/enterprises", date(2026, 9, 1), [_enterprise(E1, "one renamed"), _enterprise(E2, "two")]
    )
    stats = [
        {"uscc": u, "year": 2025, "factory_pass_rate": 100.0, "supervision_test_pass_rate": None} for u in (E1, E2)
    ]
    write_delivery(home, "quality/production_stats", date(2026, 3, 1), stats)
    write_delivery(home, "quality/inspections", date(2026, 4, 20), [_inspection("fail")])
    write_delivery(home, "quality/inspections", date(2026, 10, 1), [_inspection("pass")])  # the correction
    # the abnormal operations list names E1 in May; the September workbook's sheet is empty: E1 is off the list
    write_delivery(
        home,
        "commerce/registry__abnormal_operations",
        date(2026, 5, 1),
        [{"uscc": E1, "listed_on": date(2026, 4, 1), "listed_reason": "r", "removed_on": None, "removed_reason": None}],
    )
    write_delivery(home, "commerce/registry__abnormal_operations", date(2026, 9, 1), [])
    # delivered after both as-of dates: never counts
    write_delivery(home, "quality/inspections", date(2026, 12, 1), [_inspection("fail")])
    return home


def _levels(home):
    return {r["uscc"]: r for r in query(home, "select * from exports.enterprise_levels")}


def test_earlier_date_ignores_later_deliveries_and_corrections(home):
    run_dbt(home, EARLY, "build", "--exclude", "test_type:unit")
    early = _levels(home)
    assert set(early) == {E1}, "E2 is only in a later register"
    assert early[E1]["level"] == "C" and early[E1]["reasons"] == "C.2"
    assert early[E1]["name"] == "one"
    assert early[E1]["signals"] == "commerce_abnormal"

    run_dbt(home, LATE, "build", "--exclude", "test_type:unit")
    late = _levels(home)
    assert late[E1]["level"] == "A" and late[E1]["name"] == "one renamed"
    assert late[E2]["level"] == "A"
    assert late[E1]["signals"] == "", "an empty snapshot delivery is the state: the list is empty"
    changes = query(home, "select * from exports.level_changes")
    assert changes == [
        {
            "uscc": E1,
            "previous_as_of": date(2026, 6, 30),
            "previous_level": "C",
            "level": "A",
            "name": "one renamed",
            "region_code": late[E1]["region_code"],
            "ruleset_version": changes[0]["ruleset_version"],
        }
    ]


def test_rerunning_an_earlier_date_gives_the_same_answer_and_no_duplicates(home):
    run_dbt(home, EARLY, "build", "--exclude", "test_type:unit")
    again = _levels(home)
    assert set(again) == {E1} and again[E1]["level"] == "C"
    history = query(home, "select uscc, as_of, level from marts.level_history order by all")
    assert history == [
        {"uscc": E1, "as_of": date(2026, 6, 30), "level": "C"},
        {"uscc": E1, "as_of": date(2026, 11, 20), "level": "A"},
        {"uscc": E2, "as_of": date(2026, 11, 20), "level": "A"},
    ]
    assert query(home, "select * from exports.level_changes") == []
