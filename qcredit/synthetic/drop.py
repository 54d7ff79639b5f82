"""`qcredit generate`: a realistic multi-year agency drop in the exact shapes of FEEDS.md.

Layout: `<out>/<agency>/<dataset>_<YYYYMMDD>[_<NN>].<ext>`, names from the feed declarations. Rhythm (a fixed
calendar, never relative to the as-of date): quality events every working day (inspections, complaints, export
inspections) or weekly on Mondays (violations, accidents, A applications, D reviews); production statistics
every 15 March; quality snapshots, the commerce workbook and the customs files on the first day of each
quarter; bank reports at each month end; tax ratings every 20 April with small re-rating files on the 15th of
June to December.

Prefix-stable and deterministic: a file dated `d` is a pure function of (seed, N, d) - the world's life
scripts are hashed per enterprise and period, event streams are seeded per (feed, day), and corrections
regenerate the earlier delivery they correct. So the drop as of D+1 is the drop as of D plus the files dated
D+1, byte for byte. History starts on the first day of the quarter `years` before the as-of date.

Memory stays bounded: snapshots are built and written per enterprise chunk, events per day.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from ingest import registry
from qcredit.progress import Progress
from qcredit.synthetic import events as ev
from qcredit.synthetic import snapshots as snap
from qcredit.synthetic import write as wr
from qcredit.synthetic.world import World, day_number

CHUNK = 250_000  # enterprises per snapshot part (fixed: the dirt of a part is seeded by its number)
TRUNCATED_SNAPSHOT_P = 0.04  # a snapshot delivered cut short (held), then re-delivered whole as `_01`
REDELIVERY_P = 0.03  # an event file followed by a same-day `_01` with the dirty rows fixed


# --- the delivery calendar ----------------------------------------------------------------------------------


def _workday(d: date) -> bool:
    return d.weekday() < 5


def _monday(d: date) -> bool:
    return d.weekday() == 0


def _quarter_start(d: date) -> bool:
    return d.day == 1 and d.month in (1, 4, 7, 10)


def _month_end(d: date) -> bool:
    return (d + timedelta(days=1)).day == 1


def _annual(month: int, day: int) -> Callable[[date], bool]:
    def due(d: date) -> bool:
        return d == _next_workday(date(d.year, month, day))

    return due


def _next_workday(d: date) -> date:
    while not _workday(d):
        d += timedelta(days=1)
    return d


def _tax_due(d: date) -> bool:
    return _annual(4, 20)(d) or (6 <= d.month <= 12 and d == _next_workday(date(d.year, d.month, 15)))


RHYTHM: dict[str, Callable[[date], bool]] = {
    "quality/inspections": _workday,
    "quality/complaints": _workday,
    "quality/export_inspections": _workday,
    "quality/violations": _monday,
    "quality/accidents": _monday,
    "quality/a_applications": _monday,
    "quality/d_reviews": _monday,
    "quality/production_stats": _annual(3, 15),
    "quality/enterprises": _quarter_start,
    "quality/licences": _quarter_start,
    "quality/standards": _quarter_start,
    "quality/awards": _quarter_start,
    "bank/credit_report": _month_end,
    "commerce/registry": _quarter_start,
    "customs/customs_registry": _quarter_start,
    "customs/customs_credit": _quarter_start,
    "tax/tax_credit": _tax_due,
}
# Rough relative cost, to start the slow feeds first when running in parallel.
WEIGHT = {"quality/complaints": 12, "quality/inspections": 11, "commerce/registry": 9, "quality/standards": 6,
          "quality/enterprises": 6, "bank/credit_report": 6, "quality/export_inspections": 5, "tax/tax_credit": 4,
          "quality/licences": 3}


def delivery_days(feed_id: str, start: date, end: date) -> list[date]:
    due = RHYTHM[feed_id]
    return [d for d in (start + timedelta(days=i) for i in range((end - start).days + 1)) if due(d)]


def previous_delivery(feed_id: str, d: date) -> date:
    due, p = RHYTHM[feed_id], d - timedelta(days=1)
    while not due(p):
        p -= timedelta(days=1)
    return p


def history_start(as_of: date, years: int) -> date:
    back = date(as_of.year - years, as_of.month, min(as_of.day, 28))
    return date(back.year, 3 * ((back.month - 1) // 3) + 1, 1)


# --- one feed's deliveries ----------------------------------------------------------------------------------


@dataclass
class Stats:
    files: int = 0
    rows: int = 0
    bytes: int = 0
    dirty_rows: int = 0

    def add(self, path: Path, rows: int, dirty_rows: int) -> None:
        self.files += 1
        self.rows += rows
        self.bytes += path.stat().st_size
        self.dirty_rows += dirty_rows


class FeedWriter:
    """Writes every delivery of one feed between two dates."""

    def __init__(self, world: World, feed_id: str, out: Path) -> None:
        self.world, self.feed = world, registry.get_feed(feed_id)
        self.folder = out / self.feed.agency
        self.folder.mkdir(parents=True, exist_ok=True)
        self.stats = Stats()

    def path(self, d: date, seq: int = 0) -> Path:
        name = self.feed.file_pattern.replace("{YYYYMMDD}", d.strftime("%Y%m%d"))
        return self.folder / name.replace("[_{NN}]", f"_{seq:02d}" if seq else "")

    def rng(self, d: date, what: str) -> np.random.Generator:
        return ev.rng_for(self.world, f"{self.feed.feed_id}/{what}", day_number(d))

    @property
    def ident(self) -> str:
        return self.feed.tables[0].identifier.column

    def dirty(self, df: pl.DataFrame, rng: np.random.Generator, ident: str | None = None) -> tuple[pl.DataFrame, int]:
        return wr.dirty(df, ident or self.ident, rng, self.foreign)

    def foreign(self, row: int) -> str:
        """A valid USCC of an enterprise the archive does not know (index past N)."""
        return bytes(self.world.usccs_of(np.array([self.world.n + 1 + row]))[0]).decode()

    # -- text files --
    def write_text(self, path: Path, parts: Iterator[tuple[pl.DataFrame, int]]) -> None:
        rows = dirty_rows = 0
        with path.open("wb") as out:
            if self.feed.format == "csv":
                out.write(wr.csv_prefix(self.feed))
            for n, (frame, touched) in enumerate(parts):
                frame = frame.select([c for c in frame.columns if not c.startswith("_")])
                if self.feed.format == "jsonl":
                    out.write(wr.jsonl_bytes(frame, self.feed))
                else:
                    out.write(wr.csv_bytes(frame, self.feed, header=n == 0))
                rows, dirty_rows = rows + frame.height, dirty_rows + touched
        self.stats.add(path, rows, dirty_rows)

    def events(self, d: date, frame: pl.DataFrame) -> None:
        """One event file; sometimes a same-day `_01` re-delivers the rows with mistyped identifiers fixed, and a
        few others unchanged.

        Nothing is delivered on a day without records (an empty file would be byte-identical to every other)."""
        if frame.height == 0:
            return
        rng = self.rng(d, "dirt")
        marked = frame.with_row_index("_row")
        dirtied, touched = self.dirty(marked, rng)
        self.write_text(self.path(d), iter([(dirtied, touched)]))
        if rng.random() < REDELIVERY_P:
            changed = dirtied[self.ident] != marked[self.ident]
            redo = marked.filter(changed | pl.Series(rng.random(marked.height) < 0.02))
            self.write_text(self.path(d, 1), iter([(redo, 0)]))

    def snapshot(self, d: date, build: Callable[[World, int, tuple[int, int]], pl.DataFrame]) -> None:
        """A full-state file, built and dirtied per enterprise chunk; sometimes cut short, then re-delivered."""
        day = day_number(d)
        truncated = self.rng(d, "truncate").random() < TRUNCATED_SNAPSHOT_P

        def parts(limit: int) -> Iterator[tuple[pl.DataFrame, int]]:
            for lo in range(0, limit, CHUNK):
                frame = build(self.world, day, (lo, min(lo + CHUNK, limit)))
                yield self.dirty(frame, self.rng(d, f"dirt{lo // CHUNK}"))

        if truncated:
            self.write_text(self.path(d), parts(int(self.world.n * 0.4)))
            self.write_text(self.path(d, 1), parts(self.world.n))
        else:
            self.write_text(self.path(d), parts(self.world.n))

    # -- workbook --
    def workbook(self, d: date) -> None:
        day = day_number(d)
        builders = {"registry__registrations": snap.registrations,
                    "registry__abnormal_operations": snap.abnormal_operations,
                    "registry__serious_violations": snap.serious_violations}
        touched = [0]

        def chunks(table: registry.Table) -> Iterator[tuple[pl.DataFrame, np.ndarray]]:
            for lo in range(0, self.world.n, CHUNK):
                frame = builders[table.name](self.world, day, (lo, min(lo + CHUNK, self.world.n)))
                ent = frame["_ent"].to_numpy().astype(np.int64)
                cols = np.arange(len(table.columns))
                modes = (self.world.u("xlsx_date", ent[:, None] * 8 + cols) * 3).astype(np.int8)
                frame, n = self.dirty(frame, self.rng(d, f"{table.name}{lo // CHUNK}"), "uscc")
                touched[0] += n
                yield frame, modes

        path = self.path(d)
        rows = wr.write_xlsx(path, self.feed, {t.name: chunks(t) for t in self.feed.tables})
        self.stats.add(path, rows, touched[0])


def _quality_events(fw: FeedWriter, d: date) -> None:
    w, day, name = fw.world, day_number(d), fw.feed.dataset
    period = (d - previous_delivery(fw.feed.feed_id, d)).days
    if name == "inspections":
        earlier = d - timedelta(days=28)
        old = ev.inspections(w, day_number(earlier), (earlier - previous_delivery(fw.feed.feed_id, earlier)).days)
        frame = pl.concat([ev.inspections(w, day, period), ev.inspection_corrections(w, day, old)])
    elif name == "complaints":
        frame = pl.concat([ev.complaints_view(ev.complaints_raw(w, day, period), day), *_complaint_updates(fw, d)])
    elif name == "a_applications":
        old = ev.a_applications(w, day - 56, 7)
        frame = pl.concat([ev.a_applications(w, day, period), ev.a_evaluations(w, day, old)])
    elif name == "d_reviews":
        frame = ev.d_reviews(w, day, ev.d_triggers(ev.violations(w, day - 35, 7), ev.accidents(w, day - 35, 7)))
    else:
        frame = getattr(ev, name)(w, day, period)
    fw.events(d, frame)


def _complaint_updates(fw: FeedWriter, d: date) -> Iterator[pl.DataFrame]:
    """Complaints delivered open in the last ~4 months and resolved since the previous delivery."""
    for back in range(1, 126):
        e = d - timedelta(days=back)
        if _workday(e):
            period = (e - previous_delivery(fw.feed.feed_id, e)).days
            update = ev.complaint_updates(fw.world, day_number(e), period, day_number(d))
            if update is not None:
                yield update


def _production_stats(fw: FeedWriter, d: date) -> None:
    def build(w: World, day: int, part: tuple[int, int]) -> pl.DataFrame:
        return ev.production_stats(w, day, d.year - 1, part)

    fw.snapshot(d, build)


def _tax(fw: FeedWriter, d: date) -> None:
    w = fw.world
    annual = d.month == 4
    year = d.year - 1
    rated_on = day_number(d) - (2 if annual else 3)
    as_rated = day_number(_next_workday(date(d.year if d.month >= 4 else d.year - 1, 4, 20)))

    def build(world: World, day: int, part: tuple[int, int]) -> pl.DataFrame:
        idx = world.in_archive(as_rated, part)
        idx = idx[(world.established[idx] < day_number(date(year + 1, 1, 1))) & (world.closed[idx] > as_rated)]
        if not annual:
            idx = idx[world.u_at("tax_rerate", idx, d.month) < 0.0015]
        levels = snap.tax_levels(world, idx, year, "tax" if annual else f"tax_rerate{d.month}")
        return snap.tax_ratings(world, idx, year, rated_on, levels)

    def parts() -> Iterator[tuple[pl.DataFrame, int]]:
        for lo in range(0, w.n, CHUNK):
            yield fw.dirty(build(w, day_number(d), (lo, min(lo + CHUNK, w.n))), fw.rng(d, f"dirt{lo // CHUNK}"))

    fw.write_text(fw.path(d), parts())


SNAPSHOTS = {
    "quality/enterprises": snap.enterprises, "quality/licences": snap.licences, "quality/standards": snap.standards,
    "quality/awards": snap.awards, "bank/credit_report": snap.credit_reports,
    "customs/customs_registry": snap.customs_registry, "customs/customs_credit": snap.customs_credit,
}


def write_feed(world: World, feed_id: str, out: Path, start: date, end: date) -> Stats:
    fw = FeedWriter(world, feed_id, out)
    for d in delivery_days(feed_id, start, end):
        if feed_id in SNAPSHOTS:
            fw.snapshot(d, SNAPSHOTS[feed_id])
        elif feed_id == "commerce/registry":
            fw.workbook(d)
        elif feed_id == "tax/tax_credit":
            _tax(fw, d)
        elif feed_id == "quality/production_stats":
            _production_stats(fw, d)
        else:
            _quality_events(fw, d)
    return fw.stats


# --- entry point --------------------------------------------------------------------------------------------

_WORLD: World | None = None  # one per worker process, built by `_init_worker`


def _init_worker(seed: int, enterprises: int) -> None:
    global _WORLD
    _WORLD = World(seed, enterprises)


def _feed_job(args: tuple[str, Path, date, date]) -> tuple[str, Stats]:
    feed_id, out, start, end = args
    assert _WORLD is not None
    return feed_id, write_feed(_WORLD, feed_id, out, start, end)


def _jobs(out: Path, start: date, end: date) -> list[tuple[str, Path, date, date]]:
    """One job per feed; the daily feeds split by year so two workers stay balanced (days are independent)."""
    jobs = []
    for feed_id in sorted(RHYTHM, key=lambda f: -WEIGHT.get(f, 1)):
        if RHYTHM[feed_id] is _workday:
            cuts = [start] + [date(y, 1, 1) for y in range(start.year + 1, end.year + 1)]
            jobs += [(feed_id, out, a, min(b - timedelta(days=1), end)) for a, b in
                     zip(cuts, [*cuts[1:], end + timedelta(days=1)], strict=True)]
        else:
            jobs.append((feed_id, out, start, end))
    return jobs


def _reported(result: tuple[str, Stats], progress: Progress) -> tuple[str, Stats]:
    """A finished feed job, reported to `progress` (jobs run in the pool, so only their end is seen here)."""
    feed_id, stats = result
    progress.finished(feed_id, f"{stats.files} files, {stats.rows:,} rows")
    return result


def generate(enterprises: int, as_of: str, seed: int, out: Path, years: int = 3,
             workers: int | None = None, since: str | None = None, progress: Progress | None = None) -> dict:
    """Write the drop for `enterprises` enterprises up to `as_of`; returns file and row counts per feed.
    With `since`, only the files dated on or after it: a day's files depend on the day alone, so these are
    exactly what the full drop as of `as_of` adds to the one as of the day before `since` (a nightly increment)."""
    began = time.perf_counter()
    end = date.fromisoformat(str(as_of))
    start = history_start(end, years)
    out = Path(out)
    jobs = _jobs(out, max(start, date.fromisoformat(since)) if since else start, end)
    workers = workers or min(os.cpu_count() or 1, 4)
    if enterprises <= 0:
        raise ValueError(f"a drop needs at least one enterprise, got {enterprises}")
    progress = progress or Progress()
    progress.step("generating", len(jobs), f"{len(jobs)} feed jobs, {enterprises:,} enterprises")
    if workers > 1:
        # spawn, not fork: forking a process whose polars thread pool is running can deadlock
        ctx = mp.get_context("spawn")
        with ctx.Pool(workers, initializer=_init_worker, initargs=(seed, enterprises)) as pool:
            results = [_reported(result, progress) for result in pool.imap_unordered(_feed_job, jobs)]
    else:
        _init_worker(seed, enterprises)
        results = [_reported(_feed_job(job), progress) for job in jobs]
    progress.end_step()
    per_feed = {f: Stats() for f in RHYTHM}
    for feed_id, stats in results:
        for key, value in vars(stats).items():
            setattr(per_feed[feed_id], key, getattr(per_feed[feed_id], key) + value)
    per_feed = {f: vars(s) for f, s in per_feed.items()}
    return {
        "enterprises": enterprises, "seed": seed, "as_of": end.isoformat(), "history_from": start.isoformat(),
        "since": since, "out": str(out), "files": sum(s["files"] for s in per_feed.values()),
        "rows": sum(s["rows"] for s in per_feed.values()), "bytes": sum(s["bytes"] for s in per_feed.values()),
        "dirty_rows": sum(s["dirty_rows"] for s in per_feed.values()),
        "seconds": round(time.perf_counter() - began, 2), "feeds": per_feed,
    }

