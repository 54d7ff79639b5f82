"""Django settings of the credit information service.

Everything a deployment changes comes from the environment, which `qcredit serve` and `qcredit user` set from
their options: QCREDIT_HOME (the home whose published dates are served; the service's own database and secret
key live in `<home>/service/`), QCREDIT_SERVICE_DATABASE_URL (PostgreSQL instead of the embedded SQLite:
`postgresql://user:password@host:port/dbname`), QCREDIT_SERVICE_SECRET_KEY, QCREDIT_SERVICE_ALLOWED_HOSTS
(comma-separated), QCREDIT_SERVICE_SECURE_COOKIES (`1` behind HTTPS), QCREDIT_SERVICE_WORKERS (server processes,
from `--workers`), QCREDIT_SERVICE_DUCKDB_MEMORY_MB (DuckDB memory of the whole service, split among them).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import unquote, urlsplit

from qcredit import settings as qcredit_settings
from qcredit.service import data

QCREDIT_HOME = qcredit_settings.home_dir()
SERVICE_DIR = QCREDIT_HOME / "service"


def _secret_key() -> str:
    """From the environment, else one generated once per home and kept beside the service's database."""
    if os.environ.get("QCREDIT_SERVICE_SECRET_KEY"):
        return os.environ["QCREDIT_SERVICE_SECRET_KEY"]
    path = SERVICE_DIR / "secret_key"
    if not path.exists():
        SERVICE_DIR.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


def database_from_url(url: str | None, sqlite_path: Path) -> dict:
    """Django's DATABASES entry: PostgreSQL from a `postgresql://` URL, else SQLite at `sqlite_path`."""
    if not url:
        sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        # WAL: readers never wait for the audit log's writes; IMMEDIATE: concurrent writers queue instead of
        # failing with "database is locked".
        # CONN_MAX_AGE: each server thread keeps its connection (opening one per request was an eighth of a
        # worker's time under load).
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(sqlite_path), "CONN_MAX_AGE": 600,
                "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                            "transaction_mode": "IMMEDIATE", "timeout": 20}}
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise ValueError(f"QCREDIT_SERVICE_DATABASE_URL must be postgresql://..., not {parts.scheme}://")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }


BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = _secret_key()
DEBUG = False
ALLOWED_HOSTS = [h.strip() for h in os.environ.get(
    "QCREDIT_SERVICE_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver").split(",") if h.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "qcredit.service.apps.ServiceConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "qcredit.service.middleware.security_headers",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "qcredit.service.urls"
WSGI_APPLICATION = "qcredit.service.wsgi.application"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]

DATABASES = {"default": database_from_url(os.environ.get("QCREDIT_SERVICE_DATABASE_URL"),
                                          SERVICE_DIR / "db.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The login throttle counts failures here, in the service's database: every worker process sees the same
# counts (`qcredit serve` creates the table).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "qcredit_cache"}}

# `qcredit serve` runs SERVICE_WORKERS processes; the DuckDB memory the service may use is shared among them.
SERVICE_WORKERS = max(1, int(os.environ.get("QCREDIT_SERVICE_WORKERS") or 1))
DUCKDB_MEMORY_MB = int(os.environ.get("QCREDIT_SERVICE_DUCKDB_MEMORY_MB") or data.DUCKDB_MEMORY_MB)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["qcredit.service.access.ProfileBackend"]
LOGIN_URL = "/login"
LOGIN_REDIRECT_URL = "/warnings"
LOGOUT_REDIRECT_URL = "/"

# Sessions end after a working day, and when the browser closes. They live in the database only (no cache):
# `qcredit user revoke`, another process, ends them there.
SESSION_COOKIE_AGE = 8 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = os.environ.get("QCREDIT_SERVICE_SECURE_COOKIES") == "1"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Failed logins: from the third failure for a user name or a client address, every further attempt waits
# LOGIN_DELAY_SECONDS times 2 ** (failures - 3), capped at LOGIN_DELAY_MAX_SECONDS, until 15 minutes pass.
LOGIN_FREE_FAILURES = 3
LOGIN_DELAY_SECONDS = float(os.environ.get("QCREDIT_SERVICE_LOGIN_DELAY", "1"))
LOGIN_DELAY_MAX_SECONDS = 8.0
LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = qcredit_settings.TIMEZONE
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Static files are served from the package itself (no collectstatic step on a user's machine).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django": {"handlers": ["console"], "level": "WARNING"}},
}
