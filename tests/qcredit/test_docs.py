"""docs/ and the README stay true: generated references match their data, every export column and every
subcommand is documented, every link resolves, and the README stays a front page."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from ingest import registry
from qcredit import docs
from qcredit.cli import build_parser

ROOT = docs.PROJECT_ROOT
README = ROOT / "README.md"
EXPORT_MODELS = ROOT / "dbt_project" / "models" / "marts" / "exports"

# The oracle: the codes of the regulator's rules (RULES.md), fixed whatever the policy's numbers.
RULE_CODES = {
    *(f"D.{n}" for n in range(1, 9)), "D.H",
    *(f"C.{n}" for n in range(1, 9)), "C.H",
    *(f"A.{n}" for n in range(1, 9)),
    "B.1", "B.3",
}
SIGNALS = {"bank_npl", "bank_watch", "tax_d", "tax_c", "commerce_abnormal", "commerce_serious", "customs_untrusted"}


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


# --- generated references -------------------------------------------------------------------------------------


def test_the_generated_parts_of_docs_are_current() -> None:
    assert docs.stale_files() == [], "run `python -m qcredit.docs`"


def test_the_criteria_seed_holds_every_code_and_signal_of_the_rules_once() -> None:
    criteria = docs.load_criteria()
    codes = [c.code for c in criteria]
    assert len(codes) == len(set(codes)), "a code is listed twice in criteria.csv"
    assert {c.code for c in criteria if c.kind == "reason"} == RULE_CODES
    assert {c.code for c in criteria if c.kind == "signal"} == SIGNALS
    for c in criteria:
        assert c.title_zh and c.title_en and c.reads, f"{c.code} lacks a meaning or the data it reads"
        if c.kind == "reason":
            # a D or C criterion that holds makes that level; a failed A or B criterion leaves the enterprise B
            assert c.level == {"D": "D", "C": "C"}.get(c.code[0], "B"), f"{c.code} leads to level {c.level}"


def test_every_code_the_grading_models_emit_has_a_meaning_in_the_seed() -> None:
    sql = "\n".join(_read(p) for p in (ROOT / "dbt_project" / "models").rglob("*.sql"))
    emitted = set(re.findall(r"'([ABCD]\.(?:\d|H))'", sql))
    assert emitted, "no reason code literal found in the models: update this test to where codes are emitted"
    assert emitted <= {c.code for c in docs.load_criteria()}


def test_the_rules_reference_shows_each_code_with_both_meanings_the_feeds_it_reads_and_its_window() -> None:
    text = _read(docs.DOCS_DIR / "rules.md")
    policy = docs.load_policy()
    rows = {line.split(" | ")[0].strip("| `"): line for line in text.splitlines() if line.startswith("| `")}
    for c in docs.load_criteria():
        row = rows[c.code]
        assert c.title_zh in row and c.title_en in row
        assert all(f"`{feed}`" in row for feed in c.reads)
        if c.window:
            assert f"{policy[c.window].value} " in row and f"`{c.window}`" in row
    for p in policy.values():
        assert f"| `{p.name}` | {p.value} |" in text


def _copy_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The docs and seeds copied into tmp_path, with the renderer pointed at the copies."""
    shutil.copytree(docs.DOCS_DIR, tmp_path / "docs")
    shutil.copytree(docs.SEEDS_DIR, tmp_path / "seeds")
    monkeypatch.setattr(docs, "DOCS_DIR", tmp_path / "docs")
    monkeypatch.setattr(docs, "CRITERIA_CSV", tmp_path / "seeds" / "criteria.csv")
    monkeypatch.setattr(docs, "POLICY_CSV", tmp_path / "seeds" / "grading_policy.csv")
    monkeypatch.setattr(docs, "CODE_SETS_CSV", tmp_path / "seeds" / "grading_code_sets.csv")
    return tmp_path


