"""SERVICE.md's confidentiality rules, each asked so that breaking the rule fails a test."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import subprocess
import sys

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client

from qcredit.service import commands
from qcredit.service.models import ApiToken, AuditEntry
from tests.service.fixture_home import (
    DATES,
    GD_A,
    GD_B,
    GD_C,
    GD_C_NAME,
    GD_D,
    LATEST,
    UNKNOWN,
    ZJ_B,
    ZJ_C,
    ZJ_C2,
    ZJ_D,
    ZJ_DP,
    ZJ_FORMULA,
)
from tests.service.service_env import PASSWORD, login

INTERNAL_PAGES = ["/enterprises?q=杭州", "/warnings", f"/enterprises/{ZJ_C}", "/d-review", "/changes", "/runs",
                  "/audit", "/warnings?format=csv", "/warnings?format=xlsx", "/d-review?format=csv",
                  "/changes?format=csv"]
TOKEN_ENDPOINTS = [f"/api/v1/enterprises/{ZJ_C}", "/api/v1/warnings", "/api/v1/changes", "/api/v1/audit"]
GUANGDONG = [GD_A, GD_B, GD_C, GD_D, GD_C_NAME]


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def without_csrf(body: str) -> str:
    """The page without its CSRF token (masked afresh for every response)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", body)


def text(response) -> str:
    if response.get("Content-Type", "").startswith("application/vnd.openxml"):
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        return "\n".join(str(c) for ws in book for row in ws.iter_rows(values_only=True) for c in row)
    return response.content.decode("utf-8")


# -- rule 1: the public sees the public lists and nothing else --------------------------------------------


@pytest.mark.parametrize("hidden", [ZJ_B, ZJ_C, ZJ_DP, GD_D])
def test_public_search_answers_no_public_record_alike_for_b_c_undisclosed_d_and_unknown(anon, hidden):
    unknown = anon.get("/", {"q": UNKNOWN})
    other = anon.get("/", {"q": hidden})
    assert unknown.status_code == other.status_code == 200
    assert "无公示记录" in text(unknown)
    assert without_csrf(text(other)).replace(hidden, "Q") == without_csrf(text(unknown)).replace(UNKNOWN, "Q")


def test_public_search_by_name_part_finds_only_listed_enterprises(anon):
    page = text(anon.get("/", {"q": "杭州"}))
    assert ZJ_D in page and "杭州假冒电缆厂" in page
    for hidden in ("杭州基本守信厂", "杭州预警阀门有限公司", "杭州待复核食品厂"):
        assert hidden not in page


def test_public_lists_and_downloads_carry_exactly_outputs_md_columns(anon):
    a = list(csv.reader(io.StringIO(text(anon.get("/public/a", {"format": "csv"})))))
    d = list(csv.reader(io.StringIO(text(anon.get("/public/d", {"format": "csv"})))))
    assert a[0] == ["uscc", "name", "region_code", "level", "as_of"]
    assert d[0] == ["uscc", "name", "region_code", "level", "as_of", "reasons"]
    assert {r[3] for r in a[1:]} == {"A"} and {r[3] for r in d[1:]} == {"D"}
    assert [r[0] for r in d[1:]] == [ZJ_D]
    api_d = anon.get("/api/v1/public/d-list").json()
    assert [sorted(r) for r in api_d] == [sorted(d[0])]
    assert list(anon.get("/api/v1/public/a-list").json()[0]) == a[0]


def test_public_pages_show_no_score_signal_or_b_c_enterprise(anon):
    for url in ("/", "/public/a", "/public/d", f"/public/a?date={DATES[0]}"):
        page = text(anon.get(url))
        for secret in (ZJ_B, ZJ_C, ZJ_C2, ZJ_DP, GD_C, "bank_npl", "tax_d", "yellow_card", "风险分"):
            assert secret not in page, (url, secret)


# -- rule 2: no data without a session or a token ----------------------------------------------------------


@pytest.mark.parametrize("url", INTERNAL_PAGES)
def test_internal_pages_redirect_the_public_to_login(anon, url):
    response = anon.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login?next=")
    assert ZJ_C not in response.content.decode()


@pytest.mark.parametrize("url", TOKEN_ENDPOINTS)
@pytest.mark.parametrize("auth", [{}, {"HTTP_AUTHORIZATION": "Bearer not-a-token"},
                                  {"HTTP_AUTHORIZATION": "Basic cm9vdDpwdw=="}])
def test_api_answers_401_json_without_a_valid_token(anon, url, auth):
    response = anon.get(url, **auth)
    assert response.status_code == 401
    assert set(response.json()) == {"error"}


def test_a_session_is_not_an_api_token(zj):
    assert zj.get(f"/api/v1/enterprises/{ZJ_C}").status_code == 401


