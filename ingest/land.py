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

Intake (FEEDS.md, "Files that are not what they claim"): a name must match its feed's pattern in plain ASCII;
a symbolic link or anything but a regular file is rejected; a file under a name that already landed is
hashed again (when its size or modification time changed, or its entry predates those stamps), and changed
content is a conflict, as is a second file for a delivery that already landed (`_00` and no suffix name the
same delivery). Conflicts land nothing and are recomputed on every run, in
`_manifest/<agency>/<dataset>/_conflicts/<file name>.json`, until an operator resolves them. A rejected (or
duplicate) file sent again with other content is tried again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl
from filelock import FileLock

from ingest import identifiers, paths, registry
from ingest.inbox import ignored_names
from ingest.lake_schema import QUARANTINE_SCHEMA, lake_schema
from ingest.readers import REJECTED_ROW_SCHEMA, RawTable, Unreadable, read_delivery, workbook_reader
from ingest.registry import Feed, Table
from ingest.validate import Checked, Part, Rejected, check_in_slices, check_structure, check_tables

EMPTY_DELIVERY = "00000000_00"
# The lake keeps a row's `identifier` only where it is not its resolved `uscc` (a legacy tax number, a customs
# code, a bad or unresolved identifier): almost every row is named by its USCC, and a second copy of each
# distinct USCC made the lake write and the file much bigger. Staging restores it as coalesce(identifier, uscc).
IDENTIFIER_WHEN_NOT_USCC = (
    pl.when(pl.col("identifier").ne_missing(pl.col("uscc"))).then(pl.col("identifier")).alias("identifier")
)
MAX_WARNINGS = 1000  # listed in the manifest; `warning_count` has them all
# Rows (list items included) validated in one batch; a bigger file is a batch of its own, validated in slices
# of this many rows. A landing process's peak memory grows with it (bench/README.md has the measurements).
BATCH_ROWS = 500_000


# Statuses of a file whose delivery is in the lake: its name and delivery id are taken for good.
LANDED_STATUSES = ("loaded", "held")
LANDING_LOCK = ".landing.lock"  # in the feed's manifest folder


@dataclass(frozen=True)
class Delivery:
    feed: Feed
    path: Path
    delivered: date
    seq: int
    refused: str | None = None  # why the entry is not a delivered file (a symbolic link, a folder, ...)

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
    with _naming(tmp):
        # zstd level 1: much faster to write than polars' default level 3, for files barely bigger
        frame.write_parquet(tmp, compression="zstd", compression_level=1)
    os.replace(tmp, path)


