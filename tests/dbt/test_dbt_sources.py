"""The dbt project covers the lake: a staging model per lake table, and personal columns stay in the lake.
(That the generated source declarations match the registry is tests/qcredit/test_generated_sources.py.)"""

from qcredit import dbt_sources


def test_every_lake_table_has_a_staging_model():
    from ingest import registry

    models = dbt_sources.settings.DBT_PROJECT_DIR / "models" / "staging"
    for table in registry.all_tables():
        name = f"stg_{table.agency}__{table.name.replace('__', '_')}.sql"
        assert (models / table.agency / name).exists(), name


def test_personal_columns_never_leave_the_lake():
    from ingest import registry

    models = dbt_sources.settings.DBT_PROJECT_DIR / "models"
    personal = {c for table in registry.all_tables() for c in table.personal_columns}
    for sql in models.rglob("*.sql"):
        text = sql.read_text(encoding="utf-8")
        body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
        for column in personal:
            assert column not in body, f"{sql.name} names personal column {column}"
