"""The one representation of an annotation: API responses, history rows and websocket events."""

from typing import Any

from rest_framework import serializers

from .models import Annotation, Kind


class BoxSerializer(serializers.Serializer):
    x = serializers.FloatField(min_value=0)
    y = serializers.FloatField(min_value=0)
    w = serializers.FloatField(min_value=0)
    h = serializers.FloatField(min_value=0)


class AnnotationSerializer(serializers.ModelSerializer):
    box = serializers.SerializerMethodField()

    class Meta:
        model = Annotation
        fields = [
            "id", "image", "label", "kind", "box", "source", "score", "model_version", "review",
            "attributes", "version",
            "client_id", "created_by", "updated_by", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_box(self, annotation: Annotation) -> dict[str, float] | None:
        if annotation.kind != Kind.BOX:
            return None
        return {"x": annotation.x, "y": annotation.y, "w": annotation.w, "h": annotation.h}


def annotation_state(annotation: Annotation) -> dict[str, Any]:
    """A JSON-safe snapshot (what history and events carry)."""
    return dict(AnnotationSerializer(annotation).data)


def annotation_states(annotations: list[Annotation]) -> list[dict[str, Any]]:
    """annotation_state for many at once (one serializer: its fields are built once)."""
    return [dict(state) for state in AnnotationSerializer(annotations, many=True).data]