def _write_json(entry: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with _naming(tmp):
        tmp.write_text(json.dumps(entry, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


@contextlib.contextmanager
def _naming(path: Path) -> Iterator[None]:
    """A write error names the file: Python's I/O errors on write leave `filename` empty, and polars words an
    I/O error as a ComputeError ("... No space left on device (os error 28)")."""
    try:
        yield
    except OSError as exc:
        if exc.filename:
            raise
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
    except pl.exceptions.ComputeError as exc:
        code = re.search(r"\(os error (\d+)\)", str(exc))
        if code is None:
            raise
        raise OSError(int(code.group(1)), os.strerror(int(code.group(1))), str(path)) from exc


def _ensure_tables(home: Path, tables: list[Table]) -> None:
    for table in tables:
        path = table_dir(home, table) / f"delivery={EMPTY_DELIVERY}" / "part-empty.parquet"
        if not path.exists():
            _write_parquet(pl.DataFrame(schema=lake_schema(table)), path)


def ensure_lake(home: Path) -> None:
    """A zero-row file with the full schema for every declared table, so every dbt source resolves."""
    _ensure_tables(Path(home), registry.all_tables())


# -- what is in the inbox and what has landed ------------------------------------------------------------


def deliveries(feed: Feed, inbox: Path) -> list[Delivery]:
    """The feed's files in the inbox, in delivery order (date, then same-day sequence). An entry named like a
    delivery that is not a regular file is returned with the reason it is `refused`."""
    folder = inbox / feed.agency
    if folder.is_symlink() or not folder.is_dir():
        return []  # an agency folder that is a link leads outside the inbox: `ignored_files` reports it
    found = []
    with os.scandir(folder) as entries:  # scandir knows file types without a stat per file
        for entry in entries:
            matched = match_name(feed, entry.name)
            if matched:
                found.append(Delivery(feed, folder / entry.name, *matched, refused=_not_a_file(entry)))
    return sorted(found, key=lambda d: (d.delivered, d.seq, d.name))


def match_name(feed: Feed, name: str) -> tuple[date, int] | None:
    """(delivery date, sequence) when `name` is one of the feed's deliveries, written in plain ASCII (a
    full-width digit would otherwise name the same delivery as its ASCII twin)."""
    return feed.match_file(name) if name.isascii() else None


def _not_a_file(entry: os.DirEntry) -> str | None:
    if entry.is_symlink():
        return f"a symbolic link (to {os.readlink(entry.path)}), not a delivered file: rejected"
    if not entry.is_file(follow_symlinks=False):
        return "not a regular file (a folder, device or pipe): rejected"
    return None


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
               if d.delivered.isoformat() <= as_of and d.name not in done and d.refused is None)


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


def _entry(d: Delivery, sha: str | None, status: str, reason: str | None = None, **counts: object) -> dict:
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
    (duplicate, rejected, conflict); otherwise `raws` (by table name) wait to be validated with the rest of
    the batch."""

    d: Delivery
    sha: str | None
    entry: dict | None = None
    raws: dict[str, RawTable] | None = None
    stamp: dict | None = None  # the file's size and modification time when it was read

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
    """Parse one file's bytes and check its structure; `same` names an earlier file with the same bytes. Any
    failure of a reader, foreseen or not, rejects this file with the error and never stops the run."""
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
    except Exception as exc:  # a reader's bug (a RecursionError, a library's own error) costs this file only
        return NewFile(d, sha, _entry(d, sha, "rejected", f"rejected: the reader failed on it: "
                                                          f"{type(exc).__name__}: {_one_line(exc)}"))
    except BaseException as exc:  # pyo3's PanicException (a Rust panic) derives from BaseException
        if type(exc).__name__ != "PanicException":
            raise
        return NewFile(d, sha, _entry(d, sha, "rejected", f"rejected: the reader crashed on it: {_one_line(exc)}"))
    return NewFile(d, sha, raws={raw.table.name: raw for raw in raws})


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


def _stamp(st: os.stat_result) -> dict:
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _open_delivery(d: Delivery) -> tuple[bytes, str, dict]:
    """(bytes, sha256, size and modification time) of a delivered file."""
    fd = os.open(d.path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise Unreadable("not a regular file")
        data = f.read()
    return data, hashlib.sha256(data).hexdigest(), _stamp(st)


def _current_sha(d: Delivery, entry: dict) -> str | None:
    """The sha256 of what is under a landed name now: the entry's own while size and modification time are
    those it recorded, else hashed again. A refused entry (a link) has none."""
    if d.refused is not None:
        return None
    fd = os.open(d.path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if entry.get("size") == st.st_size and entry.get("mtime_ns") == st.st_mtime_ns:
            return entry["sha256"]
        return hashlib.file_digest(f, "sha256").hexdigest()


def _conflict(d: Delivery, sha: str | None, reason: str) -> dict:
    return _entry(d, sha, "conflict", f"conflict: {reason}; nothing of it lands until an operator resolves it "
                                      "(a corrected delivery comes as a new _NN)")


def _sort_out(current: list[Delivery], done: dict[str, dict]) -> tuple[list[Delivery], dict[str, dict]]:
    """(files to land, conflicts by name). A name with an entry is landed again only when it was rejected or
    a duplicate and its content changed; changed content under a loaded or held name is a conflict."""
    new, conflicts = [], {}
    for d in current:
        entry = done.get(d.name)
        if entry is None:
            new.append(d)
            continue
        try:
            sha = _current_sha(d, entry)
        except OSError as exc:  # gone or unreadable since it was listed: it is looked at again next run
            conflicts[d.name] = _conflict(d, None, f"cannot be read again to compare with what landed ({exc})")
            continue
        if sha == entry["sha256"]:
            continue
        if entry["status"] in LANDED_STATUSES:
            conflicts[d.name] = _conflict(
                d, sha, f"its content (sha256 {sha[:12] if sha else 'none: ' + str(d.refused)}) differs from what "
                        f"{entry['status']} under this name (sha256 {entry['sha256'][:12]})")
        else:
            new.append(d)
    return new, conflicts


def _batches(new: list[Delivery], done: dict[str, dict]) -> Iterator[list[NewFile]]:
    """The new files read in delivery order, in consecutive batches of at most `BATCH_ROWS` rows (a bigger file
    is a batch of its own). A byte-identical file is a duplicate of the first file with its bytes, landed
    earlier (`done`) or read before it in this call. A second file for a delivery id that already landed (or
    that an earlier file of this call claims) is a conflict."""
    first_with_sha = {}
    for e in done.values():
        if e["sha256"] is not None:
            first_with_sha.setdefault(e["sha256"], e["file"])
    claimed = {_delivery_id(e): e["file"] for e in done.values() if e["status"] in LANDED_STATUSES}
    batch: list[NewFile] = []
    batch_rows = 0
    for d in new:
        new_file = _intake(d, first_with_sha, claimed)
        rows = new_file.rows
        if batch and (batch_rows + rows > BATCH_ROWS or _self_resolving(d.feed)):
            yield batch
            batch, batch_rows = [], 0
        batch.append(new_file)
        batch_rows += rows
    if batch:
        yield batch


def _delivery_id(entry: dict) -> str:
    return f"{entry['delivery_date'].replace('-', '')}_{entry['delivery_seq']:02d}"


def _intake(d: Delivery, first_with_sha: dict[str, str], claimed: dict[str, str]) -> NewFile:
    """One new file: refused, unreadable, a duplicate, a conflict, or read and checked for structure."""
    if d.refused is not None:
        return NewFile(d, None, _entry(d, None, "rejected", d.refused))
    try:
        data, sha, stamp = _open_delivery(d)
    except (OSError, Unreadable) as exc:
        return NewFile(d, None, _entry(d, None, "rejected", f"rejected: cannot be read: {exc}"))
    same = first_with_sha.get(sha)
    if same is None and d.delivery_id in claimed:
        return NewFile(d, sha, _conflict(d, sha, f"delivery {d.delivery_id} already landed as "
                                                 f"{claimed[d.delivery_id]}"))
    new_file = _read(d, data, sha, same)
    del data  # the parsed frames are what the batch keeps
    new_file.stamp = stamp
    first_with_sha.setdefault(sha, d.name)
    if same is None:
        claimed.setdefault(d.delivery_id, d.name)
    return new_file


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
    file compares with the last delivery landed before it, in this batch or earlier. A conflict's entry goes
    to the conflicts folder, never to the manifest."""
    checked = _validate(home, feed, batch, as_of)
    entries = []
    for r in batch:
        entry = r.entry
        if entry is None:
            held = _shrink_reason(done, r.d, checked[r.d.name])
            entry = (_entry(r.d, r.sha, "held", held, rows_read=_rows_read(r, checked[r.d.name])) if held
                     else _land_checked(home, r, checked[r.d.name], hints))
        elif entry["status"] == "duplicate":
            entry["rows_read"] = done.get(entry["duplicate_of"], {}).get("rows_read", 0)
        entry.update(r.stamp or {})
        if entry["status"] == "conflict":
            _write_json(entry, conflicts_dir(home, feed) / f"{r.d.name}.json")
        else:
            _write_json(entry, manifest_dir(home, feed) / f"{r.d.name}.json")
            done[r.d.name] = entry
        entries.append(entry)
    return entries


def _rows_read(r: NewFile, checked: list[Checked]) -> int:
    """Rows the file delivered: validated ones plus those its reader set aside."""
    return sum(c.rows_read for c in checked) + _reader_rejected(r).height


def _reader_rejected(r: NewFile) -> pl.DataFrame:
    """Rows the reader could not split (table, line, reason, raw)."""
    frames = [raw.rejected_rows for raw in (r.raws or {}).values() if raw.rejected_rows is not None]
    return pl.concat(frames) if frames else pl.DataFrame(schema=REJECTED_ROW_SCHEMA)


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
        for name, dtype in lake_schema(c.table).items()
    )


def _quarantine_frame(checked: list[Checked], d: Delivery, reader_rejected: pl.DataFrame) -> pl.DataFrame:
    frames = [c.quarantined for c in checked if c.quarantined.height]
    if reader_rejected.height:  # a CSV's (one table): its rows take their place in line order
        frames = [pl.concat([*frames, reader_rejected], how="vertical_relaxed").sort("line", maintain_order=True)]
    if not frames:
        return pl.DataFrame(schema=QUARANTINE_SCHEMA)
    return pl.concat(frames).select(
        pl.lit(d.feed.agency).alias("agency"), pl.lit(d.feed.dataset).alias("dataset"), "table",
        pl.lit(d.source_file).alias("file"), "line", "reason", "raw",
        pl.lit(d.delivered).alias("delivery_date"), pl.lit(d.seq, dtype=pl.Int32).alias("delivery_seq"),
    ).cast(QUARANTINE_SCHEMA)


def _land_checked(home: Path, r: NewFile, checked: list[Checked], hints: dict[str, dict]) -> dict:
    """Write the file's lake parts and quarantine; its manifest entry (and, in `hints`, where its quarantined
    rows went and the first reasons, for the summary)."""
    d, sha = r.d, r.sha
    tables, loaded, unresolved = {}, 0, 0
    for c in checked:
        part = table_dir(home, c.table) / f"delivery={d.delivery_id}" / f"part-{sha[:12]}.parquet"
        _write_parquet(_stamped(c, d, sha), part)
        tables[c.table.name] = c.landed.height
        nulls = c.landed["uscc"].null_count()
        loaded, unresolved = loaded + c.landed.height - nulls, unresolved + nulls
    quarantined = _quarantine_frame(checked, d, _reader_rejected(r))
    if quarantined.height:
        path = quarantine_dir(home, d.feed) / f"{d.name}.parquet"
        _write_parquet(quarantined, path)
        hints[d.name] = {"quarantine_file": str(path), "first_reasons": [
            f"line {line}: {reason}" for line, reason in quarantined.head(3).select("line", "reason").iter_rows()]}
    warnings = [w for c in checked for w in c.warnings]
    return _entry(
        d, sha, "loaded", rows_read=_rows_read(r, checked), rows_loaded=loaded,
        rows_quarantined=quarantined.height, rows_unresolved=unresolved, tables=tables,
        warnings=warnings[:MAX_WARNINGS], warning_count=len(warnings),
    )


def conflicts_dir(home: Path, feed: Feed) -> Path:
    return manifest_dir(home, feed) / "_conflicts"


def _write_conflicts(home: Path, feed: Feed, conflicts: dict[str, dict]) -> None:
    """The feed's conflicts now: written afresh, and those resolved since the last run removed."""
    folder = conflicts_dir(home, feed)
    for name, entry in conflicts.items():
        _write_json(entry, folder / f"{name}.json")
    for path in folder.glob("*.json"):
        if path.name.removesuffix(".json") not in conflicts:
            path.unlink()


def _remove_stale_temporaries(home: Path, feed: Feed) -> None:
    """Temporary files a killed run left in this feed's folders (no other process writes them: one run per
    home, one landing per feed)."""
    folders = [manifest_dir(home, feed), conflicts_dir(home, feed), quarantine_dir(home, feed)]
    folders += [p for t in feed.tables for p in table_dir(home, t).glob("delivery=*")]
    for folder in folders:
        for path in folder.glob(".*.tmp"):
            path.unlink(missing_ok=True)


def land_feed(feed_id: str, inbox: Path, home: Path, as_of: str) -> dict:
    """Land one feed's deliveries dated on or before `as_of`, in delivery order; already landed files are
    skipped, new ones are validated in batches. Returns `{"feed_id", "files": [manifest entries], "seconds",
    ...}` (small, JSON-serializable)."""
    began = time.perf_counter()
    feed, inbox, home = registry.get_feed(feed_id), Path(inbox), Path(home)
    as_of = as_of if isinstance(as_of, str) else as_of.isoformat()  # a date works too
    _ensure_tables(home, list(feed.tables))
    manifest_dir(home, feed).mkdir(parents=True, exist_ok=True)
    # One landing per feed at a time, whoever starts it (a run, an Airflow task): a second waits, then finds
    # the files landed. The kernel releases the lock of a killed process.
    with FileLock(manifest_dir(home, feed) / LANDING_LOCK), workbook_reader():
        _remove_stale_temporaries(home, feed)
        done = manifests(home, feed)
        found = deliveries(feed, inbox)
        current = [d for d in found if d.delivered.isoformat() <= as_of]
        new, conflicts = _sort_out(current, done)
        landed: dict[str, dict] = {}
        hints: dict[str, dict] = {}
        for batch in _batches(new, done):
            landed.update((e["file"], e) for e in _land_batch(home, feed, batch, as_of, done, hints))
        conflicts.update((name, e) for name, e in landed.items() if e["status"] == "conflict")
        _write_conflicts(home, feed, conflicts)
    files = [
        conflicts[d.name] if d.name in conflicts
        else {**landed[d.name], **hints.get(d.name, {})} if d.name in landed
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
    entry = _land_checked(home, new_file, checked[d.name], {})
    entry.update(_stamp(path.stat()))
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
