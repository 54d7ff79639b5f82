"""The service under test: Django configured once per process on a temporary home (its own SQLite database),
with the two-date fixture home of `fixture_home.py` and one user of each kind. Imported by conftest.py."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

SESSION_DIR = Path(tempfile.mkdtemp(prefix="qcredit-service-tests-"))
atexit.register(shutil.rmtree, SESSION_DIR, ignore_errors=True)
os.environ["QCREDIT_HOME"] = str(SESSION_DIR / "home")
os.environ["DJANGO_SETTINGS_MODULE"] = "qcredit.service.settings"
os.environ["QCREDIT_SERVICE_LOGIN_DELAY"] = "0.3"
os.environ.pop("QCREDIT_SERVICE_DATABASE_URL", None)

from qcredit.service import commands  # noqa: E402

commands.setup(SESSION_DIR / "home")

from django.test.utils import setup_test_environment  # noqa: E402

from tests.service import fixture_home  # noqa: E402

setup_test_environment()
fixture_home.build_home(SESSION_DIR / "home")
PASSWORD = "correct horse battery 9"
USERS = {  # name: (role, province)
    "zj_officer": ("risk_officer", "33"),
    "gd_officer": ("risk_officer", "44"),
    "zj_reviewer": ("reviewer", "33"),
    "root_admin": ("admin", "all"),
}
for _name, (_role, _province) in USERS.items():
    commands.user_add(None, _name, _role, _province, password=PASSWORD)


@pytest.fixture(scope="session")
def home() -> Path:
    return SESSION_DIR / "home"


@pytest.fixture(scope="session")
def tokens() -> dict[str, str]:
    return {name: commands.user_token(None, name) for name in USERS}


def login(name: str, **client_options):
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client(**client_options)
    client.force_login(get_user_model().objects.get(username=name))  # the password is tested once, elsewhere
    return client


@pytest.fixture
def zj():
    """A signed-in risk officer of Zhejiang (33)."""
    return login("zj_officer")


@pytest.fixture
def gd():
    return login("gd_officer")


@pytest.fixture
def admin_client():
    return login("root_admin")


@pytest.fixture
def anon():
    from django.test import Client

    return Client()
