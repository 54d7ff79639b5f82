"""Evidence on a generated drop, which has what hand-made drops lack at volume: GB18030 and BOM files, dirty and
corrected rows, same-day re-deliveries, workbooks with three sheets. Every C/D reason and signal must cite a
delivered file and line that holds the record, and corrected records must cite the row version graded at T."""

from __future__ import annotations

import pytest
from dbt_helpers import query, run_dbt

from qcredit import pipeline
from qcredit.synthetic.drop import generate
from tests.scenarios.evidence import evidence_problems, uncited_codes

pytestmark = pytest.mark.slow
AS_OF = "2026-11-20"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    inbox = tmp_path_factory.mktemp("generated_inbox")
    home = tmp_path_factory.mktemp("generated_home")
    generate(600, AS_OF, 3, inbox, years=2)
    pipeline.ingest(inbox, home, AS_OF)
    run_dbt(home, AS_OF, "build", "--exclude", "test_type:unit")
    return inbox, home


def test_every_c_and_d_reason_and_signal_cites_a_line_that_holds_its_record(graded):
    inbox, home = graded
    levels = query(home, "select * from exports.enterprise_levels")
    evidence = query(home, "select * from exports.criterion_evidence order by all")
    assert {row["level"] for row in levels} >= {"C", "D"}
    assert len({row["dataset"] for row in evidence}) >= 6, "evidence from many feeds"
    assert uncited_codes(levels, evidence) == []
    assert evidence_problems(inbox, evidence) == []


EVENT_FEEDS = ("inspections", "violations", "complaints", "accidents", "export_inspections")


def test_evidence_cites_the_latest_version_of_a_corrected_record(graded):
    """Where an event record was delivered more than once on or before T, the evidence names its latest delivery
    (the generator re-delivers corrections, complaints' resolutions most of all)."""
    _, home = graded
    versions = " union all ".join(
        f"select 'quality/{feed}' as dataset, record_id, delivery_id from staging.stg_quality__{feed} "
        f"where delivery_date <= date '{AS_OF}'"
        for feed in EVENT_FEEDS
    )
    cited = query(
        home,
        f"""
        with versions as ({versions}),
        latest as (
            select dataset, record_id, max(delivery_id) as latest_delivery_id, count(*) as version_count
            from versions group by all
        )
        select evidence.dataset, evidence.record_id, evidence.delivery_id, latest.latest_delivery_id,
            latest.version_count
        from exports.criterion_evidence as evidence
        inner join latest on evidence.dataset = latest.dataset and evidence.record_id = latest.record_id
        """,
    )
    assert any(row["version_count"] > 1 for row in cited), "the drop has cited records that were corrected"
    assert [row for row in cited if row["delivery_id"] != row["latest_delivery_id"]] == []
