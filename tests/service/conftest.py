"""Fixtures of the service tests (set-up in service_env.py, imported once under one name)."""

from tests.service.service_env import admin_client, anon, gd, home, tokens, zj  # noqa: F401
