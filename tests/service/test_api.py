"""The API as another department's system uses it: token in, the credit file as JSON out, OpenAPI generated."""

from __future__ import annotations

from django.test import Client

from tests.service.fixture_home import DATES, LATEST, ZJ_C, ZJ_D, ZJ_DP


def get(path: str, token: str, **params):
    return Client().get(path, params, HTTP_AUTHORIZATION=f"Bearer {token}")


def test_credit_file_json_has_reasons_with_evidence_signals_score_and_history(tokens):
    body = get(f"/api/v1/enterprises/{ZJ_C.lower()}", tokens["zj_officer"]).json()
    assert body["uscc"] == ZJ_C and body["level"] == "C" and body["as_of"] == LATEST
    assert [r["code"] for r in body["reasons"]] == ["C.2", "C.3"]
    assert body["reasons"][0]["title"] == "本年度监督抽查不合格"
    assert set(body["reasons"][0]["evidence"][0]) >= {"dataset", "record_id", "event_date", "source_file",
                                                       "source_line"}
    assert [s["code"] for s in body["signals"]] == ["bank_npl"] and body["signals"][0]["evidence"]
    assert body["risk_score"] == 55 and body["action"] == "yellow_card"
    assert sum(p["points"] for p in body["score_breakdown"]) == 55
    assert body["history"] == [{"as_of": DATES[0], "level": "B"}, {"as_of": DATES[1], "level": "C"}]
    assert body["supervision"]["key_supervision"] is True and body["award_actions"][0]["action"] == "suspend"


def test_an_earlier_date_on_request(tokens):
    body = get(f"/api/v1/enterprises/{ZJ_C}", tokens["zj_officer"], date=DATES[0]).json()
    assert body["level"] == "B" and body["as_of"] == DATES[0] and body["risk_score"] is None


def test_d_review_status_and_disclosure(tokens):
    pending = get(f"/api/v1/enterprises/{ZJ_DP}", tokens["zj_officer"]).json()
    disclosed = get(f"/api/v1/enterprises/{ZJ_D}", tokens["zj_officer"]).json()
    assert pending["d_review"] == {"status": "pending", "disclosed": False}
    assert disclosed["d_review"] == {"status": "confirmed", "disclosed": True}


def test_warnings_filters(tokens):
    rows = get("/api/v1/warnings", tokens["zj_officer"], action="yellow_card", min_score="50").json()
    assert [r["uscc"] for r in rows] == [ZJ_C]
    assert get("/api/v1/warnings", tokens["zj_officer"], min_score="56").json() == []


def test_warnings_page_through_with_limit_and_offset(tokens):
    everything = get("/api/v1/warnings", tokens["root_admin"])
    total = int(everything["X-Total-Count"])
    assert total == len(everything.json()) >= 2
    first = get("/api/v1/warnings", tokens["root_admin"], limit="1")
    rest = get("/api/v1/warnings", tokens["root_admin"], limit="10000", offset="1")
    assert first["X-Total-Count"] == rest["X-Total-Count"] == str(total)
    assert first.json() + rest.json() == everything.json()
    for bad in ({"limit": "0"}, {"limit": "10001"}, {"offset": "-1"}, {"limit": "ten"}):
        assert get("/api/v1/warnings", tokens["root_admin"], **bad).status_code == 400, bad


def test_openapi_describes_every_endpoint(anon):
    spec = anon.get("/api/v1/openapi.json").json()
    assert set(spec["paths"]) == {"/api/v1/public/a-list", "/api/v1/public/d-list", "/api/v1/enterprises/{uscc}",
                                  "/api/v1/warnings", "/api/v1/changes", "/api/v1/audit"}
    assert "BearerAuth" in spec["components"]["securitySchemes"] or spec["components"]["securitySchemes"]
    assert "CreditFile" in spec["components"]["schemas"]
