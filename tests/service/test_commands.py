"""`qcredit user ...` and the demo's ending, as an operator uses them."""

from __future__ import annotations

import io
import re

from django.contrib.auth import authenticate

from qcredit.cli import main
from qcredit.service import commands
from qcredit.service.models import Profile


def test_user_add_reads_the_password_from_stdin(monkeypatch, home):
    monkeypatch.setattr("sys.stdin", io.StringIO("another long passphrase\n"))
    assert main(["user", "add", "stdin_user", "--role", "reviewer", "--province", "44", "--home", str(home)]) == 0
    assert authenticate(username="stdin_user", password="another long passphrase")
    profile = Profile.objects.get(user__username="stdin_user")
    assert (profile.role, profile.province) == ("reviewer", "44")


def test_user_token_prints_a_new_token_each_time(capsys, home):
    assert main(["user", "token", "zj_reviewer", "--home", str(home)]) == 0
    assert main(["user", "token", "zj_reviewer", "--home", str(home)]) == 0
    first, second = capsys.readouterr().out.split()
    assert first != second and len(first) >= 40


def test_demo_ending_creates_an_officer_for_the_busiest_province_and_an_admin(home):
    from tests.service.fixture_home import LATEST

    text = commands.demo_users(home, LATEST)
    assert f"qcredit serve --home {home}" in text
    found = dict(re.findall(r"(demo_\w+) / (\S+)", text))
    assert set(found) == {"demo_officer", "demo_admin"}
    for name, password in found.items():
        assert authenticate(username=name, password=password), name
    assert Profile.objects.get(user__username="demo_officer").province == "33"  # 3 warnings against 1
    again = dict(re.findall(r"(demo_\w+) / (\S+)", commands.demo_users(home, LATEST)))
    assert again["demo_admin"] != found["demo_admin"] and authenticate(username="demo_admin",
                                                                        password=again["demo_admin"])
