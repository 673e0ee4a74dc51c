"""The one representation of a training run: API responses and websocket events."""

from rest_framework import serializers

from apps.models.models import (
    ServiceToken,
)


class ServiceTokenSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(
        source="created_by.username", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = ServiceToken
        fields = ["id", "project", "name", "prefix", "created_by", "created_at", "last_used_at",
                  "revoked_at"]  # fmt: skip
        read_only_fields = fields
