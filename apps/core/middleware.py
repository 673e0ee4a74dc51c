from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from . import csp


class ContentSecurityPolicyMiddleware:
    """Every response carries LABELFORGE_CSP unless its view chose a policy (csp.with_csp).
    SecurityMiddleware sends nosniff, Referrer-Policy and COOP; XFrameOptionsMiddleware DENY."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.header = csp.render(settings.LABELFORGE_CSP)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if csp.HEADER in response or (settings.DEBUG and response.status_code >= 400):
            return response  # Django's debug error pages (DEBUG only) are inline styles and scripts
        response[csp.HEADER] = self.header
        return response


class RequestSizeLimitMiddleware:
    """Refuse an oversize request from its Content-Length, before anything (CSRF checks
    included) reads and spools the body."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.LABELFORGE_MAX_UPLOAD_BYTES
        if length > limit:
            return JsonResponse(
                {
                    "detail": f"Request is {length:,} bytes; the limit per request is {limit:,}. "
                    "Send the files in several requests.",
                    "code": "too_large",
                },
                status=413,
            )
        return self.get_response(request)


class SyncChainMiddleware:
    """Last in MIDDLEWARE, and sync-only: Django then runs every middleware above it in the
    one sync thread a request already uses. Without it, the async-capable ones below
    WhiteNoise (sync-only) ran in async mode under ASGI and hopped to that thread and back
    for each process_request/process_response, ~10 thread switches per request
    (bench/predict_latency.py)."""

    sync_capable, async_capable = True, False

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)