def test_a_policy_edit_makes_the_check_fail_until_the_docs_are_rendered_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _copy_sources(tmp_path, monkeypatch)
    policy = tmp_path / "seeds" / "grading_policy.csv"
    policy.write_text(_read(policy).replace("y3_years,3,", "y3_years,4,"), encoding="utf-8")

    assert docs.main(["--check"]) == 1
    assert "rules.md" in capsys.readouterr().err
    assert docs.main([]) == 0
    assert docs.main(["--check"]) == 0
    rules = _read(tmp_path / "docs" / "rules.md")
    assert "| `A.1` |" in rules and "4 years (`y3_years`)" in rules
    assert "## What decides each code" in rules, "the hand-written prose around the blocks is kept"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace("quality/licences", "quality/licenses", 1), "quality/licenses"),
        (lambda t: t.replace(",y1_years", ",y2_years", 1), "y2_years"),
        (lambda t: t.replace("title_en,", "english,", 1), "title_en"),
        (lambda t: t.replace(",reason,D,", ",reason,E,", 1), "level 'E'"),
        (lambda t: t.replace("\nD.1,", "\nE.1,", 1), "E.1"),
    ],
    ids=["unknown feed", "unknown window", "missing column", "unknown level", "code of no level"],
)
def test_a_seed_the_docs_cannot_describe_is_refused_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], edit, message: str
) -> None:
    _copy_sources(tmp_path, monkeypatch)
    seed = tmp_path / "seeds" / "criteria.csv"
    seed.write_text(edit(_read(seed)), encoding="utf-8")
    before = _read(tmp_path / "docs" / "rules.md")

    assert docs.main([]) == 2
    assert message in capsys.readouterr().err
    assert _read(tmp_path / "docs" / "rules.md") == before, "nothing is written from a seed that was refused"


def test_a_doc_without_its_generated_block_is_an_error_naming_the_markers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _copy_sources(tmp_path, monkeypatch)
    feeds_md = tmp_path / "docs" / "feeds.md"
    feeds_md.write_text(_read(feeds_md).replace("<!-- /generated:datasets -->", ""), encoding="utf-8")
    with pytest.raises(docs.DocsError, match="<!-- /generated:datasets -->"):
        docs.render_all()


def test_the_feeds_reference_shows_every_declared_table_and_column() -> None:
    text = _read(docs.DOCS_DIR / "feeds.md")
    for feed in docs.project_feeds().values():
        assert f"### `{feed.feed_id}`" in text
        assert f"`{feed.agency}/{feed.file_pattern}`" in text
        for table in feed.tables:
            for column in table.columns:
                assert f"| `{column.source}` | `{column.name}` | {column.type} |" in text
        for mapping in feed.lookups.values():
            for raw, code in mapping.items():
                assert f"| `{raw}` | `{code}` |" in text


