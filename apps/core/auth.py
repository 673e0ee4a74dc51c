"""API authentication for users: DRF's token scheme, which also explains a service token
used where it does not belong (service tokens are checked by the predict views alone)."""

from typing import Any

from rest_framework.authentication import TokenAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

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
