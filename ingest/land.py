"""Land agency deliveries in the lake: append-only Parquet, a manifest entry per file, quarantined rows.

The contracts are ARCHITECTURE.md sections 2 and 3. One call lands one feed and touches only that feed's
folders, so feeds land in parallel processes. A file's manifest entry is written last: it is the commit
marker, and every Parquet file is written to a temporary name and renamed, so a crash never leaves half a
delivery behind.

A GX validation run has a large fixed cost, so the new files of one call are validated together: each file is
read and checked for structure on its own, then each table of all readable files is validated in one batch
(`validate.check_tables`), and the outcome is landed file by file, in delivery order, exactly as if the files
had been landed one at a time. Files are batched in consecutive groups of at most `BATCH_ROWS` rows; a bigger
file is a batch of its own, validated `BATCH_ROWS` rows at a time (`validate.check_in_slices`). That bounds a
landing process's memory whatever the size of the files.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from ingest import identifiers, paths, registry
from ingest.inbox import ignored_names
from ingest.readers import RawTable, Unreadable, read_delivery
from ingest.registry import Feed, Table
from ingest.validate import (
    Checked,
    Part,
    Rejected,
    check_in_slices,
    check_structure,
    check_tables,
    landed_schema,
)

EMPTY_DELIVERY = "00000000_00"
# The text stamps are one value per file: as Categorical, Parquet gets their dictionary as it is instead of
# hashing every row's copy (7-27% of a lake write on the 1M drop). The Parquet type stays a string (DuckDB
# reads VARCHAR); polars reads the lake's stamps back as Categorical.
STAMPS: dict[str, pl.DataType] = {
    "_agency": pl.Categorical, "_dataset": pl.Categorical, "_table": pl.Categorical, "_delivery_date": pl.Date,
    "_delivery_seq": pl.Int32, "_delivery_id": pl.Categorical, "_source_file": pl.Categorical,
    "_source_line": pl.Int32, "_file_sha256": pl.Categorical,
}
QUARANTINE_SCHEMA: dict[str, pl.DataType] = {
    "agency": pl.String, "dataset": pl.String, "table": pl.String, "file": pl.String, "line": pl.Int64,
    "reason": pl.String, "raw": pl.String, "delivery_date": pl.Date, "delivery_seq": pl.Int32,
}
# The lake keeps a row's `identifier` only where it is not its resolved `uscc` (a legacy tax number, a customs
# code, a bad or unresolved identifier): almost every row is named by its USCC, and a second copy of a
# million distinct USCCs was a quarter of a lake write and a third of the file. Staging restores it as
# coalesce(identifier, uscc).
IDENTIFIER_WHEN_NOT_USCC = (
    pl.when(pl.col("identifier").ne_missing(pl.col("uscc"))).then(pl.col("identifier")).alias("identifier")
)
MAX_WARNINGS = 1000  # listed in the manifest; `warning_count` has them all
# Rows (list items included) validated in one batch; a bigger file is a batch of its own, validated in slices
# of this many rows. A landing process's peak memory grows with it (0.9-1.8 GiB per feed at 500k on the 1M
# drop; licences at 1M rows per batch took 2.7 GiB where 500k took 1.4).
BATCH_ROWS = 500_000


@dataclass(frozen=True)
class Delivery:
    feed: Feed
    path: Path
    delivered: date
    seq: int

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def delivery_id(self) -> str:
        return f"{self.delivered:%Y%m%d}_{self.seq:02d}"

    @property
    def source_file(self) -> str:
        return f"{self.path.parent.name}/{self.path.name}"


# -- lake paths ------------------------------------------------------------------------------------------


def table_dir(home: Path, table: Table) -> Path:
    return paths.lake_dir(home) / table.agency / table.name


def manifest_dir(home: Path, feed: Feed) -> Path:
    return paths.lake_dir(home) / "_manifest" / feed.agency / feed.dataset


def quarantine_dir(home: Path, feed: Feed) -> Path:
    return paths.lake_dir(home) / "_quarantine" / feed.agency / feed.dataset


def _write_parquet(frame: pl.DataFrame, path: Path) -> None:
    """Write then rename: readers see the whole file or nothing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    # zstd level 1: twice as fast to write as polars' default level 3, and within 1% of its size here
    frame.write_parquet(tmp, compression="zstd", compression_level=1)
    os.replace(tmp, path)


