"""What a declaration implies (`ingest.rules`): the checks follow from the feed declaration plus its JSON suite,
as data, without Great Expectations."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime

from ingest import registry
from ingest.rules import DELIVERED, DUPLICATE_KEY, IDENTIFIER_ERROR, declared_rules, suite_rules, table_rules

INSPECTIONS = registry.get_feed("quality/inspections")


def checks(rules: list) -> list[tuple[str, str]]:
    """(expectation type, column it reports) of each rule, in order."""
    return [(r.config["type"], r.column) for r in rules]


def test_a_declaration_implies_its_checks() -> None:
    table = INSPECTIONS.tables[0]
    assert checks(declared_rules(INSPECTIONS, table)) == [
        ("expect_column_values_to_be_null", IDENTIFIER_ERROR),
        ("expect_column_values_to_not_be_null", "record_id"),
        ("expect_column_values_to_not_be_null", "uscc"),  # an identifier: checked by its kinds, not as a code
        ("expect_column_values_to_not_be_null", "kind"),
        ("expect_column_values_to_be_in_set", "kind"),
        ("expect_column_values_to_be_null", "_unreadable__inspected_on"),
        ("expect_column_values_to_not_be_null", "inspected_on"),
        ("expect_column_pair_values_a_to_be_greater_than_b", "inspected_on"),
        ("expect_column_values_to_not_be_null", "result"),
        ("expect_column_values_to_be_in_set", "result"),
        ("expect_column_values_to_be_in_set", "severity"),
        ("expect_column_values_to_be_null", DUPLICATE_KEY),
    ]
    [after_delivery] = [r for r in declared_rules(INSPECTIONS, table) if "column_A" in r.config["kwargs"]]
    assert after_delivery.config["kwargs"]["column_A"] == DELIVERED
    [kinds] = [r for r in declared_rules(INSPECTIONS, table) if r.column == "kind" and "value_set" in
               r.config["kwargs"]]
    assert kinds.config["kwargs"]["value_set"] == [
        "quality_spot_check", "metrology_spot_check", "supervision_check", "supervision_test"]


def test_a_failure_is_worded_from_the_failing_row() -> None:
    table = INSPECTIONS.tables[0]
    rules = {r.config["meta"]["rule"]: r for r in declared_rules(INSPECTIONS, table)}
    assert rules["result.expect_column_values_to_be_in_set"].reason({"result": "bad"}) == (
        "result: unknown code 'bad' (expected one of pass, fail, not_tested)")
    assert rules["inspected_on.not_after_delivery"].reason(
        {"inspected_on": datetime(2026, 11, 12), DELIVERED: datetime(2026, 11, 10)}
    ) == "inspected_on: 2026-11-12 is after the delivery date 2026-11-10"


def test_the_json_suite_adds_what_a_declaration_cannot_say() -> None:
    table = INSPECTIONS.tables[0]
    added = suite_rules(INSPECTIONS, table)
    assert [r.config["meta"]["rule"] for r in added] == ["severity_only_when_fail", "severity_when_fail"]
    assert all(r.config["kwargs"]["row_condition"] and r.frame == "" for r in added)
    assert table_rules(INSPECTIONS, table) == declared_rules(INSPECTIONS, table) + added


def test_list_fields_are_checked_on_their_exploded_frame() -> None:
    feed = registry.get_feed("bank/credit_report")
    table = feed.tables[0]
    by_frame = {r.column: r.frame for r in table_rules(feed, table)}
    assert by_frame["loans.classification"] == "loans"
    assert by_frame["uscc"] == ""


def test_the_rules_are_data_without_great_expectations() -> None:
    code = "import sys, ingest.rules, ingest.registry; print('great_expectations' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
