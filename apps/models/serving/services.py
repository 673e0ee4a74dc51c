"""Writes for service tokens: project-scoped keys for production clients that may call
predict and nothing else (authentication: serving/auth.py)."""

import hashlib
import secrets

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from apps.core.auth import SERVICE_TOKEN_PREFIX
from apps.core.exceptions import Conflict
from apps.models.caches import token_cache
from apps.models.models import ServiceToken
from apps.projects.models import Project

PREFIX = SERVICE_TOKEN_PREFIX


def token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def service_token_create(
    *, project: Project, user: AbstractBaseUser, name: str
) -> tuple[ServiceToken, str]:
    """The token row and its key; the key is not stored and cannot be shown again."""
    key = PREFIX + secrets.token_urlsafe(32)
    token = ServiceToken.objects.create(project=project, name=name, key_hash=token_hash(key),
                                        prefix=key[: len(PREFIX) + 4], created_by=user)  # fmt: skip
    return token, key


def service_token_revoke(*, token: ServiceToken) -> ServiceToken:
    if token.revoked_at is not None:
        raise Conflict("This token is already revoked.", code="already_revoked")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    token_cache.bump_on_commit("all")
    return token
