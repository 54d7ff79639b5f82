"""Generate the dbt source declarations from the feed registry, so tables and columns are typed once.

The feed declarations (``ingest/feeds/<agency>/<dataset>.yml``) say which tables land in the lake and with which
columns; dbt reads the same tables through ``dbt_project/models/staging/<agency>/_<agency>__sources.yml``. This
module writes those files from ``ingest.registry`` (``python -m qcredit.dbt_sources``) and can check that the
committed files are current (``python -m qcredit.dbt_sources --check``, also run by ``tests/qcredit``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from ingest import registry
from ingest.lake_schema import added_columns, duckdb_type
from qcredit import settings

HEADER = """\
# GENERATED FILE: do not edit by hand.
# Written by `python -m qcredit.dbt_sources` from the feed registry (ingest/feeds/{agency}/*.yml);
# tests/qcredit/test_generated_sources.py fails when it is out of date. Change the feed declaration, then regenerate.
"""

# The home path goes into a SQL string literal: its quotes are doubled (a home may be named "o'brien").
SQL_HOME = "{{{{ env_var(\"QCREDIT_HOME\") | replace(\"'\", \"''\") }}}}"
EXTERNAL_LOCATION = "read_parquet('" + SQL_HOME + "/lake/{agency}/{table}/*/*.parquet', union_by_name=true)"


def _identifier_kinds(identifier: registry.Identifier) -> list[str]:
    """Every kind a row's identifier may have: the column's kinds, then those of its `when_blank` fallback."""
    kinds = list(identifier.kinds)
    if identifier.when_blank:
        kinds += [k for k in _identifier_kinds(identifier.when_blank) if k not in kinds]
    return kinds


def _column_description(column: registry.Column) -> str:
    parts = [f"delivered as `{column.source}`"] if column.source != column.name else []
    if column.values:
        parts.append("one of " + ", ".join(column.values))
    if column.lookup:
        parts.append(f"canonical code (lookup `{column.lookup}`)")
    if column.required:
        parts.append("required")
    return "; ".join(parts) or "as delivered"


def source_document(agency: str, feeds: list[registry.Feed]) -> dict:
    tables = []
    for feed in feeds:
        for table in feed.tables:
            columns = [
                {
                    "name": c.name,
                    "data_type": duckdb_type(c),
                    "description": _column_description(c),
                    **({"meta": {"personal": True}} if c.name in table.personal_columns else {}),
                }
                for c in table.columns
            ]
            columns += [
                {"name": c.name, "data_type": c.duckdb_type, "description": c.description}
                for c in added_columns(table)
            ]
            tables.append(
                {
                    "name": table.name,
                    "description": feed.title + (f", sheet {table.sheet}" if table.sheet else ""),
                    "config": {
                        "external_location": EXTERNAL_LOCATION.format(agency=agency, table=table.name),
                    },
                    "meta": {
                        "feed_id": feed.feed_id,
                        "mode": feed.mode,
                        "key": list(table.key),
                        "identifier_kinds": _identifier_kinds(table.identifier),
                        "personal_columns": list(table.personal_columns),
                    },
                    "columns": columns,
                }
            )
    return {
        "version": 2,
        "sources": [{"name": agency, "description": f"Lake tables of the {agency} feeds", "tables": tables}],
    }


def render_all() -> dict[Path, str]:
    """Path -> text of every generated sources file."""
    by_agency: dict[str, list[registry.Feed]] = {}
    for feed in registry.load_registry().values():
        by_agency.setdefault(feed.agency, []).append(feed)
    out = {}
    for agency, feeds in sorted(by_agency.items()):
        path = settings.DBT_PROJECT_DIR / "models" / "staging" / agency / f"_{agency}__sources.yml"
        body = yaml.safe_dump(source_document(agency, feeds), allow_unicode=True, sort_keys=False, width=200)
        out[path] = HEADER.format(agency=agency) + body
    return out


def stale_files() -> list[Path]:
    """Generated files whose committed text differs from what the registry gives."""
    return [
        path for path, text in render_all().items() if not path.exists() or path.read_text(encoding="utf-8") != text
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a generated file is out of date")
    args = parser.parse_args(argv)
    broken = registry.broken_declarations()
    for path, error in broken.items():  # writing now would drop its feed's last good schema from the sources
        print(f"broken feed declaration {path}: {error} (fix it first)", file=sys.stderr)
    if broken:
        return 1
    if args.check:
        stale = stale_files()
        for path in stale:
            print(f"out of date: {path} (run python -m qcredit.dbt_sources)", file=sys.stderr)
        return 1 if stale else 0
    for path, text in render_all().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
