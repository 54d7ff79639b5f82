"""The steps of a grading run. `qcredit` and the Airflow DAG call these functions and nothing else."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from ingest import registry, settings


def ingest(inbox: Path | str | None, home: Path | str | None, as_of: str | date | None) -> list[dict]:
    """Land every declared feed's deliveries dated on or before `as_of`, reference feeds first."""
    from ingest import land

    inbox_path, home_path = settings.inbox_dir(inbox), settings.home_dir(home)
    day = resolve_as_of(as_of)
    land.ensure_lake(home_path)
    results = []
    for wave in registry.landing_waves():
        for feed_id in wave:
            results.append(land.land_feed(feed_id, inbox_path, home_path, day))
    return results


def ingest_command(inbox: Path | None, home: Path | None, as_of: str | None) -> list[dict]:
    """`qcredit ingest`: land, then print the per-file summary a data engineer acts on."""
    from ingest import land

    results = ingest(inbox, home, as_of)
    print(land.format_summary(results))
    return results


def resolve_as_of(value: str | date | None, logical_date: object | None = None) -> str:
    """The as-of date T as YYYY-MM-DD: the given value, else the logical date (else now) in Asia/Shanghai."""
    import pendulum

    if isinstance(value, date):
        return value.isoformat()
    if value:
        return pendulum.parse(str(value)).date().isoformat()  # rejects what is not a date
    moment = pendulum.instance(logical_date) if logical_date is not None else pendulum.now()
    return moment.in_timezone(settings.TIMEZONE).date().isoformat()
