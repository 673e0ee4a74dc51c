"""OpenAPI pieces shared by the API views: the one error body every 4xx answers with."""

from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """`{"detail": ..., "code": ...}` (apps.core.exceptions renders every client error so)."""

    detail = serializers.CharField()
    code = serializers.CharField()


def error_responses(*statuses: int) -> dict[int, type[ErrorSerializer]]:
    """`responses={200: X, **error_responses(400, 401, 404)}` in extend_schema."""
    return dict.fromkeys(statuses, ErrorSerializer)
