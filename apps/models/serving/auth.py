"""Authentication for service tokens. Only predict views list ServiceTokenAuthentication;
every other endpoint answers a service key with a 401 that says it is limited to predict
(apps.core.auth)."""

from datetime import timedelta
from typing import Any

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from apps.core.gencache import FETCH
from apps.models.caches import token_cache
from apps.models.models import ServiceToken
from apps.models.serving.services import PREFIX, token_hash

TOUCH_EVERY = timedelta(seconds=60)


def _active_token(key_hash: str) -> ServiceToken | None:
    return ServiceToken.objects.filter(key_hash=key_hash, revoked_at__isnull=True).first()


def service_token_for_key(key: str, generation: bytes | None = FETCH) -> ServiceToken | None:
    """The active token with this key (cached), its last use recorded at most once a minute."""
    key_hash = token_hash(key)
    token = token_cache.get("all", key_hash, lambda: _active_token(key_hash), generation)
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        ServiceToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


class ServicePrincipal:
    """request.user for a service token: authenticated, a member of nothing."""

    is_authenticated = True
    is_active = True
    is_staff = False
    is_anonymous = False
    pk = None

    def __init__(self, token: ServiceToken) -> None:
        self.token = token
        self.project_id = token.project_id
        self.username = f"service:{token.name}"


class ServiceTokenAuthentication(BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[ServicePrincipal, ServiceToken] | None:
        parts = get_authorization_header(request).split()
        if len(parts) != 2 or parts[0].decode(errors="replace").lower() != "token":
            return None
        key = parts[1].decode(errors="replace")
        if not key.startswith(PREFIX):
            return None  # a user's token: the next authentication class handles it
        token = service_token_for_key(key)
        if token is None:
            raise AuthenticationFailed("Invalid or revoked service token.")
        return ServicePrincipal(token), token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


def service_project_id(request: Any) -> int | None:
    """The project a service-token request is bound to (None for users)."""
    return request.auth.project_id if isinstance(request.auth, ServiceToken) else None


class ServiceTokenScheme(OpenApiAuthenticationExtension):
    """OpenAPI: a service key goes in the same `Authorization: Token <key>` header."""

    target_class = ServiceTokenAuthentication
    name = "serviceToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": f"`Token {PREFIX}...`: a project's service token (predict only).",
        }
