"""The one representation of an annotation: API responses, history rows and websocket events."""

from typing import Any

from rest_framework import serializers

from ml.geometry import polygon_bbox, rings_of, rle_bbox, rle_check

from .models import Annotation, Kind


class BoxSerializer(serializers.Serializer):
    x = serializers.FloatField(min_value=0)
    y = serializers.FloatField(min_value=0)
    w = serializers.FloatField(min_value=0)
    h = serializers.FloatField(min_value=0)


class AnnotationSerializer(serializers.ModelSerializer):
    box = serializers.SerializerMethodField()
    polygon = serializers.SerializerMethodField()

    class Meta:
        model = Annotation
        fields = [
            "id", "image", "label", "kind", "box", "polygon", "mask", "source", "score",
            "model_version", "review",
            "attributes", "version",
            "client_id", "created_by", "updated_by", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_box(self, annotation: Annotation) -> dict[str, float] | None:
        if annotation.kind != Kind.BOX:
            return None
        return {"x": annotation.x, "y": annotation.y, "w": annotation.w, "h": annotation.h}

    def get_polygon(self, annotation: Annotation) -> list[Any] | None:
        """One ring as [[x, y], ...]; with holes, the rings [[[x, y], ...], ...]."""
        rings = annotation.polygon
        if not rings:
            return None
        return rings[0] if len(rings) == 1 else rings


def state_geometry(state: dict[str, Any]) -> dict[str, Any]:
    """The geometry columns (x, y, w, h, polygon, mask) of an annotation_state, to restore it."""
    fields: dict[str, Any] = dict.fromkeys(("x", "y", "w", "h", "polygon", "mask"))
    if state.get("box"):
        fields.update({k: state["box"][k] for k in ("x", "y", "w", "h")})
    elif state.get("polygon"):
        fields["polygon"] = rings_of(state["polygon"])
        fields.update(zip(("x", "y", "w", "h"), polygon_bbox(fields["polygon"]), strict=True))
    elif state.get("mask"):
        fields["mask"] = state["mask"]
        fields.update(zip(("x", "y", "w", "h"), rle_bbox(rle_check(state["mask"])), strict=True))
    return fields


def annotation_state(annotation: Annotation) -> dict[str, Any]:
    """A JSON-safe snapshot (what history and events carry)."""
    return dict(AnnotationSerializer(annotation).data)


def annotation_states(annotations: list[Annotation]) -> list[dict[str, Any]]:
    """annotation_state for many at once (one serializer: its fields are built once)."""
    return [dict(state) for state in AnnotationSerializer(annotations, many=True).data]