# -- rule 3: another province's enterprise answers exactly like an unknown one ------------------------------


def _same_404(client: Client, url_of, other: str, **extra) -> None:
    unknown, foreign = client.get(url_of(UNKNOWN), **extra), client.get(url_of(other), **extra)
    assert unknown.status_code == foreign.status_code == 404
    assert (without_csrf(foreign.content.decode()).replace(other, "X")
            == without_csrf(unknown.content.decode()).replace(UNKNOWN, "X"))


@pytest.mark.parametrize("foreign", [GD_A, GD_C, GD_D])
def test_credit_file_of_another_province_is_404_like_unknown_page_and_api(zj, tokens, foreign):
    _same_404(zj, lambda u: f"/enterprises/{u}", foreign)
    _same_404(zj, lambda u: f"/enterprises/{u}?date={DATES[0]}", foreign)
    _same_404(Client(), lambda u: f"/api/v1/enterprises/{u}", foreign, **bearer(tokens["zj_officer"]))


def test_guangdong_officer_sees_guangdong_and_not_zhejiang(gd, tokens):
    assert gd.get(f"/enterprises/{GD_C}").status_code == 200
    _same_404(gd, lambda u: f"/enterprises/{u}", ZJ_C)
    assert Client().get(f"/api/v1/enterprises/{GD_C}", **bearer(tokens["gd_officer"])).status_code == 200


@pytest.mark.parametrize("url", [
    "/warnings", "/warnings?city=4403", "/warnings?reason=C.2", "/warnings?signal=tax_d", "/warnings?min_score=0",
    "/warnings?sort=name", "/warnings?format=csv", "/warnings?format=xlsx", "/warnings?format=csv&city=4403",
    "/d-review", "/d-review?format=csv", "/changes", "/changes?format=csv", "/runs",
    "/enterprises?q=广州", "/enterprises?q=厂", f"/enterprises?q={GD_C}", f"/enterprises?q={GD_C.lower()}",
])
def test_lists_filters_and_downloads_never_show_another_province(zj, url):
    body = text(zj.get(url))
    for secret in GUANGDONG + ["4403", "440103", "440305"]:
        if secret not in url:  # a filter the user typed is echoed back in the form
            assert secret not in body, (url, secret)


def test_enterprise_search_finds_only_the_province(zj, gd):
    assert "共 0 条" in text(zj.get("/enterprises", {"q": GD_C}))
    assert without_csrf(text(zj.get("/enterprises", {"q": GD_C}))).replace(GD_C, "X") == without_csrf(
        text(zj.get("/enterprises", {"q": UNKNOWN}))).replace(UNKNOWN, "X")
    assert "共 1 条" in text(gd.get("/enterprises", {"q": GD_C}))
    assert "共 5 条" in text(zj.get("/enterprises", {"q": "杭州"}))  # Zhejiang's five Hangzhou enterprises


def test_filters_and_counts_stay_in_the_province(zj):
    assert "共 3 条" in text(zj.get("/warnings"))  # ZJ_C, ZJ_C2, ZJ_FORMULA; never Guangdong's yellow card
    assert "共 0 条" in text(zj.get("/warnings", {"city": "4403"}))
    assert "共 1 条" in text(zj.get("/warnings", {"reason": "C.2"}))
    assert "共 0 条" in text(zj.get("/warnings", {"signal": "tax_d"}))
    page = text(zj.get("/warnings"))
    assert 'value="tax_d"' not in page and ">tax_d<" not in page  # a filter choice would betray it


def test_runs_counts_only_the_province(zj, admin_client):
    zj_runs, national = text(zj.get("/runs")), text(admin_client.get("/runs"))
    assert "999" not in zj_runs and "999" not in national  # run_summary's national counts are never shown
    assert "</span> 3" in zj_runs and "</span> 4" in national  # C at the latest date: 3 in Zhejiang, 4 in all


def test_api_lists_stay_in_the_province(tokens):
    auth = bearer(tokens["zj_officer"])
    warnings = Client().get("/api/v1/warnings", **auth).json()
    assert {r["uscc"] for r in warnings} == {ZJ_C, ZJ_C2, ZJ_FORMULA}
    assert Client().get("/api/v1/warnings", {"city": "4403"}, **auth).json() == []
    changes = Client().get("/api/v1/changes", {"since": "2026-01-01"}, **auth).json()
    assert [r["uscc"] for r in changes] == [ZJ_C]
    assert Client().get("/api/v1/changes", **bearer(tokens["gd_officer"])).json() == []
    national = Client().get("/api/v1/warnings", **bearer(tokens["root_admin"])).json()
    assert GD_C in {r["uscc"] for r in national}


# -- rule 4: every view of a credit file is audited; the log is append-only -------------------------------


