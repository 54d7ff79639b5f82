"""The service's own data: who may see which province, API token hashes, and the audit log.

Users, passwords and sessions are Django's own (`django.contrib.auth`); a user's role and province live in
`Profile`. Tokens are stored as SHA-256 hashes of 256-bit random secrets (a slow password hash adds nothing
to a secret that cannot be guessed, and would cost every API call); the secret is shown once.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

ROLES = ("risk_officer", "reviewer", "admin")
ALL_PROVINCES = "all"


class Profile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    role = models.CharField(max_length=20, choices=[(r, r) for r in ROLES])
    province = models.CharField(max_length=3, help_text="two-digit province code, or 'all' (national)")

    def __str__(self) -> str:
        return f"{self.user.username} ({self.role}, {self.province})"

    def region_prefix(self) -> str | None:
        """The region_code prefix this user may see; None for every province."""
        return None if self.province == ALL_PROVINCES else self.province


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(default=timezone.now)
    revoked = models.DateTimeField(null=True, blank=True)

    @staticmethod
    def hash(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    @classmethod
    def issue(cls, user) -> str:
        """A new token for `user`; only its hash is kept, the secret is returned to be shown once."""
        secret = secrets.token_urlsafe(32)
        cls.objects.create(user=user, digest=cls.hash(secret))
        return secret


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("the audit log is append-only")

    def delete(self):
        raise PermissionError("the audit log is append-only")


class AuditEntry(models.Model):
    """One view of an enterprise's credit file. Rows are only ever added: saving an existing row, updating or
    deleting through the ORM raise; on PostgreSQL a trigger refuses UPDATE and DELETE as well."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    username = models.CharField(max_length=150)
    uscc = models.CharField(max_length=18, db_index=True)
    as_of = models.CharField(max_length=10)
    endpoint = models.CharField(max_length=200)
    client_address = models.CharField(max_length=64)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("the audit log is append-only")
