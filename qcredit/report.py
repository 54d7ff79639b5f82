"""The run's report: what this night brought, and, apart from it, what is still open from earlier nights.

A night is what one run found: the files it landed, rejected or held, the rows it quarantined, the names in the
inbox it ignored (and why), what is still arriving or dated after the as-of date. What earlier nights left open
(held snapshots awaiting review, conflicts) is listed on its own with the date it has been open since, and is
never counted again as news. The same report feeds the terminal (`describe`), `run_summary.json` (small: this
run's files, totals for the rest) and `files_needing_attention.csv` in the date's exports (one row per thing a
person should look at, with what to do).
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from ingest import registry
from ingest.inbox import ignored_names
from qcredit.exports import FORMULA_TRIGGERS

# Statuses that wait for a person (`qcredit release` / `qcredit reject` close a held file).
OPEN_STATUSES = ("held", "conflict")
ROW_COUNTS = ("rows_read", "rows_loaded", "rows_quarantined", "rows_unresolved")
FILE_FIELDS = ("agency", "dataset", "file", "delivery_date", "status", "reason", *ROW_COUNTS, "warning_count")
MAX_LISTED = 50  # names listed in run_summary.json per section; the CSV and the counts have them all
ATTENTION_COLUMNS = ("agency", "dataset", "file", "status", "new_tonight", "delivery_date", "rows", "reason",
                     "what_to_do")


def night(landed: list[dict] | None, manifest: list[dict], inbox: Path | None,
          reported_before: dict[str, str] | None = None) -> dict:
    """The report of one run. `landed` is what the run's landing returned (None when the step did not land:
    then nothing counts as new); `manifest` is every manifest entry dated on or before the as-of date;
    `reported_before` the ignored inbox names an earlier run reported, with the as-of date it first did
    (`remember_ignored`): they are still open, not news."""
    results = landed or []
    new = [e for r in results for e in r["files"] if not e.get("already_landed")]
    new_names = {(e["agency"], e["dataset"], e["file"]) for e in new}
    earlier_open = [e for e in manifest
                    if e["status"] in OPEN_STATUSES and (e["agency"], e["dataset"], e["file"]) not in new_names]
    ignored, arriving = ignored_names(inbox) if inbox is not None and inbox.is_dir() else ([], [])
    since = reported_before or {}
    earlier_ignored = [i for i in ignored if i["path"] in since]
    ignored = [i for i in ignored if i["path"] not in since]
    deferred = [f"{r['feed_id'].split('/')[0]}/{name}" for r in results for name in r.get("deferred", ())]
    return {
        "landing_reported": landed is not None,
        "files": [{key: e.get(key) for key in FILE_FIELDS} for e in new],
        "rows": {key.removeprefix("rows_"): sum(e.get(key) or 0 for e in new) for key in ROW_COUNTS},
        "statuses": dict(sorted(Counter(e["status"] for e in new).items())),
        "ignored": ignored,
        "still_arriving": arriving,
        "dated_after_as_of": len(deferred),
        "still_open": [{**{key: e.get(key) for key in ("agency", "dataset", "file", "status", "reason")},
                        "since": e["delivery_date"], **({"superseded": True} if _superseded(e, manifest) else {})}
                       for e in earlier_open] + [
                       {"agency": i["path"].rpartition("/")[0], "dataset": "", "file": i["path"].rpartition("/")[2],
                        "status": "ignored", "reason": i["why"], "since": since[i["path"]]}
                       for i in earlier_ignored],
        "totals": {
            "files": dict(sorted(Counter(e["status"] for e in manifest).items())),
            "rows": {key.removeprefix("rows_"): sum(e.get(key) or 0 for e in manifest) for key in ROW_COUNTS},
        },
        "broken_declarations": [{"declaration": str(path), "error": error}
                                for path, error in registry.broken_declarations().items()],
    }


IGNORED_RECORD = "ignored_names.json"  # in <home>/logs/: inbox names already reported, with the date first reported


def remember_ignored(home: Path, inbox: Path, as_of: str) -> dict[str, str]:
    """The names the inbox holds without landing them that an earlier run reported, with the as-of date it
    first did; records tonight's new ones as first reported on `as_of`, and forgets names no longer there."""
    import json

    record = home / "logs" / IGNORED_RECORD
    try:
        known = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    ignored, _ = ignored_names(inbox) if inbox.is_dir() else ([], [])
    since = {i["path"]: known.get(i["path"], as_of) for i in ignored}
    record.parent.mkdir(parents=True, exist_ok=True)
    tmp = record.with_name(f".{record.name}.tmp")
    tmp.write_text(json.dumps(since, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    tmp.replace(record)
    return {path: day for path, day in since.items() if path in known}


def _superseded(entry: dict, manifest: list[dict]) -> bool:
    """A held snapshot that a later delivery of its feed has since replaced: still open, but no longer the
    feed's current state."""
    return any(e["status"] == "loaded" and (e["agency"], e["dataset"]) == (entry["agency"], entry["dataset"])
               and (e["delivery_date"], e["delivery_seq"]) > (entry["delivery_date"], entry["delivery_seq"])
               for e in manifest)


def for_summary(report: dict) -> dict:
    """The report as run_summary.json keeps it: every file of this run, long name lists cut to `MAX_LISTED`
    with their counts."""
    out = dict(report)
    for key in ("ignored", "still_arriving", "still_open"):
        out[f"{key}_count"] = len(report[key])
        out[key] = report[key][:MAX_LISTED]
    return out


# -- files_needing_attention.csv -------------------------------------------------------------------------


def attention_rows(report: dict) -> list[dict]:
    """One row per thing a person should look at: tonight's first, then what earlier nights left open."""
    rows = []
    for f in report["files"]:
        when = f["delivery_date"]
        if f["status"] in ("rejected", *OPEN_STATUSES):
            rows.append(_row(f, f["status"], True, when, f["rows_read"], f["reason"]))
        if f.get("rows_quarantined"):
            rows.append(_row(f, "quarantined_rows", True, when, f["rows_quarantined"],
                             f"{f['rows_quarantined']} rows failed validation"))
    for kind, entries in (("ignored", report["ignored"]), ("still_arriving", report["still_arriving"])):
        for item in entries:
            agency, _, file = item["path"].rpartition("/")
            rows.append({"agency": agency, "dataset": "", "file": file, "status": kind, "new_tonight": True,
                         "delivery_date": "", "rows": "", "reason": item["why"], "what_to_do": WHAT_TO_DO[kind]})
    for item in report["broken_declarations"]:
        rows.append({"agency": "", "dataset": "", "file": item["declaration"], "status": "broken_declaration",
                     "new_tonight": True, "delivery_date": "", "rows": "", "reason": item["error"],
                     "what_to_do": WHAT_TO_DO["broken_declaration"]})
    for item in report["still_open"]:
        reason = item["reason"] + (" (a later delivery has since landed)" if item.get("superseded") else "")
        if item["status"] == "ignored":  # never delivered: no delivery date, but known since a night
            rows.append(_row(item, "ignored", False, "", "", f"{reason} (reported since {item['since']})"))
        else:
            rows.append(_row(item, item["status"], False, item["since"], "", reason))
    return rows


WHAT_TO_DO = {
    "rejected": "fix the file with the agency and deliver it again under the next _NN name",
    "held": "review it, then `qcredit release {path} --reason ...` or `qcredit reject {path} --reason ...`",
    "conflict": "compare it with the landed file of the same name; ask the agency which one holds",
    "quarantined_rows": "see quarantine.csv for each row's line and reason",
    "ignored": "rename or move it to <agency>/<dataset>_<YYYYMMDD>[_NN].<ext> if it is a delivery",
    "still_arriving": "nothing: it lands on the first run after its upload completes",
    "broken_declaration": "fix the declaration; its feed lands on the next run",
}


def _row(item: dict, status: str, new: bool, delivery_date: str, rows: object, reason: str | None) -> dict:
    path = f"{item['agency']}/{item['file']}"
    return {"agency": item["agency"], "dataset": item["dataset"], "file": item["file"], "status": status,
            "new_tonight": new, "delivery_date": delivery_date, "rows": rows, "reason": reason or "",
            "what_to_do": WHAT_TO_DO[status].format(path=path)}


def write_attention(out_dir: Path, rows: list[dict]) -> Path:
    """files_needing_attention.csv in a date's exports folder (written to a temporary name, then renamed)."""
    target = out_dir / "files_needing_attention.csv"
    tmp = target.with_name(f".{target.name}.tmp")
    with tmp.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, ATTENTION_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(v) for k, v in row.items()})
    tmp.replace(target)
    return target


