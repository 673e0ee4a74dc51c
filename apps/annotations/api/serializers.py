from rest_framework import serializers

from apps.annotations.models import AnnotationEvent, Kind, Review
from apps.annotations.serializers import BoxSerializer

POLYGON_HELP = ("A polygon's points in image pixels, [[x, y], ...], or its rings "
                "[[[x, y], ...], ...]: the outline first, then holes.")  # fmt: skip
MASK_HELP = 'A mask: {"size": [height, width], "counts": "<COCO compressed RLE>"}.'


class AnnotationCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    label = serializers.IntegerField()
    box = BoxSerializer(required=False, allow_null=True)
    polygon = serializers.JSONField(required=False, allow_null=True, help_text=POLYGON_HELP)
    mask = serializers.JSONField(required=False, allow_null=True, help_text=MASK_HELP)
    client_id = serializers.UUIDField(required=False, allow_null=True)


class AnnotationPatchSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    label = serializers.IntegerField(required=False)
    box = BoxSerializer(required=False)
    polygon = serializers.JSONField(required=False, help_text=POLYGON_HELP)
    mask = serializers.JSONField(required=False, help_text=MASK_HELP)
    review = serializers.ChoiceField(choices=Review.choices, required=False)


class AnnotationVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)


class AnnotationEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(
        source="actor.username", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = AnnotationEvent
        fields = [
            "id", "annotation_id", "image", "action", "before", "after", "reverts", "actor",
            "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class ClickSerializer(serializers.Serializer):
    x = serializers.FloatField()
    y = serializers.FloatField()
    positive = serializers.BooleanField(help_text="On the object (true) or off it (false).")


class SegmentSerializer(serializers.Serializer):
    box = BoxSerializer(help_text="Around the object, in image pixels.")
    points = ClickSerializer(many=True, required=False, default=list)


class SegmentedSerializer(serializers.Serializer):
    polygon = serializers.JSONField(
        allow_null=True, help_text=POLYGON_HELP + " Null: nothing found."
    )
    mask = serializers.JSONField(allow_null=True, help_text=MASK_HELP)
    ms = serializers.FloatField(help_text="Server time, decode included.")
    method = serializers.ChoiceField(
        choices=["sam", "grabcut"],
        help_text="sam: a Segment-Anything weight file in the weights folder; grabcut otherwise.",
    )
    fallback = serializers.CharField(
        allow_null=True,
        help_text="Why GrabCut answered although a SAM weight file is there (it cannot be used).",
    )


class ReviewSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["accept", "reject"])
    version = serializers.IntegerField(min_value=1)


class ImageReviewSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["accept", "reject"])
    min_score = serializers.FloatField(required=False, default=0.0, min_value=0.0, max_value=1.0)


class ImageCropSerializer(serializers.Serializer):
    """A region of the image in its pixels, and the turn (degrees, counter-clockwise) that
    straightens what is in it."""

    x = serializers.FloatField()
    y = serializers.FloatField()
    w = serializers.FloatField(min_value=1)
    h = serializers.FloatField(min_value=1)
    angle = serializers.FloatField(default=0.0, min_value=-45, max_value=45)
