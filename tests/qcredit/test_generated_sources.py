"""The dbt source declarations are generated from the feed registry and the lake schema (`ingest.lake_schema`),
must not drift from them, and type each column as DuckDB reads it from the lake that landing writes."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ingest import registry
from qcredit import dbt_sources
from tests.ingest.ingest_testkit import AS_OF, SAMPLE_INBOX, land_all


def test_generated_sources_match_the_registry():
    stale = dbt_sources.stale_files()
    assert not stale, f"regenerate with `python -m qcredit.dbt_sources`: {[str(p) for p in stale]}"


@pytest.fixture(scope="module")
def landed_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("home")
    land_all(SAMPLE_INBOX, home, AS_OF)
    return home


TABLES = [(feed, table) for feed in registry.load_registry().values() for table in feed.tables]


def _declared_types(feed: registry.Feed, table: registry.Table) -> list[tuple[str, str]]:
    """(column, DuckDB type) of the table as its generated source declares them."""
    document = dbt_sources.source_document(feed.agency, [feed])
    [source] = [t for t in document["sources"][0]["tables"] if t["name"] == table.name]
    return [(c["name"], c["data_type"].upper()) for c in source["columns"]]


@pytest.mark.parametrize(("feed", "table"), TABLES, ids=[t.table_id for _, t in TABLES])
def test_sources_give_the_columns_and_types_duckdb_reads_from_the_landed_lake(
    landed_home: Path, feed: registry.Feed, table: registry.Table,
) -> None:
    """Landed deliveries and the empty schema file alike: dbt's declared columns, in order, with their types."""
    declared = _declared_types(feed, table)
    parts = sorted((landed_home / "lake" / table.agency / table.name).glob("delivery=*/*.parquet"))
    assert parts, table.table_id
    for part in parts:
        described = duckdb.sql(f"describe select * from read_parquet('{part}', hive_partitioning = false)").fetchall()
        assert [(name, kind.replace('"', "").upper()) for name, kind, *_ in described] == declared, part
