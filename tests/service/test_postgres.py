"""The service on PostgreSQL (QCREDIT_SERVICE_DATABASE_URL): a real cluster in a temporary folder on port
15432, started and stopped by this module. The same checks as on SQLite: users and hashed tokens, a credit
file served to a token and audited, the audit log refusing UPDATE and DELETE in the database itself."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

PG_BIN = Path("/usr/lib/postgresql/15/bin")
PORT = 15432
REPO = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not (PG_BIN / "initdb").exists(),
                                                   reason="PostgreSQL 15 is not installed")]


def as_cluster_owner(args: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as `postgres` then."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@pytest.fixture(scope="module")
def database_url():
    folder = Path(tempfile.mkdtemp(prefix="qcredit-pg-"))
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    subprocess.run(as_cluster_owner([str(PG_BIN / "initdb"), "-D", str(data), "-U", "qcredit", "--auth=trust",
                                     "-E", "UTF8", "--no-locale"]), check=True, capture_output=True)
    started = subprocess.run(as_cluster_owner([
        str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w", "-o",
        f"-p {PORT} -k {folder} -c listen_addresses=127.0.0.1", "start"]), capture_output=True, text=True)
    assert started.returncode == 0, started.stderr + (folder / "log").read_text()
    try:
        subprocess.run(as_cluster_owner([str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(PORT), "-U",
                                         "qcredit", "qcredit_service"]), check=True, capture_output=True)
        yield f"postgresql://qcredit@127.0.0.1:{PORT}/qcredit_service"
    finally:
        subprocess.run(as_cluster_owner([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                       capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


CHECKS = textwrap.dedent("""
    import sys
    from pathlib import Path
    from qcredit.service import commands
    home = Path(sys.argv[1])
    from tests.service import fixture_home
    commands.setup(home)
    fixture_home.build_home(home)
    from django.db import connection
    assert connection.vendor == "postgresql", connection.vendor
    commands.user_add(home, "pg_officer", "risk_officer", "33", password="a long enough passphrase")
    token = commands.user_token(home, "pg_officer")
    from django.test import Client
    from qcredit.service.models import ApiToken, AuditEntry
    ok = Client().get(f"/api/v1/enterprises/{fixture_home.ZJ_C}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert ok.status_code == 200, ok.content
    foreign = Client().get(f"/api/v1/enterprises/{fixture_home.GD_C}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert foreign.status_code == 404
    assert [e.uscc for e in AuditEntry.objects.all()] == [fixture_home.ZJ_C]
    assert not ApiToken.objects.filter(digest=token).exists()
    for statement in ("delete from service_auditentry", "update service_auditentry set uscc = 'x'"):
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement)
        except Exception as exc:
            assert "append-only" in str(exc), exc
        else:
            raise AssertionError(statement + " was allowed")
    commands.user_revoke(home, "pg_officer")
    assert Client().get("/api/v1/warnings", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    print("postgresql checks passed")
""")


def test_service_on_postgresql(database_url, tmp_path):
    env = {**os.environ, "QCREDIT_SERVICE_DATABASE_URL": database_url, "QCREDIT_HOME": str(tmp_path / "home"),
           "DJANGO_SETTINGS_MODULE": "qcredit.service.settings", "PYTHONPATH": str(REPO)}
    result = subprocess.run([sys.executable, "-c", CHECKS, str(tmp_path / "home")], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "postgresql checks passed" in result.stdout
    assert not (tmp_path / "home" / "service" / "db.sqlite3").exists()  # nothing went to the embedded default