def _write_json(entry: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(entry, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def _lake_schema(table: Table) -> dict[str, pl.DataType]:
    return {**landed_schema(table), **STAMPS}


def _ensure_tables(home: Path, tables: list[Table]) -> None:
    for table in tables:
        path = table_dir(home, table) / f"delivery={EMPTY_DELIVERY}" / "part-empty.parquet"
        if not path.exists():
            _write_parquet(pl.DataFrame(schema=_lake_schema(table)), path)


def ensure_lake(home: Path) -> None:
    """A zero-row file with the full schema for every declared table, so every dbt source resolves."""
    _ensure_tables(Path(home), registry.all_tables())


# -- what is in the inbox and what has landed ------------------------------------------------------------


def deliveries(feed: Feed, inbox: Path) -> list[Delivery]:
    """The feed's files in the inbox, in delivery order (date, then same-day sequence)."""
    folder = inbox / feed.agency
    if not folder.is_dir():
        return []
    found = []
    with os.scandir(folder) as entries:  # scandir knows file types without a stat per file
        for entry in entries:
            matched = feed.match_file(entry.name)
            if matched and entry.is_file():
                found.append(Delivery(feed, folder / entry.name, *matched))
    return sorted(found, key=lambda d: (d.delivered, d.seq, d.name))


def manifests(home: Path, feed: Feed) -> dict[str, dict]:
    """Manifest entries already written for the feed, by file name."""
    folder = manifest_dir(home, feed)
    entries = (json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json")))
    return {e["file"]: e for e in entries}


def pending_bytes(feed_id: str, inbox: Path, home: Path, as_of: str) -> int:
    """Bytes of the feed's files dated on or before `as_of` that have not landed yet."""
    feed = registry.get_feed(feed_id)
    done = manifests(Path(home), feed)
    return sum(d.path.stat().st_size for d in deliveries(feed, Path(inbox))
               if d.delivered.isoformat() <= as_of and d.name not in done)


def latest_snapshot(home: Path, table: Table, as_of: str,
                    columns: list[str] | None = None) -> tuple[str | None, pl.DataFrame | None]:
    """(delivery id, rows) of the table's latest landed delivery dated on or before `as_of`."""
    cutoff = as_of.replace("-", "")
    folders = sorted(
        p for p in table_dir(home, table).glob("delivery=*")
        if p.name != f"delivery={EMPTY_DELIVERY}" and p.name.removeprefix("delivery=")[:8] <= cutoff
    )
    if not folders:
        return None, None
    return folders[-1].name.removeprefix("delivery="), pl.read_parquet(folders[-1] / "*.parquet", columns=columns)


def references_for(home: Path, table: Table, as_of: str) -> dict[str, identifiers.Reference]:
    """For each non-USCC identifier kind the table accepts, the snapshot of its `resolve_via` feed."""
    refs: dict[str, identifiers.Reference] = {}
    ident = table.identifier
    for source in (ident, ident.when_blank):
        if source is None or source.resolve_via is None:
            continue
        via = registry.get_feed(source.resolve_via).tables[0]
        wanted = ["uscc"] + ([source.column] if source.column != "uscc" and any(
            c.name == source.column for c in via.columns) else [])
        delivery_id, snapshot = latest_snapshot(home, via, as_of, wanted)
        for kind in source.kinds:
            if kind != "uscc":
                refs[kind] = identifiers.reference_from(
                    source.resolve_via, delivery_id, snapshot, kind, source.column
                )
    return refs


# -- landing files ---------------------------------------------------------------------------------------


def _entry(d: Delivery, sha: str, status: str, reason: str | None = None, **counts: object) -> dict:
    entry = {
        "agency": d.feed.agency, "dataset": d.feed.dataset, "file": d.name, "sha256": sha,
        "delivery_date": d.delivered.isoformat(), "delivery_seq": d.seq, "status": status, "reason": reason,
        "duplicate_of": None, "rows_read": 0, "rows_loaded": 0, "rows_quarantined": 0, "rows_unresolved": 0,
        "tables": {}, "warnings": [], "warning_count": 0,
    }
    entry.update(counts)
    return entry


@dataclass
class NewFile:
    """A new delivery, read and checked for structure. `entry` is set when it is decided without validation
    (duplicate, rejected); otherwise `raws` (by table name) wait to be validated with the rest of the batch."""

    d: Delivery
    sha: str
    entry: dict | None = None
    raws: dict[str, RawTable] | None = None

    @property
    def rows(self) -> int:
        """Rows to validate: delivered rows plus the items of their list columns (a bank report's loans)."""
        if not self.raws:
            return 0
        items = sum(
            raw.frame.get_column(c.source).list.len().sum() or 0
            for raw in self.raws.values() for c in raw.table.columns
            if c.type == "list" and c.source in raw.frame.columns
        )
        return sum(raw.frame.height for raw in self.raws.values()) + items


def _read(d: Delivery, data: bytes, sha: str, same: str | None) -> NewFile:
    """Parse one file's bytes and check its structure; `same` names an earlier file with the same bytes."""
    if same is not None:
        entry = _entry(d, sha, "duplicate", f"byte-identical to {same}: nothing landed")
        entry["duplicate_of"] = same
        return NewFile(d, sha, entry)
    try:
        raws = read_delivery(d.feed, d.path, data)
        for raw in raws:
            check_structure(raw)
    except (Unreadable, Rejected) as exc:
        return NewFile(d, sha, _entry(d, sha, "rejected", f"rejected: {exc}"))
    return NewFile(d, sha, raws={raw.table.name: raw for raw in raws})


def _batches(new: list[Delivery], done: dict[str, dict]) -> Iterator[list[NewFile]]:
    """The new files read in delivery order, in consecutive batches of at most `BATCH_ROWS` rows (a bigger file
    is a batch of its own). A byte-identical file is a duplicate of the first file with its bytes, landed
    earlier (`done`) or read before it in this call."""
    first_with_sha = {}
    for e in done.values():
        first_with_sha.setdefault(e["sha256"], e["file"])
    batch: list[NewFile] = []
    batch_rows = 0
    for d in new:
        data = d.path.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        new_file = _read(d, data, sha, first_with_sha.get(sha))
        del data  # the parsed frames are what the batch keeps
        first_with_sha.setdefault(sha, d.name)
        rows = new_file.rows
        if batch and (batch_rows + rows > BATCH_ROWS or _self_resolving(d.feed)):
            yield batch
            batch, batch_rows = [], 0
        batch.append(new_file)
        batch_rows += rows
    if batch:
        yield batch


def _self_resolving(feed: Feed) -> bool:
    """A feed resolving identifiers through its own deliveries needs each file landed before the next is
    checked; no declared feed does, but a batch of one file keeps that exact."""
    return any(i is not None and i.resolve_via == feed.feed_id
               for t in feed.tables for i in (t.identifier, t.identifier.when_blank))


def _validate(home: Path, feed: Feed, batch: list[NewFile], as_of: str) -> dict[str, list[Checked]]:
    """Each readable file's tables, validated: one `check_tables` call per table for the whole batch, or, for
    a file bigger than a batch, its tables in slices of `BATCH_ROWS` rows."""
    readable = [r for r in batch if r.raws is not None]
    checked: dict[str, list[Checked]] = {r.d.name: [] for r in readable}
    for table in feed.tables if readable else ():
        references = references_for(home, table, as_of)
        parts = [Part(r.raws[table.name], r.d.delivered) for r in readable]
        if len(parts) == 1 and parts[0].raw.frame.height > BATCH_ROWS:
            results = [check_in_slices(feed, table, parts[0], references, BATCH_ROWS)]
        else:
            results = check_tables(feed, table, parts, references)
        for r, c in zip(readable, results, strict=True):
            checked[r.d.name].append(c)
    return checked


def _land_batch(home: Path, feed: Feed, batch: list[NewFile], as_of: str, done: dict[str, dict],
                hints: dict[str, dict]) -> list[dict]:
    """Land a validated batch file by file in delivery order, as landing them one at a time would: each
    manifest entry is written after the file's Parquet and added to `done`, so the shrink guard of a later
    file compares with the last delivery landed before it, in this batch or earlier."""
    checked = _validate(home, feed, batch, as_of)
    entries = []
    for r in batch:
        entry = r.entry
        if entry is None:
            held = _shrink_reason(done, r.d, checked[r.d.name])
            entry = (_entry(r.d, r.sha, "held", held) if held
                     else _land_checked(home, r.d, r.sha, checked[r.d.name], hints))
        _write_json(entry, manifest_dir(home, feed) / f"{r.d.name}.json")
        done[r.d.name] = entry
        entries.append(entry)
    return entries


def _previous_loaded(done: dict[str, dict], d: Delivery, table: Table) -> tuple[str, int] | None:
    """(delivery id, rows) of the table's last loaded delivery before this one."""
    earlier = [
        e for e in done.values()
        if e["status"] == "loaded" and table.name in e["tables"]
        and (e["delivery_date"], e["delivery_seq"]) < (d.delivered.isoformat(), d.seq)
    ]
    if not earlier:
        return None
    last = max(earlier, key=lambda e: (e["delivery_date"], e["delivery_seq"]))
    return f"{last['delivery_date'].replace('-', '')}_{last['delivery_seq']:02d}", last["tables"][table.name]


def _shrink_reason(done: dict[str, dict], d: Delivery, checked: list[Checked]) -> str | None:
    for c in (c for c in checked if c.table.hold_if_below is not None):
        previous = _previous_loaded(done, d, c.table)
        if previous is None:
            continue
        prev_id, prev_rows = previous
        if c.landed.height < c.table.hold_if_below * prev_rows:
            return (
                f"{c.table.name}: {c.landed.height} rows to land vs {prev_rows} in the previous delivery "
                f"{prev_id}, under {c.table.hold_if_below:g} of it: held for review (state unchanged)"
            )
    return None


def _stamped(c: Checked, d: Delivery, sha: str) -> pl.DataFrame:
    """The landed rows in lake column order, stamped (one select: small files are many). `identifier` is
    kept only where it is not the row's `uscc` (`IDENTIFIER_WHEN_NOT_USCC`)."""
    stamps = {
        "_agency": d.feed.agency, "_dataset": d.feed.dataset, "_table": c.table.name,
        "_delivery_date": d.delivered, "_delivery_seq": d.seq, "_delivery_id": d.delivery_id,
        "_source_file": d.source_file, "_file_sha256": sha,
    }
    return c.landed.select(
        pl.lit(stamps[name], dtype=dtype).alias(name) if name in stamps
        else IDENTIFIER_WHEN_NOT_USCC if name == "identifier"
        else pl.col(name).cast(dtype)
        for name, dtype in _lake_schema(c.table).items()
    )


def _quarantine_frame(checked: list[Checked], d: Delivery) -> pl.DataFrame:
    frames = [c.quarantined for c in checked if c.quarantined.height]
    if not frames:
        return pl.DataFrame(schema=QUARANTINE_SCHEMA)
    return pl.concat(frames).select(
        pl.lit(d.feed.agency).alias("agency"), pl.lit(d.feed.dataset).alias("dataset"), "table",
        pl.lit(d.source_file).alias("file"), "line", "reason", "raw",
        pl.lit(d.delivered).alias("delivery_date"), pl.lit(d.seq, dtype=pl.Int32).alias("delivery_seq"),
    ).cast(QUARANTINE_SCHEMA)


def _land_checked(home: Path, d: Delivery, sha: str, checked: list[Checked], hints: dict[str, dict]) -> dict:
    """Write the file's lake parts and quarantine; its manifest entry (and, in `hints`, where its quarantined
    rows went and the first reasons, for the summary)."""
    tables, loaded, unresolved = {}, 0, 0
    for c in checked:
        part = table_dir(home, c.table) / f"delivery={d.delivery_id}" / f"part-{sha[:12]}.parquet"
        _write_parquet(_stamped(c, d, sha), part)
        tables[c.table.name] = c.landed.height
        nulls = c.landed["uscc"].null_count()
        loaded, unresolved = loaded + c.landed.height - nulls, unresolved + nulls
    quarantined = _quarantine_frame(checked, d)
    if quarantined.height:
        path = quarantine_dir(home, d.feed) / f"{d.name}.parquet"
        _write_parquet(quarantined, path)
        hints[d.name] = {"quarantine_file": str(path), "first_reasons": [
            f"line {line}: {reason}" for line, reason in quarantined.head(3).select("line", "reason").iter_rows()]}
    warnings = [w for c in checked for w in c.warnings]
    return _entry(
        d, sha, "loaded", rows_read=sum(c.rows_read for c in checked), rows_loaded=loaded,
        rows_quarantined=quarantined.height, rows_unresolved=unresolved, tables=tables,
        warnings=warnings[:MAX_WARNINGS], warning_count=len(warnings),
    )


def land_feed(feed_id: str, inbox: Path, home: Path, as_of: str) -> dict:
    """Land one feed's deliveries dated on or before `as_of`, in delivery order; already landed files are
    skipped, new ones are validated in batches. Returns `{"feed_id", "files": [manifest entries], "seconds",
    ...}` (small, JSON-serializable)."""
    began = time.perf_counter()
    feed, inbox, home = registry.get_feed(feed_id), Path(inbox), Path(home)
    as_of = as_of if isinstance(as_of, str) else as_of.isoformat()  # a date works too
    _ensure_tables(home, list(feed.tables))
    done = manifests(home, feed)
    found = deliveries(feed, inbox)
    current = [d for d in found if d.delivered.isoformat() <= as_of]
    landed: dict[str, dict] = {}
    hints: dict[str, dict] = {}
    for batch in _batches([d for d in current if d.name not in done], done):
        landed.update((e["file"], e) for e in _land_batch(home, feed, batch, as_of, done, hints))
    files = [
        {**landed[d.name], **hints.get(d.name, {})} if d.name in landed
        else {**done[d.name], "already_landed": True}
        for d in current
    ]
    deferred = [d.name for d in found if d.delivered.isoformat() > as_of]
    return {"feed_id": feed_id, "files": files, "deferred": deferred, "inbox": str(inbox),
            "seconds": round(time.perf_counter() - began, 2)}


# -- the summary -----------------------------------------------------------------------------------------


def format_summary(results: list[dict]) -> str:
    """A per-file table a data engineer can act on, then totals, deferred files and names no feed lands."""
    header = ("file", "status", "read", "loaded", "quarant.", "unresolved", "warnings", "reason")
    rows, totals = [], dict.fromkeys(("read", "loaded", "quarantined", "unresolved", "warnings"), 0)
    notes: list[str] = []
    for result in results:
        agency = result["feed_id"].split("/")[0]
        for e in result["files"]:
            status = "already landed" if e.get("already_landed") else e["status"]
            counts = [e["rows_read"], e["rows_loaded"], e["rows_quarantined"], e["rows_unresolved"],
                      e["warning_count"]]
            rows.append((f"{agency}/{e['file']}", status, *map(str, counts), e["reason"] or ""))
            if not e.get("already_landed"):
                for key, n in zip(totals, counts, strict=True):
                    totals[key] += n
            notes += [f"  {agency}/{e['file']} {r}" for r in e.get("first_reasons", [])]
            notes += [f"  {agency}/{e['file']} warning line {w['line']}: {w['reason']}" for w in e["warnings"][:3]]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) + "  " + r[-1] for r in [header, *rows]]
    lines.append(
        f"totals: {len(rows)} files; read {totals['read']}, loaded {totals['loaded']}, quarantined "
        f"{totals['quarantined']}, unresolved {totals['unresolved']}, warnings {totals['warnings']}"
    )
    if notes:
        lines += ["first quarantine reasons and warnings:", *notes]
    deferred = [f"{r['feed_id'].split('/')[0]}/{n}" for r in results for n in r.get("deferred", ())]
    if deferred:
        lines.append(f"dated after as-of, not landed in this run: {', '.join(deferred)}")
    for inbox in dict.fromkeys(r["inbox"] for r in results if r.get("inbox")):
        ignored, arriving = ignored_names(Path(inbox))
        if ignored:
            lines.append(f"no declared feed matches (ignored): {', '.join(i['path'] for i in ignored)}")
            lines += [f"  {i['path']}: {i['why']}" for i in ignored]
        lines += [f"still arriving: {i['path']}" for i in arriving]
    return "\n".join(lines)


# -- review of held files (`qcredit release`, `qcredit reject`) -------------------------------------------


class NotHeld(ValueError):
    """A file named for review that is not a held delivery of this home (the message says what it is)."""


def release_held(home: Path, inbox: Path, agency_file: str, reason: str, by: str) -> dict:
    """Land a held snapshot after a person reviewed it: validated and landed as a run would have landed it
    (its shrink guard set aside), its manifest entry recording who released it, when and why. The next run
    grades with it. Returns the new manifest entry."""
    home, inbox = Path(home), Path(inbox)
    feed, held = _held_entry(home, agency_file)
    path = inbox / agency_file
    if not path.is_file():
        raise NotHeld(f"{path} is not in the inbox: the held file must still be there to be landed")
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    if sha != held["sha256"]:
        raise NotHeld(f"{path} has changed since it was held (another sha256): review the file as delivered now")
    d = Delivery(feed, path, *feed.match_file(path.name))
    new_file = _read(d, data, sha, None)
    del data
    if new_file.entry is not None:
        raise NotHeld(f"{agency_file} cannot be landed: {new_file.entry['reason']}")
    checked = _validate(home, feed, [new_file], d.delivered.isoformat())
    entry = _land_checked(home, d, sha, checked[d.name], {})
    entry["review"] = _review_record(held, "released", by, reason)
    _write_json(entry, manifest_dir(home, feed) / f"{d.name}.json")
    return entry


def reject_held(home: Path, agency_file: str, reason: str, by: str) -> dict:
    """Reject a held snapshot for good after review: nothing lands, its manifest entry records who rejected it,
    when and why. Returns the new manifest entry."""
    feed, held = _held_entry(Path(home), agency_file)
    entry = {**held, "status": "rejected", "reason": f"rejected after review: {reason}",
             "review": _review_record(held, "rejected", by, reason)}
    _write_json(entry, manifest_dir(Path(home), feed) / f"{held['file']}.json")
    return entry


def _held_entry(home: Path, agency_file: str) -> tuple[Feed, dict]:
    """The feed and manifest entry of `<agency>/<file>`, refused unless the file is held."""
    agency, _, name = agency_file.partition("/")
    for feed in registry.load_registry().values():
        if feed.agency == agency and feed.match_file(name):
            path = manifest_dir(home, feed) / f"{name}.json"
            if not path.is_file():
                raise NotHeld(f"{agency_file} has not been delivered to this home (no manifest entry): not held")
            entry = json.loads(path.read_text(encoding="utf-8"))
            if entry["status"] != "held":
                raise NotHeld(f"{agency_file} is {entry['status']}, not held: only a held file can be released "
                              "or rejected")
            return feed, entry
    raise NotHeld(f"{agency_file} is no delivery of a declared feed of {agency!r}: not held")


def _review_record(held: dict, decision: str, by: str, reason: str) -> dict:
    from datetime import UTC, datetime

    return {"decision": decision, "by": by, "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "reason": reason, "held_reason": held["reason"]}
