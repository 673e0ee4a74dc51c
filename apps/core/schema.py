"""OpenAPI pieces shared by the API views: the one error body every 4xx answers with, the
list envelope, and the hook that documents the errors every operation can answer."""

from functools import cache
from typing import Any

from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """`{"detail": ..., "code": ...}` (apps.core.exceptions renders every client error so)."""

    detail = serializers.CharField()
    code = serializers.CharField()


def error_responses(*statuses: int) -> dict[int, type[ErrorSerializer]]:
    """`responses={200: X, **error_responses(409)}` in extend_schema, for the errors an
    operation answers beyond those every operation may (see `postprocess_error_responses`)."""
    return dict.fromkeys(statuses, ErrorSerializer)


@cache
def page_of(item: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The list envelope `{results: [item...], next: <absolute url or null>}` (one component
    per item type, e.g. `ProjectPage`)."""
    name = item.__name__.removesuffix("Serializer")
    return type(
        f"{name}PageSerializer",
        (serializers.Serializer,),
        {
            "__module__": __name__,
            "results": item(many=True),
            "next": serializers.URLField(allow_null=True),
        },
    )


_ERROR_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
    "required": ["detail", "code"],
}
_DESCRIPTIONS = {
    "400": "The request is invalid (the body or a query parameter).",
    "401": "Not signed in, or the token is invalid.",
    "403": "Signed in, but the role in this project does not allow it.",
    "404": "No such object, or not one this user can see.",
    "413": "The request body is larger than the upload limit.",
    "415": "The body's content type is not one the operation reads.",
    "503": "PostgreSQL or Redis is not answering (restarting); nothing was stored. "
    "Retry after the `Retry-After` seconds.",
}


def _statuses(operation: dict[str, Any], path: str) -> list[str]:
    statuses = ["401", "403", "503"]
    params = operation.get("parameters", [])
    if "{" in path:
        statuses.append("404")
    if "requestBody" in operation or any(p.get("in") == "query" for p in params):
        statuses.append("400")
    if "requestBody" in operation:
        statuses += ["413", "415"]
    return statuses


def postprocess_error_responses(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular hook: every operation documents the errors the whole API answers with
    (authentication, permission, unknown ids, invalid input, body size and type, a database
    or queue that is restarting), all as the
    `Error` body, so a client (and schemathesis) knows every status it can get."""
    result.setdefault("components", {}).setdefault("schemas", {}).setdefault("Error", _ERROR_SCHEMA)
    ref = {"$ref": "#/components/schemas/Error"}
    for path, methods in result.get("paths", {}).items():
        for operation in methods.values():
            responses = operation.setdefault("responses", {})
            for status in _statuses(operation, path):
                responses.setdefault(
                    status,
                    {
                        "description": _DESCRIPTIONS[status],
                        "content": {"application/json": {"schema": ref}},
                    },
                )
    return result
