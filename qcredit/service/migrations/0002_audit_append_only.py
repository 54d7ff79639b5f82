"""The audit log refuses UPDATE and DELETE in the database itself, not only through the ORM."""

from django.db import migrations

SQLITE = [
    "create trigger service_auditentry_no_update before update on service_auditentry "
    "begin select raise(abort, 'the audit log is append-only'); end",
    "create trigger service_auditentry_no_delete before delete on service_auditentry "
    "begin select raise(abort, 'the audit log is append-only'); end",
]
POSTGRESQL = [
    "create or replace function service_auditentry_append_only() returns trigger language plpgsql as $$ "
    "begin raise exception 'the audit log is append-only'; end $$",
    "create trigger service_auditentry_append_only before update or delete on service_auditentry "
    "for each row execute function service_auditentry_append_only()",
]


def forwards(apps, schema_editor):
    statements = {"sqlite": SQLITE, "postgresql": POSTGRESQL}.get(schema_editor.connection.vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("service", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
