import sys
from typing import Any

from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.views import defaults
from django.views.decorators.debug import sensitive_post_parameters
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response

from .exceptions import RETRY_AFTER_SECONDS, request_fields
from .schema import error_responses
from .throttle import client_address, signin_attempt, signin_succeeded, throttled_message


class TooManyAttempts(exceptions.APIException):
    """429 with Retry-After (DRF's handler sends `wait` as the header)."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "throttled"

    def __init__(self, wait: int) -> None:
        super().__init__(throttled_message(wait), code="throttled")
        self.wait = wait


def _username(value: object) -> str:
    """The username as the token serializer's CharField will read it (a number included)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return ""
    return str(value)


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class TokenView(ObtainAuthToken):
    """POST {username, password} -> {token} for scripts (`Authorization: Token <key>`).
    Throttled per username and client address (apps.core.throttle): 429 with Retry-After."""

    @extend_schema(
        request=inline_serializer(
            "TokenRequest",
            {"username": serializers.CharField(), "password": serializers.CharField()},
        ),
        responses={
            200: inline_serializer("TokenResponse", {"token": serializers.CharField()}),
            **error_responses(400, 429),
        },
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = request_fields(request)
        username = _username(body.get("username"))
        counted = bool(username) and bool(body.get("password"))
        if counted:
            verdict = signin_attempt(username=username, address=client_address(request))
            if not verdict.allowed:
                raise TooManyAttempts(verdict.retry_after)
        response = super().post(request, *args, **kwargs)
        if counted:
            signin_succeeded(username=username, address=client_address(request))
        return response


class ThrottledAuthenticationForm(AuthenticationForm):
    """The login form, refused over the sign-in limit before the password is checked."""

    throttled_for = 0

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        if not (username and self.cleaned_data.get("password")) or self.request is None:
            return super().clean()
        address = client_address(self.request)
        verdict = signin_attempt(username=username, address=address)
        if not verdict.allowed:
            self.throttled_for = verdict.retry_after
            raise ValidationError(throttled_message(verdict.retry_after), code="throttled")
        cleaned = super().clean()
        signin_succeeded(username=username, address=address)
        return cleaned


class LoginPageView(LoginView):
    """/accounts/login/: Django's login view with the sign-in throttle (429 when refused)."""

    form_class = ThrottledAuthenticationForm
    template_name = "registration/login.html"

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_invalid(form)
        wait = getattr(form, "throttled_for", 0)
        if wait:
            response.status_code = status.HTTP_429_TOO_MANY_REQUESTS
            response["Retry-After"] = str(wait)
        return response


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True})


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404: a URL no route matches (`/api/v1/images/abc/`) answers JSON under /api/."""
    if _is_api(request):
        return JsonResponse({"detail": "No such endpoint.", "code": "not_found"}, status=404)
    return defaults.page_not_found(request, exception)


UNAVAILABLE = "The database is not answering; try again in a few seconds."


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500. The database down or restarting is a 503 with Retry-After (JSON under
    /api/), not a 500: the next request opens a new connection, so the app recovers alone."""
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        if _is_api(request):
            response = JsonResponse({"detail": UNAVAILABLE, "code": "unavailable"}, status=503)
        else:
            response = HttpResponse(UNAVAILABLE, status=503, content_type="text/plain")
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    if _is_api(request):
        return JsonResponse({"detail": "Server error.", "code": "server_error"}, status=500)
    return defaults.server_error(request)
