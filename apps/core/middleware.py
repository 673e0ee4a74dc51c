from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse


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