def test_every_credit_file_view_is_audited_page_and_api(tokens):
    before = AuditEntry.objects.count()
    client = login("zj_reviewer", REMOTE_ADDR="10.1.2.3")
    assert client.get(f"/enterprises/{ZJ_C}").status_code == 200
    assert Client(REMOTE_ADDR="10.4.5.6").get(f"/api/v1/enterprises/{ZJ_C2}?date={LATEST}",
                                              **bearer(tokens["zj_officer"])).status_code == 200
    client.get(f"/enterprises/{GD_C}")  # not found: nothing was viewed
    new = list(AuditEntry.objects.order_by("id"))[before:]
    assert [(e.username, e.uscc, e.as_of, e.client_address) for e in new] == [
        ("zj_reviewer", ZJ_C, LATEST, "10.1.2.3"), ("zj_officer", ZJ_C2, LATEST, "10.4.5.6")]
    assert new[0].endpoint.startswith("page") and new[1].endpoint.startswith("api")


def test_audit_log_is_append_only(zj):
    zj.get(f"/enterprises/{ZJ_C}")
    entry = AuditEntry.objects.first()
    entry.uscc = ZJ_B
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.update(uscc=ZJ_B)
    with connection.cursor() as cursor, pytest.raises(Exception, match="append-only"):
        cursor.execute("delete from service_auditentry")
    assert AuditEntry.objects.filter(uscc=ZJ_B).count() == 0


def test_audit_is_for_admins_only(zj, admin_client, tokens):
    zj.get(f"/enterprises/{ZJ_C}")
    assert zj.get("/audit").status_code == 403
    assert ZJ_C in text(admin_client.get("/audit"))
    assert Client().get("/api/v1/audit", **bearer(tokens["zj_officer"])).status_code == 403
    entries = Client().get("/api/v1/audit", {"since": "2026-01-01"}, **bearer(tokens["root_admin"])).json()
    assert entries and {"at", "username", "uscc", "endpoint", "client_address"} <= set(entries[0])


# -- rule 5: hashes, sessions, CSRF, slowed failures, headers ----------------------------------------------


def test_passwords_and_tokens_are_stored_only_as_hashes(tokens, home):
    user = get_user_model().objects.get(username="zj_officer")
    assert user.password.startswith("pbkdf2_sha256$") and PASSWORD not in user.password
    stored = list(ApiToken.objects.filter(user=user).values_list("digest", flat=True))
    assert hashlib.sha256(tokens["zj_officer"].encode()).hexdigest() in stored
    database = (home / "service" / "db.sqlite3").read_bytes()
    assert tokens["zj_officer"].encode() not in database and PASSWORD.encode() not in database


def test_revoking_a_user_ends_its_tokens_and_sessions():
    commands.user_add(None, "leaver", "risk_officer", "33", password=PASSWORD)
    token = commands.user_token(None, "leaver")
    client = login("leaver")
    assert client.get("/warnings").status_code == 200
    assert Client().get("/api/v1/warnings", **bearer(token)).status_code == 200
    commands.user_revoke(None, "leaver")
    from django.contrib.sessions.models import Session

    user_id = str(get_user_model().objects.get(username="leaver").pk)
    assert not [s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == user_id]
    assert client.get("/warnings").status_code == 302
    assert Client().get("/api/v1/warnings", **bearer(token)).status_code == 401
    assert not Client().login(username="leaver", password=PASSWORD)


