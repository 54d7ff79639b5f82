"""`qcredit serve` and `qcredit user ...`: what the CLI delegates to."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from gunicorn.app.base import BaseApplication

from qcredit import settings as qcredit_settings

# Threads per worker process. A request's Python holds the interpreter lock, so more threads than this only
# stretch every request (20 clients at 1M enterprises: p95 116-135 ms with 3, 163-194 ms with 8); a long
# download holds one of them meanwhile.
SERVER_THREADS = 3
DEFAULT_WORKERS = min(4, os.cpu_count() or 1)


def setup(home: Path | str | None) -> Path:
    """Configure Django for a home and bring the service's database up to date (the embedded default needs no
    set-up step)."""
    home_path = qcredit_settings.home_dir(home)
    os.environ["QCREDIT_HOME"] = str(home_path)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qcredit.service.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    return home_path


def serve(home: Path | None, host: str, port: int, workers: int = DEFAULT_WORKERS) -> int:
    """Serve the home with gunicorn: `workers` processes of SERVER_THREADS threads each. Processes, because a
    request's Python (Django, the page) holds the interpreter's lock: one process serves about one CPU's worth."""
    if host not in ("0.0.0.0", "::"):
        hosts = os.environ.get("QCREDIT_SERVICE_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
        os.environ["QCREDIT_SERVICE_ALLOWED_HOSTS"] = f"{hosts},{host}"
    os.environ["QCREDIT_SERVICE_WORKERS"] = str(workers)
    home_path = setup(home)
    from django.contrib.auth import get_user_model
    from django.db import connections

    from qcredit.service.data import Published

    dates = Published(home_path).dates()  # lists folders only: no DuckDB is opened before the workers fork
    users = get_user_model().objects.filter(is_active=True).count()
    connections.close_all()  # nor is a database connection shared with them
    print(f"serving {home_path} on http://{_bind(host, port)}/ with {workers} worker(s) (published dates: "
          f"{', '.join(dates[:3]) or 'none yet'}{' ...' if len(dates) > 3 else ''}; "
          f"{users or 'no'} user(s){'' if users else ': the public pages only'})", flush=True)
    _Gunicorn({"bind": [_bind(host, port)], "workers": workers, "worker_class": "gthread",
               "threads": SERVER_THREADS, "proc_name": "qcredit-serve", "accesslog": None, "errorlog": "-",
               "loglevel": "warning", "timeout": 120, "graceful_timeout": 10}).run()
    return 0


def _bind(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class _Gunicorn(BaseApplication):
    """gunicorn run from `qcredit serve` with its options, not from a command line or a config file."""

    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from qcredit.service.wsgi import application

        return application


def user_add(home: Path | None, name: str, role: str, province: str, password: str | None = None) -> int:
    """Create a user with a role and a province; the password from standard input (one line)."""
    setup(home)
    from django.contrib.auth import get_user_model
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from qcredit.service.models import ALL_PROVINCES, ROLES, Profile

    if role not in ROLES:
        raise SystemExit(f"qcredit user add: --role must be one of {', '.join(ROLES)}")
    if not (province == ALL_PROVINCES or (len(province) == 2 and province.isdigit())):
        raise SystemExit("qcredit user add: --province is a two-digit province code (e.g. 33) or 'all'")
    if role == "admin" and province != ALL_PROVINCES:
        raise SystemExit("qcredit user add: an admin is national: --province all")
    User = get_user_model()
    if User.objects.filter(username=name).exists():
        raise SystemExit(f"qcredit user add: {name} exists")
    if password is None:
        password = sys.stdin.readline().rstrip("\r\n")
    user = User(username=name)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise SystemExit("qcredit user add: " + " ".join(exc.messages)) from None
    with transaction.atomic():
        user.set_password(password)
        user.is_staff = role == "admin"
        user.is_superuser = role == "admin"
        user.save()
        Profile.objects.create(user=user, role=role, province=province)
    print(f"user {name} ({role}, province {province}) created")
    return 0


def user_token(home: Path | None, name: str) -> str:
    """Issue a new API token; printed once, only its hash is kept."""
    setup(home)
    from qcredit.service.models import ApiToken

    user = _active_user(name)
    secret = ApiToken.issue(user)
    print(secret)
    return secret


def user_revoke(home: Path | None, name: str) -> int:
    """End the user's sessions and tokens, and disable the account (an admin may enable it again)."""
    setup(home)
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from qcredit.service.models import ApiToken

    try:
        user = get_user_model().objects.get(username=name)
    except get_user_model().DoesNotExist:
        raise SystemExit(f"qcredit user revoke: no user {name}") from None
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()
            ended += 1
    tokens = ApiToken.objects.filter(user=user, revoked__isnull=True).update(revoked=timezone.now())
    user.is_active = False
    user.save(update_fields=["is_active"])
    print(f"user {name}: {ended} session(s) ended, {tokens} token(s) revoked, account disabled")
    return 0


def _active_user(name: str):
    from django.contrib.auth import get_user_model

    try:
        user = get_user_model().objects.get(username=name, is_active=True)
    except get_user_model().DoesNotExist:
        raise SystemExit(f"qcredit user token: no active user {name}") from None
    if not hasattr(user, "profile"):
        raise SystemExit(f"qcredit user token: {name} has no role (create users with `qcredit user add`)")
    return user


def demo_users(home: Path, as_of: str) -> str:
    """A demo risk officer (for the province with the most risk warnings) and a demo admin, each with a new
    random password; the lines that tell how to start the service on the demo home."""
    import secrets

    setup(home)
    from django.contrib.auth import get_user_model

    from qcredit.service.data import Published

    busiest = Published(home).select(as_of, "risk_warnings", [], [], scope=None, group_by="province",
                                     columns="left(region_code, 2) as province, count(*) as n",
                                     order="n desc, province", limit=1)
    province = busiest[0]["province"] if busiest else "all"
    lines = []
    for name, role, scope in (("demo_officer", "risk_officer", province), ("demo_admin", "admin", "all")):
        password = secrets.token_urlsafe(12)
        user = get_user_model().objects.filter(username=name).first()
        if user is None:
            user_add(home, name, role, scope, password=password)
        else:
            user.set_password(password)
            user.is_active = True
            user.save()
        lines.append(f"  {name} / {password}  ({role}, province {scope})")
    return "\n".join([
        "the credit information service on this home:",
        f"  .venv/bin/qcredit serve --home {home}    then open http://127.0.0.1:8000/",
        *lines,
    ])
