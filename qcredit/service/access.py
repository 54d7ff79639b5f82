"""Who may see what: a user's province scope, API tokens, the audit log and the failed-login throttle.

Authentication, sessions, CSRF and password hashing are Django's; this module only decides scope and keeps
the audit trail.
"""

from __future__ import annotations

import hmac
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.cache import cache
from django.http import HttpRequest
from ninja.security import HttpBearer

from qcredit.service.models import ApiToken, AuditEntry, Profile


class NoAccess(PermissionError):
    """A signed-in user without a role (made outside `qcredit user add`), or a non-admin at an admin page."""


def profile_of(user: AbstractBaseUser | AnonymousUser) -> Profile:
    if not user.is_authenticated:
        raise NoAccess("not signed in")
    try:
        return user.profile
    except Profile.DoesNotExist:
        raise NoAccess(f"{user.get_username()} has no role: create users with `qcredit user add`") from None


def scope_of(user: AbstractBaseUser) -> str | None:
    """The region_code prefix the user may see (None: every province)."""
    return profile_of(user).region_prefix()


def is_admin(user: AbstractBaseUser | AnonymousUser) -> bool:
    return user.is_authenticated and getattr(getattr(user, "profile", None), "role", None) == "admin"


class ProfileBackend(ModelBackend):
    """Django's own user-and-password backend; a signed-in user is loaded with the profile (role and province)
    that every internal page asks for, in one query instead of two."""

    def get_user(self, user_id):
        model = get_user_model()
        try:
            user = model._default_manager.select_related("profile").get(pk=user_id)
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`: a live token of an active user with a role."""

    def authenticate(self, request: HttpRequest, token: str):
        digest = ApiToken.hash(token)
        found = (ApiToken.objects.select_related("user__profile")
                 .filter(digest=digest, revoked__isnull=True, user__is_active=True).first())
        if found is None or not hmac.compare_digest(found.digest, digest):
            return None
        if not hasattr(found.user, "profile"):
            return None
        request.user = found.user
        return found.user


def client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


def audit(request: HttpRequest, user: AbstractBaseUser, uscc: str, as_of: str, endpoint: str) -> None:
    """Record one view of a credit file (SERVICE.md rule 4)."""
    AuditEntry.objects.create(username=user.get_username(), uscc=uscc, as_of=as_of, endpoint=endpoint,
                              client_address=client_address(request))


# -- failed logins ----------------------------------------------------------------------------------------


def _keys(username: str, address: str) -> list[str]:
    return [f"login-failures:user:{username.lower()[:150]}", f"login-failures:addr:{address}"]


def login_delay(username: str, address: str) -> float:
    """Seconds to wait before checking this attempt: none for the first LOGIN_FREE_FAILURES failures of the
    user name or the client address, then doubling per failure up to LOGIN_DELAY_MAX_SECONDS."""
    failures = max(cache.get(key, 0) for key in _keys(username, address))
    extra = failures - settings.LOGIN_FREE_FAILURES
    if extra < 0:
        return 0.0
    return min(settings.LOGIN_DELAY_SECONDS * 2 ** extra, settings.LOGIN_DELAY_MAX_SECONDS)


def wait_before_login(username: str, address: str) -> None:
    delay = login_delay(username, address)
    if delay:
        time.sleep(delay)


def record_login_failure(username: str, address: str) -> None:
    for key in _keys(username, address):
        cache.add(key, 0, settings.LOGIN_FAILURE_WINDOW_SECONDS)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, settings.LOGIN_FAILURE_WINDOW_SECONDS)


def clear_login_failures(username: str) -> None:
    cache.delete(_keys(username, "")[0])
