"""The nightly DAG: it imports cleanly, has the promised shape, and a run through Airflow itself (two dates,
as a backfill does) publishes exactly the files `qcredit run` publishes for those dates."""

from __future__ import annotations

import filecmp
import warnings
from pathlib import Path

import pendulum
import pytest

from ingest import registry
from qcredit import pipeline
from qcredit.airflow_local import run_dag

DAGS = Path(__file__).resolve().parents[2] / "dags"


@pytest.fixture(scope="module")
def dag():
    from airflow.dag_processing.dagbag import DagBag

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bag = DagBag(dag_folder=str(DAGS))
    assert bag.import_errors == {}
    ours = [w for w in caught if str(DAGS) in str(w.filename)]
    assert not ours, [str(w.message) for w in ours]
    return bag.dags["nightly_regrade"]


def test_schedule_is_two_am_shanghai_without_catchup(dag):
    assert dag.timetable.expression == "0 2 * * *"
    assert str(dag.timetable.timezone) == "Asia/Shanghai"
    assert str(dag.timezone) == "Asia/Shanghai"
    assert dag.catchup is False
    assert dag.max_active_runs == 1


def test_ingest_is_mapped_over_the_feed_registry(dag):
    mapped = {t.task_id for t in dag.tasks if type(t).__name__ == "DecoratedMappedOperator"}
    assert mapped == {"land_reference", "land_feed"}
    # the lists the mapped tasks expand over are the registry's own
    assert set(registry.reference_feed_ids()) | set(registry.dependent_feed_ids()) == set(registry.feed_ids())
    assert dag.get_task("land_reference").downstream_task_ids >= {"validation_gate"}
    assert "dependent_feeds" in dag.get_task("land_reference").downstream_task_ids


def test_one_dbt_task_that_never_runs_twice_at_once(dag):
    grading = [t for t in dag.tasks if t.task_id == "grade"]
    assert len(grading) == 1
    assert grading[0].max_active_tis_per_dag == 1
    assert dag.get_task("export").upstream_task_ids == {"grade", "resolve_as_of"}


def test_failures_retry_with_backoff_and_leave_an_alert(dag):
    from qcredit.alerts import FailureEmail, write_alert

    for task in dag.tasks:
        # a broken declaration stays broken until a person fixes it: that check is not retried
        assert task.retries == (0 if task.task_id == "feed_declarations" else 2)
        assert task.retry_exponential_backoff > 1  # a multiplier: 1 would be no backoff
        callbacks = task.on_failure_callback if isinstance(task.on_failure_callback, list) else [
            task.on_failure_callback]
        assert write_alert in callbacks
        assert any(isinstance(c, FailureEmail) for c in callbacks)  # the e-mail, through Airflow's SMTP notifier


def test_the_published_exports_are_an_asset_downstream_dags_can_be_scheduled_on(dag):
    outlets = dag.get_task("run_summary").outlets
    assert [(a.name, a.uri) for a in outlets] == [("qcredit_exports", "qcredit://exports/")]
    assert all(not t.outlets for t in dag.tasks if t.task_id != "run_summary")  # only once the date is whole


@pytest.mark.parametrize(
    ("logical_date", "as_of"),
    [
        # the scheduled run at 02:00 Asia/Shanghai is 18:00 UTC the day before: T is the Shanghai date
        (pendulum.datetime(2026, 11, 20, 18, 0, tz="UTC"), "2026-11-21"),
        (pendulum.datetime(2026, 11, 20, 0, 0, tz="UTC"), "2026-11-20"),  # `airflow dags test ... 2026-11-20`
    ],
)
def test_as_of_is_the_logical_date_in_shanghai(logical_date, as_of):
    assert pipeline.resolve_as_of(None, logical_date) == as_of
    assert pipeline.resolve_as_of("2026-01-05", logical_date) == "2026-01-05"  # the param wins


def test_alert_record_names_the_task_and_the_error(tmp_path, monkeypatch):
    import json

    from qcredit.alerts import write_alert

    class TI:
        task_id, map_index, try_number, dag_id = "grade", -1, 3, "nightly_regrade"

    class Run:
        run_id, dag_id = "scheduled__2026-11-20T18:00:00+00:00", "nightly_regrade"

    monkeypatch.setenv("QCREDIT_HOME", str(tmp_path))
    path = Path(write_alert({"ti": TI(), "dag_run": Run(), "exception": ValueError("dbt test failed")}))
    record = json.loads(path.read_text())
    assert path.parent == tmp_path / "alerts"
    assert record["task_id"] == "grade" and "dbt test failed" in record["error"]


# The CSV files of OUTPUTS.md (a run may publish more, e.g. risk_score_breakdown.csv).
OUTPUT_FILES = [f"{name}.csv" for name in (
    "enterprise_levels", "risk_warnings", "supervision_plan", "award_actions", "d_review_queue", "level_changes",
    "quarantine", "unresolved", "criterion_evidence", "public_a_list", "public_d_list",
    "files_needing_attention")]


def test_two_date_backfill_through_airflow_equals_qcredit_run(tmp_path, sample_inbox):
    """What a backfill does, date by date, through Airflow's own `dags test` (serialized DAG, SQLite).
    The two dates see different deliveries (2026-10-31 has neither the archive nor the registry yet)."""
    inbox = sample_inbox
    dates = ["2026-10-31", "2026-11-20"]
    dag_home, cli_home = tmp_path / "dag_home", tmp_path / "cli_home"
    for day in dates:
        run_dag(day, dag_home, inbox, tmp_path / "airflow")
        pipeline.run(inbox, cli_home, day)
    for day in dates:
        ours, theirs = dag_home / "exports" / day, cli_home / "exports" / day
        csvs = sorted(p.name for p in theirs.glob("*.csv"))
        assert set(OUTPUT_FILES) <= set(csvs)
        match, mismatch, errors = filecmp.cmpfiles(ours, theirs, csvs, shallow=False)
        assert (mismatch, errors) == ([], []), f"{day}: the DAG's exports differ from qcredit run's"
        assert (ours / "run_summary.json").exists()
    assert not (dag_home / "alerts").exists()


def test_a_broken_declaration_fails_the_run_once_the_other_feeds_are_published(tmp_path, sample_inbox,
                                                                                 monkeypatch):
    """As `qcredit run` exits 1 for it: the good feeds land, grade and publish, then the run fails naming the
    declaration (alert record and e-mail), without retrying what only a person can fix."""
    import json

    broken = tmp_path / "feeds" / "safety" / "meters.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text("agency: safety\ndataset: meters\nencoding: utf8\n", encoding="utf-8")
    monkeypatch.setenv("QCREDIT_EXTRA_FEEDS", str(tmp_path / "feeds"))
    home = tmp_path / "home"
    with pytest.raises(RuntimeError, match="DagRun failed"):
        run_dag("2026-11-20", home, sample_inbox, tmp_path / "airflow")
    assert (home / "exports" / "2026-11-20" / "run_summary.json").exists()
    alerts = [json.loads(p.read_text()) for p in (home / "alerts").glob("*.json")]
    assert [a["task_id"] for a in alerts] == ["feed_declarations"], alerts
    assert f"broken feed declaration {broken}" in alerts[0]["error"]