def test_a_feed_added_outside_the_repository_does_not_enter_its_docs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    extra = tmp_path / "extra" / "safety"
    extra.mkdir(parents=True)
    (extra / "checks.yml").write_text(
        "agency: safety\ndataset: checks\nformat: csv\nfile_pattern: 'checks_{YYYYMMDD}[_{NN}].csv'\n"
        "mode: events\nkey: [record_id]\nidentifier: {column: uscc, kinds: [uscc]}\n"
        "columns:\n  - {name: record_id, required: true}\n  - {name: uscc, required: true}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("QCREDIT_EXTRA_FEEDS", str(tmp_path / "extra"))
    assert "safety/checks" in registry.load_registry()
    assert "safety/checks" not in docs.project_feeds()
    assert "safety/checks" not in docs.render_feeds(docs.project_feeds())


# --- the outputs reference --------------------------------------------------------------------------------------


def _split_top_level(text: str) -> list[str]:
    items, depth, current = [], 0, ""
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            items.append(current)
            current = ""
        else:
            current += ch
    return [*items, current]


def _select_list_columns(sql: str) -> list[str]:
    """Output columns of a model in the export models' style: the last `select <columns> from <relation>`, and
    when that is `select * from <cte>`, the select list of that CTE."""
    sql = re.sub(r"\{\{.*?\}\}", "x", re.sub(r"--[^\n]*", "", sql), flags=re.S)
    selects = list(re.finditer(r"\bselect\s+(.*?)\s+from\s+(\w+)", sql, flags=re.S | re.I))
    columns, relation = selects[-1].group(1), selects[-1].group(2)
    if columns.strip() == "*":
        cte = re.search(rf"\b{relation}\s+as\s*\(\s*select\s+(.*?)\s+from\s", sql, flags=re.S | re.I)
        columns = cte.group(1) if cte else columns
    return [re.split(r"\s+as\s+", item.strip(), flags=re.I)[-1].split(".")[-1].strip('"')
            for item in _split_top_level(columns)]


def export_view_columns() -> dict[str, list[str]]:
    """Each export view's columns: from its YAML `columns` where declared (contracts), else from its SQL."""
    declared: dict[str, list[str]] = {}
    for path in EXPORT_MODELS.glob("*.yml"):
        for model in (yaml.safe_load(_read(path)) or {}).get("models", []):
            if model.get("columns"):
                declared[model["name"]] = [c["name"] for c in model["columns"]]
    return {
        sql.stem: declared.get(sql.stem) or _select_list_columns(_read(sql))
        for sql in sorted(EXPORT_MODELS.glob("*.sql"))
    }


def _sections(text: str) -> dict[str, str]:
    """`### <file>` heading -> the text under it, up to the next heading."""
    parts = re.split(r"^### (\S+)\s*$", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_the_column_reader_takes_aliases_and_keeps_function_calls_whole() -> None:
    sql = (
        "with a as (select 1),\nfinal as (\n  select\n  uscc,\n  t.name,\n"
        "  coalesce(x, 'y') as region_code,  -- why\n"
        "  {{ multiplier_text('m') }} as inspection_multiplier\n  from a\n)\nselect * from final"
    )
    assert _select_list_columns(sql) == ["uscc", "name", "region_code", "inspection_multiplier"]


def test_the_outputs_reference_describes_every_column_of_every_export_view() -> None:
    sections = _sections(_read(docs.DOCS_DIR / "outputs.md"))
    views = export_view_columns()
    assert {"enterprise_levels", "public_a_list", "public_d_list"} <= set(views)
    for view, columns in views.items():
        section = sections.get(f"{view}.csv")
        assert section is not None, f"docs/outputs.md has no '### {view}.csv' section"
        undocumented = [c for c in columns if f"`{c}`" not in section]
        assert not undocumented, f"docs/outputs.md, {view}.csv: columns {undocumented} are not described"


# --- README and links --------------------------------------------------------------------------------------------


def test_the_readme_is_a_front_page() -> None:
    text = _read(README)
    assert len(text) < 12_000, f"README.md has {len(text)} characters: move details into docs/"
    assert "make demo" in text and "make test" in text


def test_the_readme_names_every_qcredit_subcommand() -> None:
    parser = build_parser()
    subcommands = next(a for a in parser._actions if a.dest == "command").choices
    text = _read(README)
    missing = [name for name in subcommands if f"qcredit {name}" not in text]
    assert not missing, f"README.md does not show `qcredit {missing[0]}`"


def _documents() -> list[Path]:
    return [README, ROOT / "bench" / "README.md", *sorted(docs.DOCS_DIR.glob("*.md"))]


def _anchors(doc: Path) -> set[str]:
    """The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces as hyphens."""
    headings = re.findall(r"^#+ (.+)$", _read(doc), flags=re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def test_every_relative_link_in_the_readme_and_docs_resolves() -> None:
    broken = []
    for doc in _documents():
        for target in re.findall(r"\]\(([^)\s]+)\)", _read(doc)):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            linked = (doc.parent / path) if path else doc
            if not linked.exists() or (anchor and linked.suffix == ".md" and anchor not in _anchors(linked)):
                broken.append(f"{doc.relative_to(ROOT)} -> {target}")
    assert not broken, broken


def test_the_readme_links_every_page_of_docs() -> None:
    text = _read(README)
    unlinked = [p.name for p in docs.DOCS_DIR.glob("*.md") if f"](docs/{p.name}" not in text]
    assert not unlinked, f"README.md links no docs/ page named {unlinked}"
