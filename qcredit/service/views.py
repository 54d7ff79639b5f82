"""The HTML pages. Every internal page goes through `internal` (sign-in, role, province scope); every
parameter is validated by `data` before it reaches a query."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from qcredit.service import access
from qcredit.service.data import ACTIONS, PAGE_SIZE, BadRequest, NotFound, Published, WarningFilters
from qcredit.service.downloads import csv_response, xlsx_response
from qcredit.service.models import AuditEntry

PUBLIC_COLUMNS = {  # OUTPUTS.md: public files carry exactly these columns
    "a": ["uscc", "name", "region_code", "level", "as_of"],
    "d": ["uscc", "name", "region_code", "level", "as_of", "reasons"],
}
WARNING_COLUMNS = ["uscc", "name", "region_code", "as_of", "risk_score", "action", "reasons", "signals"]
_published: dict[Path, Published] = {}


def published() -> Published:
    """The published dates of the served home (one in-memory DuckDB per home and process, shared by the
    process's threads, with its share of the service's DuckDB memory)."""
    home = Path(settings.QCREDIT_HOME)
    if home not in _published:
        _published[home] = Published(home, max(64, settings.DUCKDB_MEMORY_MB // settings.SERVICE_WORKERS))
    return _published[home]


def _error(request: HttpRequest, status: int, message: str) -> HttpResponse:
    return render(request, "service/error.html", {"status": status, "message": message}, status=status)


def public(view: Callable) -> Callable:
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except BadRequest as exc:
            return _error(request, 400, str(exc))
        except NotFound as exc:
            return _error(request, 404, str(exc))
    return wrapped


def internal(view: Callable | None = None, *, admin: bool = False) -> Callable:
    """Signed-in users with a role only (others go to the login page); `admin` pages for admins only."""
    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        @public
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
            try:
                scope = access.scope_of(request.user)
            except access.NoAccess as exc:
                return _error(request, 403, str(exc))
            if admin and not access.is_admin(request.user):
                return _error(request, 403, "this page is for administrators")
            return view(request, scope, *args, **kwargs)
        return wrapped
    return decorate(view) if view else decorate


def _page_number(request: HttpRequest) -> int:
    value = request.GET.get("page") or "1"
    if not value.isdigit() or not 1 <= int(value) <= 1_000_000:
        raise BadRequest("page must be a whole number from 1")
    return int(value)


def _context(request: HttpRequest, as_of: str | None, **extra) -> dict:
    return {"dates": published().dates(), "as_of": as_of, "is_admin": access.is_admin(request.user), **extra}


def _paged(rows: list, total: int, page: int) -> dict:
    pages = max(1, -(-total // PAGE_SIZE))
    return {"rows": rows, "total": total, "page": page, "pages": pages,
            "previous_page": page - 1 if page > 1 else None, "next_page": page + 1 if page < pages else None}


# -- public -----------------------------------------------------------------------------------------------


@public
def search(request: HttpRequest) -> HttpResponse:
    """Search the public lists. Anything not on a list answers the same 'no public record'."""
    dates = published().dates()
    as_of = published().resolve(request.GET.get("date")) if dates else None
    q = (request.GET.get("q") or "").strip()
    found = published().public_search(as_of, q) if (q and as_of) else []
    return render(request, "service/search.html", _context(request, as_of, q=q, found=found))


@public
def public_list(request: HttpRequest, which: str) -> HttpResponse:
    as_of = published().resolve(request.GET.get("date"))
    q = (request.GET.get("q") or "").strip()
    if request.GET.get("format") == "csv":
        rows, _ = published().public_list(as_of, which, q)
        return csv_response(rows, PUBLIC_COLUMNS[which], f"public_{which}_list_{as_of}.csv")
    page = _page_number(request)
    rows, total = published().public_list(as_of, which, q, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return render(request, "service/public_list.html",
                  _context(request, as_of, which=which, q=q, **_paged(rows, total, page)))


# -- sign-in ----------------------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    """Django's login, slowed after repeated failures for the same user name or client address."""

    template_name = "service/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        username = request.POST.get("username", "")
        address = access.client_address(request)
        access.wait_before_login(username, address)
        response = super().post(request, *args, **kwargs)
        if request.user.is_authenticated:
            access.clear_login_failures(username)
        else:
            access.record_login_failure(username, address)
        return response


