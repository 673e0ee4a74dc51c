"""API authentication for users: DRF's token scheme, which also explains a service token
used where it does not belong (service tokens are checked by the predict views alone).
Tokens are looked up through a per-process cache (apps.core.gencache) that any write to a
token or a user invalidates (model signals: the admin and the ORM included)."""

import hashlib
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save
from rest_framework.authentication import TokenAuthentication, get_authorization_header
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from apps.core.gencache import GenerationCache

user_token_cache = GenerationCache("user-tokens")

SERVICE_TOKEN_PREFIX = "lfs_"
SERVICE_TOKEN_SCOPE = (
    "This is a service token: it can only call its project's predict endpoints "
    "(POST /api/v1/projects/{id}/predict/ and /api/v1/model-versions/{id}/predict/). "
    "Use a user's token (POST /api/v1/auth/token/) for the rest of the API."
)


class UserTokenAuthentication(TokenAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        parts = get_authorization_header(request).split()
        if len(parts) == 2 and parts[1].startswith(SERVICE_TOKEN_PREFIX.encode()):
            raise AuthenticationFailed(SERVICE_TOKEN_SCOPE, code="service_token_scope")
        return super().authenticate(request)

    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        digest = hashlib.sha256(key.encode()).hexdigest()
        token = user_token_cache.get(
            "all", digest, lambda: Token.objects.select_related("user").filter(key=key).first()
        )
        if token is None:
            raise AuthenticationFailed("Invalid token.")
        if not token.user.is_active:
            raise AuthenticationFailed("User inactive or deleted.")
        return token.user, token


def _changed(sender: type, **kwargs: Any) -> None:
    user_token_cache.bump_on_commit("all")


def connect() -> None:
    """Called from CoreConfig.ready: a token or user written anywhere invalidates the cache."""
    for model in (Token, get_user_model()):
        for signal in (post_save, post_delete):
            signal.connect(_changed, sender=model, dispatch_uid=f"tokens-{model.__name__}-{signal}")