def _cell(value: object) -> object:
    """Booleans as OUTPUTS.md writes them; a text cell a spreadsheet would run as a formula is quoted, since
    file names come from outside."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


# -- the terminal ----------------------------------------------------------------------------------------


def describe(summary: dict, limit: int = 10) -> str:
    """The run for a person at a terminal: grades, then this night, then what is still open."""
    levels = ", ".join(f"{k} {v}" for k, v in summary["levels"].items())
    actions = ", ".join(f"{k} {v}" for k, v in summary["risk_actions"].items()) or "none"
    rows, totals = summary["rows"], summary["totals"]
    lines = [
        f"graded {summary['graded_enterprises']} enterprises as of {summary['as_of']} "
        f"(ruleset {summary['ruleset_version']}): {levels}",
        f"risk warnings: {actions}; public A list {summary['public_a']}, public D list {summary['public_d']}, "
        f"D pending review {summary['d_review_queue']}",
    ]
    if summary.get("landing_reported", True):
        statuses = ", ".join(f"{n} {s}" for s, n in summary["statuses"].items()) or "none"
        lines.append(f"this night: {len(summary['files'])} new files ({statuses}); rows read {rows['read']}: "
                     f"loaded {rows['loaded']}, quarantined {rows['quarantined']}, unresolved {rows['unresolved']}")
    needs_attention = [f for f in summary["files"] if f["status"] in ("rejected", *OPEN_STATUSES)]
    lines += [f"  {f['status']}: {f['agency']}/{f['file']}: {f['reason']}" for f in needs_attention[:limit]]
    if len(needs_attention) > limit:
        lines.append(f"  ... and {len(needs_attention) - limit} more (files_needing_attention.csv)")
    lines += _listed("ignored", summary["ignored"], summary.get("ignored_count"), limit)
    lines += _listed("still arriving", summary["still_arriving"], summary.get("still_arriving_count"), limit)
    if summary["dated_after_as_of"]:
        lines.append(f"dated after {summary['as_of']}, left for a later run: {summary['dated_after_as_of']} files")
    for item in summary["broken_declarations"]:
        lines.append(f"broken feed declaration {item['declaration']}: {item['error']}")
    still_open = summary["still_open"]
    if still_open:
        lines.append(f"still open from earlier nights: {summary.get('still_open_count', len(still_open))}")
        lines += [f"  {i['status']} since {i['since']}: {'/'.join(filter(None, (i['agency'], i['file'])))}"
                  + (" (a later delivery has since landed)" if i.get("superseded") else "")
                  for i in still_open[:limit]]
    counts = ", ".join(f"{n} {s}" for s, n in totals["files"].items())
    lines.append(f"since the home began: {counts}; {totals['rows']['read']} rows read")
    lines.append(f"exports: {summary['exports']}")
    return "\n".join(lines)


def _listed(title: str, items: list[dict], count: int | None, limit: int) -> list[str]:
    if not items:
        return []
    count = count or len(items)
    lines = [f"{title}: {count} names"] + [f"  {i['path']}: {i['why']}" for i in items[:limit]]
    if count > limit:
        lines.append(f"  ... and {count - limit} more (files_needing_attention.csv)")
    return lines
