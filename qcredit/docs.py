"""Render the reference parts of docs/ from the data they describe, so the documentation cannot drift.

`docs/rules.md` shows every reason code and signal from the seed `dbt_project/seeds/criteria.csv`, with each
window's value and each weight from `dbt_project/seeds/grading_policy.csv`; `docs/feeds.md` shows every
declared dataset from the feed registry (`ingest/feeds/`). Only the blocks between
`<!-- generated:NAME -->` and `<!-- /generated:NAME -->` are written; the prose around them is hand-written.
`python -m qcredit.docs` rewrites the blocks; `python -m qcredit.docs --check` exits 1 when one is stale
(`make test` runs it, as it does `qcredit.dbt_sources --check`).
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ingest import registry
from ingest.paths import FEEDS_DIR, PROJECT_ROOT

DOCS_DIR = PROJECT_ROOT / "docs"
SEEDS_DIR = PROJECT_ROOT / "dbt_project" / "seeds"
CRITERIA_CSV = SEEDS_DIR / "criteria.csv"
POLICY_CSV = SEEDS_DIR / "grading_policy.csv"
CODE_SETS_CSV = SEEDS_DIR / "grading_code_sets.csv"

# Contract C1: the columns of the criteria seed, in order.
CRITERIA_COLUMNS = ("code", "kind", "level", "title_zh", "title_en", "reads", "window")
LEVELS = ("A", "B", "C", "D")
# Reason codes are grouped by the level whose criterion they are (the letter of the code), in the order a level
# is decided: D first, then C, then the criteria of A and B.
CODE_FAMILIES = {
    "D": "D criteria, seriously untrustworthy (严重失信): any one makes D",
    "C": "C criteria, untrustworthy (失信): any one makes C when no D criterion holds",
    "A": "A criteria, trustworthy (守信): all must hold for A; a failed one is a reason of a B level",
    "B": "B criteria, basically trustworthy (基本守信): a failed one makes the B level provisional",
}


class DocsError(ValueError):
    """Data the docs are rendered from is not what the renderer expects, or a doc lacks its generated block."""


@dataclass(frozen=True)
class Criterion:
    code: str
    kind: str  # reason or signal
    level: str  # the level a reason code leads to; empty for a signal
    title_zh: str
    title_en: str
    reads: tuple[str, ...]  # feed ids
    window: str  # grading_policy parameter of its window, or empty


@dataclass(frozen=True)
class PolicyParameter:
    name: str
    value: str
    unit: str
    description: str


def read_csv_rows(path: Path, columns: Iterable[str]) -> list[dict[str, str]]:
    """The rows of a seed, after checking that its header has the columns the docs rely on."""
    if not path.exists():
        raise DocsError(f"{path} is missing: the docs are rendered from it")
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in columns if c not in (reader.fieldnames or ())]
        if missing:
            raise DocsError(f"{path}: columns {missing} are missing (header: {reader.fieldnames})")
        return list(reader)


def load_criteria(path: Path | None = None) -> list[Criterion]:
    path = path or CRITERIA_CSV
    criteria = []
    for line, row in enumerate(read_csv_rows(path, CRITERIA_COLUMNS), start=2):
        if row["kind"] not in ("reason", "signal"):
            raise DocsError(f"{path}:{line}: kind {row['kind']!r} is neither reason nor signal")
        if row["kind"] == "reason" and row["level"] not in LEVELS:
            raise DocsError(f"{path}:{line}: reason {row['code']} leads to level {row['level']!r}, not A-D")
        criteria.append(
            Criterion(
                code=row["code"],
                kind=row["kind"],
                level=row["level"],
                title_zh=row["title_zh"],
                title_en=row["title_en"],
                reads=tuple(r.strip() for r in row["reads"].split(";") if r.strip()),
                window=row["window"].strip(),
            )
        )
    return criteria


def load_policy(path: Path | None = None) -> dict[str, PolicyParameter]:
    path = path or POLICY_CSV
    rows = read_csv_rows(path, ("parameter", "value", "unit", "description"))
    return {r["parameter"]: PolicyParameter(r["parameter"], r["value"], r["unit"], r["description"]) for r in rows}


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: Iterable[list[str]], align_right: Iterable[int] = ()) -> list[str]:
    right = set(align_right)
    lines = ["| " + " | ".join(header) + " |"]
    lines.append("|" + "|".join("---:" if i in right else "---" for i in range(len(header))) + "|")
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def _window_text(parameter: str, policy: dict[str, PolicyParameter], where: str) -> str:
    if not parameter:
        return "at T"
    if parameter not in policy:
        raise DocsError(f"{where}: window {parameter!r} is not a parameter of {POLICY_CSV.name}")
    p = policy[parameter]
    unit = p.unit[:-1] if p.value == "1" and p.unit.endswith("s") else p.unit
    return f"{p.value} {unit} (`{parameter}`)"


def _reads_text(reads: tuple[str, ...], feeds: dict[str, registry.Feed], where: str) -> str:
    unknown = [r for r in reads if r not in feeds]
    if unknown:
        raise DocsError(f"{where}: reads {unknown}, which the feed registry does not declare")
    return ", ".join(f"`{r}`" for r in reads)


def render_reason_codes(criteria: list[Criterion], policy: dict[str, PolicyParameter],
                        feeds: dict[str, registry.Feed]) -> str:
    reasons = [c for c in criteria if c.kind == "reason"]
    unplaced = [c.code for c in reasons if c.code.split(".")[0] not in CODE_FAMILIES]
    if unplaced:
        raise DocsError(f"criteria: reason codes {unplaced} are not the criterion of a level A-D")
    lines: list[str] = []
    for family, heading in CODE_FAMILIES.items():
        in_family = [c for c in reasons if c.code.startswith(f"{family}.")]
        if not in_family:
            continue
        lines += ["", f"#### {heading}", ""]
        lines += _table(
            ["code", "中文", "meaning", "leads to", "reads", "window"],
            (
                [f"`{c.code}`", c.title_zh, c.title_en, c.level, _reads_text(c.reads, feeds, f"criteria {c.code}"),
                 _window_text(c.window, policy, f"criteria {c.code}")]
                for c in in_family
            ),
        )
    return "\n".join(lines[1:])


def render_signals(criteria: list[Criterion], policy: dict[str, PolicyParameter],
                   feeds: dict[str, registry.Feed]) -> str:
    signals = [c for c in criteria if c.kind == "signal"]

    def points(code: str) -> str:
        weight = policy.get(f"weight_{code}")
        return f"{weight.value} (`{weight.name}`)" if weight else ""

    return "\n".join(
        _table(
            ["signal", "中文", "meaning", "reads", "window", "risk points"],
            (
                [f"`{c.code}`", c.title_zh, c.title_en, _reads_text(c.reads, feeds, f"criteria {c.code}"),
                 _window_text(c.window, policy, f"criteria {c.code}"), points(c.code)]
                for c in signals
            ),
        )
    )


def render_policy(policy: dict[str, PolicyParameter]) -> str:
    return "\n".join(
        _table(["parameter", "value", "unit", "what it sets"],
               ([f"`{p.name}`", p.value, p.unit, p.description] for p in policy.values()), align_right=[1])
    )


def render_code_sets(path: Path | None = None) -> str:
    path = path or CODE_SETS_CSV
    sets: dict[str, list[str]] = {}
    descriptions: dict[str, list[str]] = {}
    for row in read_csv_rows(path, ("code_set", "code", "description")):
        sets.setdefault(row["code_set"], []).append(row["code"])
        if row["description"] not in descriptions.setdefault(row["code_set"], []):
            descriptions[row["code_set"]].append(row["description"])
    return "\n".join(
        _table(["code set", "codes", "used for"],
               ([f"`{name}`", ", ".join(f"`{c}`" for c in codes), "; ".join(descriptions[name])]
                for name, codes in sets.items()))
    )


def project_feeds() -> dict[str, registry.Feed]:
    """The feeds declared in the repository (not those added through QCREDIT_EXTRA_FEEDS)."""
    return {fid: f for fid, f in registry.load_registry().items() if f.declaration.is_relative_to(FEEDS_DIR)}


def _identifier_text(ident: registry.Identifier) -> str:
    text = f"`{ident.column}` ({', '.join(ident.kinds)})"
    if ident.resolve_via:
        text += f", resolved through `{ident.resolve_via}`"
    if ident.when_blank:
        text += f"; when empty, {_identifier_text(ident.when_blank)}"
    return text


def _range_text(rng: tuple[float | None, float | None] | None) -> str:
    if not rng:
        return ""
    low, high = ("" if v is None else f"{v:g}" for v in rng)
    return f"{low} to {high}" if low and high else (f">= {low}" if low else f"<= {high}")


def _values_text(column: registry.Column) -> str:
    if column.values:
        return ", ".join(f"`{v}`" for v in column.values)
    if column.lookup:
        return f"lookup `{column.lookup}`"
    return ""


def _notes_text(column: registry.Column, table: registry.Table) -> str:
    notes = []
    if column.pattern:
        notes.append(f"pattern `{column.pattern}`")
    if column.formats:
        notes.append("formats " + ", ".join(f"`{f}`" for f in column.formats))
    if column.not_after_delivery:
        notes.append("not after the delivery date")
    if column.optional:
        notes.append("header may lack it")
    if column.name in table.personal_columns:
        notes.append("personal: stays in the lake")
    if column.fields:
        notes.append("each element: " + ", ".join(f"`{f.name}`" for f in column.fields))
    return "; ".join(notes)


def _column_rows(columns: Iterable[registry.Column], table: registry.Table, prefix: str = "") -> list[list[str]]:
    rows = []
    for c in columns:
        rows.append([f"`{prefix}{c.source}`", f"`{prefix}{c.name}`", c.type, "yes" if c.required else "",
                     _values_text(c), _range_text(c.range), _notes_text(c, table)])
        rows += _column_rows(c.fields, table, prefix=f"{prefix}{c.name}[].")
    return rows


def _table_text(table: registry.Table) -> list[str]:
    facts = []
    facts.append(f"- key: {', '.join(f'`{k}`' for k in table.key) or 'none'}")
    facts.append(f"- identifier: {_identifier_text(table.identifier)}")
    if table.hold_if_below is not None:
        facts.append(f"- held for review when a delivery has under {table.hold_if_below:g} times the rows of the "
                     "previous one")
    return [*facts, "", *_table(["source header", "name", "type", "required", "values", "range", "notes"],
                                _column_rows(table.columns, table))]


def _format_text(feed: registry.Feed) -> str:
    """A workbook has no text encoding of its own; CSV and JSON Lines files do."""
    return "xlsx workbook" if feed.format == "xlsx" else f"{feed.format}, encoding `{feed.encoding}`"


def render_feeds(feeds: dict[str, registry.Feed]) -> str:
    lines: list[str] = []
    for feed in feeds.values():
        publisher = feed.publisher.get("name_en") or feed.publisher.get("name") or ""
        if feed.publisher.get("name") and feed.publisher.get("name_en"):
            publisher += f" ({feed.publisher['name']})"
        lines += [
            "",
            f"### `{feed.feed_id}`: {feed.title}",
            "",
            *([f"- publisher: {publisher}"] if publisher else []),
            f"- file: `{feed.agency}/{feed.file_pattern}`, {_format_text(feed)}",
            f"- mode: {feed.mode}",
            f"- dates: {', '.join(f'`{f}`' for f in feed.date_formats)}",
            f"- declaration `{feed.declaration.relative_to(PROJECT_ROOT)}`, expectations "
            f"`expectations/{feed.expectations}.json`, staging `{feed.staging_model}`",
        ]
        for table in feed.tables:
            if table.sheet:
                lines += ["", f"#### Sheet `{table.sheet}`: lake table `{table.name}`", ""]
            lines += _table_text(table)
        for name, mapping in feed.lookups.items():
            lines += ["", f"Lookup `{name}` (delivered value, after NFKC and trim, to code):", ""]
            lines += _table(["delivered", "code"], ([f"`{raw}`", f"`{code}`"] for raw, code in mapping.items()))
    return "\n".join(lines[1:])


def generated_blocks() -> dict[Path, dict[str, Callable[[], str]]]:
    """Each doc with a generated block, and how to render each of its blocks."""

    def rules_parts() -> tuple[list[Criterion], dict[str, PolicyParameter], dict[str, registry.Feed]]:
        return load_criteria(), load_policy(), project_feeds()

    return {
        DOCS_DIR / "rules.md": {
            "reason-codes": lambda: render_reason_codes(*rules_parts()),
            "signals": lambda: render_signals(*rules_parts()),
            "policy": lambda: render_policy(load_policy()),
            "code-sets": lambda: render_code_sets(),
        },
        DOCS_DIR / "feeds.md": {"datasets": lambda: render_feeds(project_feeds())},
    }


def with_block(text: str, name: str, body: str, where: Path) -> str:
    """`text` with the block between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->` set to `body`."""
    begin, end = f"<!-- generated:{name} -->", f"<!-- /generated:{name} -->"
    if text.count(begin) != 1 or text.count(end) != 1 or text.index(begin) > text.index(end):
        raise DocsError(f"{where} needs one '{begin}' line followed by one '{end}' line")
    head, rest = text.split(begin)
    _, tail = rest.split(end)
    return f"{head}{begin}\n{body}\n{end}{tail}"


def render_all() -> dict[Path, str]:
    """Path -> the doc's text with every generated block current."""
    out = {}
    for path, blocks in generated_blocks().items():
        if not path.exists():
            raise DocsError(f"{path} is missing")
        text = path.read_text(encoding="utf-8")
        for name, render in blocks.items():
            text = with_block(text, name, render(), path)
        out[path] = text
    return out


def stale_files() -> list[Path]:
    return [path for path, text in render_all().items() if path.read_text(encoding="utf-8") != text]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a generated block is out of date")
    args = parser.parse_args(argv)
    try:
        if args.check:
            stale = stale_files()
            for path in stale:
                print(f"out of date: {path} (run python -m qcredit.docs)", file=sys.stderr)
            return 1 if stale else 0
        for path, text in render_all().items():
            if path.read_text(encoding="utf-8") != text:
                path.write_text(text, encoding="utf-8")
                print(path)
    except DocsError as e:
        print(f"qcredit.docs: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