def test_forms_are_protected_against_csrf():
    client = Client(enforce_csrf_checks=True)
    assert client.post("/login", {"username": "zj_officer", "password": PASSWORD}).status_code == 403
    client.get("/login")
    token = client.cookies["csrftoken"].value
    response = client.post("/login", {"username": "zj_officer", "password": PASSWORD, "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and client.get("/warnings").status_code == 200
    assert client.post("/logout").status_code == 403  # a forged logout is refused too
    client.post("/logout", {"csrfmiddlewaretoken": client.cookies["csrftoken"].value})
    assert client.get("/warnings").status_code == 302


def test_sessions_expire(zj):
    from django.conf import settings

    assert zj.session.get_expiry_age() <= 8 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE and settings.SESSION_COOKIE_HTTPONLY


def test_repeated_failed_logins_are_slowed(monkeypatch):
    """The waits are recorded rather than timed: hashing a password already takes a second on a busy machine."""
    from django.conf import settings
    from django.core.cache import cache

    from qcredit.service import access

    waits: list[float] = []
    monkeypatch.setattr(access.time, "sleep", waits.append)
    client = Client(REMOTE_ADDR="10.99.0.1")
    for _ in range(settings.LOGIN_FREE_FAILURES):
        client.post("/login", {"username": "gd_officer", "password": "wrong"})
    assert waits == []
    client.post("/login", {"username": "gd_officer", "password": "wrong"})
    client.post("/login", {"username": "gd_officer", "password": "wrong"})
    assert waits == [settings.LOGIN_DELAY_SECONDS, 2 * settings.LOGIN_DELAY_SECONDS]  # doubling
    client.post("/login", {"username": "gd_officer", "password": PASSWORD})  # the right one waits its turn too
    assert waits[-1] == 4 * settings.LOGIN_DELAY_SECONDS
    assert client.get("/warnings").status_code == 200
    other_address = Client(REMOTE_ADDR="10.99.0.2")  # the user name's failures slow other addresses too
    other_address.post("/login", {"username": "zj_reviewer", "password": "wrong"})
    assert len(waits) == 3  # ... but a success cleared gd_officer's, and this address is fresh
    cache.clear()


def test_failed_logins_in_one_server_process_slow_the_others():
    """`qcredit serve` runs several worker processes: failures are counted in the service's database, so
    spreading attempts over the workers gains nothing (another process records them here)."""
    from django.conf import settings
    from django.core.cache import cache

    from qcredit.service import access

    failures = settings.LOGIN_FREE_FAILURES + 1
    record = ("from qcredit.service import commands; commands.setup(None); from qcredit.service import access; "
              f"[access.record_login_failure('zj_officer', '10.99.0.3') for _ in range({failures})]")
    subprocess.run([sys.executable, "-c", record], check=True, env=os.environ.copy())
    assert access.login_delay("zj_officer", "10.99.0.4") == 2 * settings.LOGIN_DELAY_SECONDS
    cache.clear()


def test_the_admin_signs_in_through_the_slowed_login(anon, admin_client):
    assert anon.get("/admin/login/")["Location"] == "/login?next=/admin/"
    assert anon.post("/admin/login/", {"username": "root_admin", "password": PASSWORD}).status_code in (301, 302)
    assert admin_client.get("/admin/service/auditentry/").status_code == 200


@pytest.mark.parametrize("url", ["/", "/login", "/warnings", f"/api/v1/enterprises/{ZJ_C}"])
def test_responses_carry_security_headers(zj, url):
    response = zj.get(url)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"]


# -- malformed input and injection --------------------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "/api/v1/enterprises/not-a-uscc", f"/api/v1/enterprises/{ZJ_C}?date=2026-02-30",
    f"/api/v1/enterprises/{ZJ_C}?date=yesterday", "/api/v1/warnings?min_score=ten", "/api/v1/warnings?action=all",
    "/api/v1/warnings?date=2026-11-20%27", "/api/v1/changes?since=11/20/2026", "/api/v1/public/a-list?date=2026-1-1",
    "/api/v1/audit?since=now", f"/api/v1/enterprises/{ZJ_C[:17]}I",
])
def test_malformed_uscc_or_date_is_400_json(tokens, url):
    response = Client().get(url, **bearer(tokens["root_admin"]))
    assert response.status_code == 400
    assert set(response.json()) == {"error"} and response.json()["error"]


def test_unpublished_date_is_404_json(tokens):
    response = Client().get(f"/api/v1/enterprises/{ZJ_C}?date=2020-01-01", **bearer(tokens["zj_officer"]))
    assert response.status_code == 404 and "error" in response.json()


@pytest.mark.parametrize("url", ["/enterprises/x' or 1=1 --", "/warnings?min_score=1 or 1=1",
                                 "/warnings?reason=C.2') or ('1'='1", "/warnings?sort=risk_score; drop table x",
                                 "/warnings?city=33%25", "/warnings?date=2026-11-20' --", "/warnings?page=-1"])
def test_malformed_page_parameters_are_400_not_500(zj, url):
    assert zj.get(url).status_code == 400


@pytest.mark.parametrize("q", ["' or 1=1 --", "%", "_", "杭州' union select * from read_csv('/etc/passwd') --",
                               "\\'; drop table x; --", ZJ_B + "' or '1'='1"])
def test_injection_strings_in_a_search_are_only_text(anon, q):
    page = text(anon.get("/", {"q": q}))
    assert "无公示记录" in page and "root:" not in page
    assert anon.get("/public/a", {"q": q}).status_code == 200
    assert ZJ_D in text(anon.get("/public/d"))  # still served


def test_downloads_are_formula_safe(zj):
    rows = list(csv.DictReader(io.StringIO(text(zj.get("/warnings", {"format": "csv"})))))
    names = {r["uscc"]: r["name"] for r in rows}
    assert names[ZJ_FORMULA].startswith("'=HYPERLINK")
    book = openpyxl.load_workbook(io.BytesIO(zj.get("/warnings", {"format": "xlsx"}).content))
    cells = [c for row in book.active.iter_rows(values_only=True) for c in row]
    assert any(str(c).startswith("'=HYPERLINK") for c in cells)
    assert not any(str(c).startswith("=") for c in cells)
