"""
### nightly_regrade: land every declared feed, grade as of the run date, publish the exports

Runs at 02:00 Asia/Shanghai. The as-of date `T` is the run's logical date in Asia/Shanghai (Airflow 3 cron runs
have zero-length data intervals, so the logical date is the one date the run knows), unless the `as_of`
param names another. Each task makes one call into `qcredit.pipeline`, the same calls `qcredit run` makes:

1. `land_reference` / `land_feed`: one mapped task per declared agency dataset (the feed registry), Parquet
   only, so feeds land in parallel; feeds others resolve identifiers through land first.
2. `validation_gate`: reports rejected and held files; it never fails the run (the data engineers act on it).
3. `grade`: one `dbt build`, the only writer of the warehouse.
4. `export`: the files of OUTPUTS.md under `<home>/exports/<T>/`.
5. `run_summary`: `run_summary.json` beside them; it then publishes the asset `qcredit_exports`
   (`qcredit://exports`) with the as-of date and folder in the event's extra, so DAGs scheduled on that asset
   (the service's refresh, another department's pull) run once a date's exports are complete.
6. `feed_declarations`: fails the run when a feed declaration is broken (that feed did not land; the others
   did and are published), naming the file and the error, as `qcredit run` exits 1 for it.

Paths come from `QCREDIT_HOME` / `QCREDIT_INBOX` (see `qcredit/settings.py`). A task that fails after its retries
writes an alert record to `<home>/alerts/` and e-mails the addresses in the Airflow variable
`qcredit_alert_recipients` through the connection `smtp_default` (see `qcredit/alerts.py`, docs/airflow.md).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pendulum
from airflow.sdk import Asset, Param, dag, task

from qcredit.alerts import FailureEmail, write_alert

# The published exports of one as-of date (one event per date; `extra` says which date and where it is).
EXPORTS = Asset(name="qcredit_exports", uri="qcredit://exports")


@dag(
    dag_id=Path(__file__).stem,
    description="Land agency feeds, grade quality credit as of the run date, publish the exports.",
    doc_md=__doc__,
    schedule="0 2 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
    catchup=False,  # backfills are explicit: `airflow backfill create --dag-id nightly_regrade ...`
    max_active_runs=1,  # dbt is the one writer of warehouse.duckdb: never two runs at once
    tags=["qcredit"],
    default_args={
        "retries": 2,  # transient errors (a busy disk, a killed worker); data errors fail the same way again
        "retry_delay": timedelta(seconds=30),
        "retry_exponential_backoff": 2.0,  # a multiplier since Airflow 3.3 (True would mean 1: no backoff)
        "max_retry_delay": timedelta(minutes=10),
        "on_failure_callback": [write_alert, FailureEmail()],  # called once, when the last retry failed
    },
    params={
        "as_of": Param(
            None,
            type=["null", "string"],
            format="date",
            title="Grade as of",
            description="YYYY-MM-DD; empty: the run's logical date in Asia/Shanghai",
        )
    },
)
def nightly_regrade():
    @task
    def resolve_as_of(params=None, logical_date=None) -> str:
        from qcredit import pipeline  # imports stay inside tasks, so parsing the DAG stays fast

        return pipeline.resolve_as_of(params.get("as_of"), logical_date)

    @task
    def reference_feeds() -> list[str]:
        from ingest import registry

        return registry.reference_feed_ids()

    @task
    def dependent_feeds() -> list[str]:
        from ingest import registry

        return registry.dependent_feed_ids()

    @task(max_active_tis_per_dag=2)
    def land(feed_id: str, as_of: str) -> dict:
        from qcredit import pipeline

        return pipeline.land_feed(feed_id, None, None, as_of)  # manifest entries, never rows

    @task(trigger_rule="none_failed")
    def validation_gate(reference: list[dict], dependent: list[dict]) -> dict:
        from qcredit import pipeline

        report = pipeline.validation_report([*reference, *dependent])
        for item in report["needs_attention"]:
            print(f"{item['status'].upper()}: {item['file']}: {item['reason']}")
        return report

    @task(max_active_tis_per_dag=1)  # with max_active_runs=1: one dbt process on the warehouse, ever
    def grade(as_of: str, gate: dict) -> dict:
        from qcredit import pipeline, progress

        return pipeline.grade(None, as_of, progress.for_command())  # a line per dbt model in the task's log

    @task
    def export(as_of: str, graded: dict) -> dict:
        from qcredit import pipeline

        return pipeline.export(None, as_of)

    @task(outlets=[EXPORTS])
    def run_summary(as_of: str, graded: dict, exported: dict, reference: list[dict], dependent: list[dict],
                    outlet_events=None) -> dict:
        from qcredit import pipeline, settings

        landed = [*reference, *dependent]  # this night's files: the report lists them, not the home's history
        summary = pipeline.summarize(None, as_of, {"grade": graded["dbt_seconds"]}, landed)
        print(pipeline.describe_run(summary))
        folder = settings.exports_dir(settings.home_dir(), as_of)
        outlet_events[EXPORTS].extra = {"as_of": as_of, "folder": str(folder)}
        return {key: summary[key] for key in ("as_of", "levels", "risk_actions", "exports")}

    @task(retries=0)  # a broken declaration stays broken until a person fixes the file
    def feed_declarations(published: dict) -> None:
        """Fails the run, after the other feeds are graded and published, naming each broken declaration."""
        from qcredit import pipeline

        pipeline.check_declarations()

    as_of = resolve_as_of()
    reference = land.override(task_id="land_reference").partial(as_of=as_of).expand(feed_id=reference_feeds())
    feeds = dependent_feeds()
    reference >> feeds  # identifiers resolve through the reference feeds, so they land first
    dependent = land.override(task_id="land_feed").partial(as_of=as_of).expand(feed_id=feeds)
    graded = grade(as_of, validation_gate(reference, dependent))
    feed_declarations(run_summary(as_of, graded, export(as_of, graded), reference, dependent))


nightly_regrade()