class LogoutView(auth_views.LogoutView):
    next_page = "/"


# -- internal ---------------------------------------------------------------------------------------------


@internal
def warnings(request: HttpRequest, scope: str | None) -> HttpResponse:
    as_of = published().resolve(request.GET.get("date"))
    filters = WarningFilters.parse(request.GET.dict())
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        rows, _ = published().warnings(as_of, scope, filters, limit=None)
        name = f"risk_warnings_{as_of}.{fmt}"
        if fmt == "csv":
            return csv_response(rows, WARNING_COLUMNS, name)
        return xlsx_response(rows, WARNING_COLUMNS, name, "risk_warnings")
    if fmt:
        raise BadRequest("format must be csv or xlsx")
    page = _page_number(request)
    rows, total = published().warnings(as_of, scope, filters, offset=(page - 1) * PAGE_SIZE)
    return render(request, "service/warnings.html", _context(
        request, as_of, filters=filters, actions=ACTIONS, choices=published().warning_choices(as_of, scope),
        **_paged(rows, total, page)))


@internal
def find_enterprises(request: HttpRequest, scope: str | None) -> HttpResponse:
    as_of = published().resolve(request.GET.get("date"))
    q = (request.GET.get("q") or "").strip()
    page = _page_number(request)
    rows, total = published().find_enterprises(as_of, scope, q, offset=(page - 1) * PAGE_SIZE)
    return render(request, "service/find.html", _context(request, as_of, q=q, **_paged(rows, total, page)))


@internal
def enterprise(request: HttpRequest, scope: str | None, uscc: str) -> HttpResponse:
    as_of = published().resolve(request.GET.get("date"))
    file = published().credit_file(as_of, uscc, scope)
    access.audit(request, request.user, file["uscc"], as_of, "page /enterprises")
    return render(request, "service/enterprise.html", _context(request, as_of, file=file))


@internal
def d_review(request: HttpRequest, scope: str | None) -> HttpResponse:
    as_of = published().resolve(request.GET.get("date"))
    if request.GET.get("format") == "csv":
        rows, _ = published().d_review(as_of, scope, limit=None)
        return csv_response(rows, ["uscc", "name", "region_code", "as_of", "reasons", "review_status"],
                            f"d_review_queue_{as_of}.csv")
    page = _page_number(request)
    rows, total = published().d_review(as_of, scope, offset=(page - 1) * PAGE_SIZE)
    return render(request, "service/d_review.html", _context(request, as_of, **_paged(rows, total, page)))


@internal
def changes(request: HttpRequest, scope: str | None) -> HttpResponse:
    as_of = published().resolve(request.GET.get("date"))
    if request.GET.get("format") == "csv":
        rows, _ = published().changes(as_of, scope, limit=None)
        return csv_response(rows, ["uscc", "name", "region_code", "previous_as_of", "previous_level", "level"],
                            f"level_changes_{as_of}.csv")
    page = _page_number(request)
    rows, total = published().changes(as_of, scope, offset=(page - 1) * PAGE_SIZE)
    return render(request, "service/changes.html", _context(
        request, as_of, previous=published().previous(as_of), **_paged(rows, total, page)))


@internal
def runs(request: HttpRequest, scope: str | None) -> HttpResponse:
    dates = published().dates()
    return render(request, "service/runs.html",
                  _context(request, dates[0] if dates else None, runs=published().runs(scope)))


@internal(admin=True)
def audit_log(request: HttpRequest, scope: str | None) -> HttpResponse:
    page = _page_number(request)
    entries = AuditEntry.objects.all()
    total = entries.count()
    rows = list(entries[(page - 1) * PAGE_SIZE: page * PAGE_SIZE])
    return render(request, "service/audit.html", _context(request, None, **_paged(rows, total, page)))
