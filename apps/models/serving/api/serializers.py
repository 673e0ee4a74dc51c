"""Request bodies and query strings of the serving endpoints."""

from rest_framework import serializers

from apps.models.models import Task


class PredictOptionsSerializer(serializers.Serializer):
    top_k = serializers.IntegerField(required=False, default=3, min_value=1, max_value=100)
    threshold = serializers.FloatField(required=False, default=0.3, min_value=0.0, max_value=1.0)
    task = serializers.ChoiceField(choices=Task.choices, required=False)
    rle = serializers.BooleanField(
        required=False, default=False,
        help_text="Segmentation versions: also each prediction's mask as COCO compressed RLE.",
    )  # fmt: skip


class ServiceTokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)


class _BoxSerializer(serializers.Serializer):
    x = serializers.FloatField()
    y = serializers.FloatField()
    w = serializers.FloatField()
    h = serializers.FloatField()


class _MaskSerializer(serializers.Serializer):
    size = serializers.ListField(child=serializers.IntegerField(), help_text="[height, width]")
    counts = serializers.CharField(help_text="COCO compressed RLE")


class PredictionSerializer(serializers.Serializer):
    """Classification: label + confidence. Detection: label + score + box (image pixels).
    Segmentation: also polygon (rings [[x, y], ...] in image pixels, the outline first, then
    holes) and, with rle=true, mask."""

    label = serializers.CharField()
    confidence = serializers.FloatField(required=False)
    score = serializers.FloatField(required=False)
    box = _BoxSerializer(required=False)
    polygon = serializers.ListField(
        child=serializers.ListField(child=serializers.ListField(child=serializers.FloatField())),
        required=False,
    )
    mask = _MaskSerializer(required=False)


class _ImagePredictionsSerializer(serializers.Serializer):
    image = serializers.CharField()
    predictions = PredictionSerializer(many=True)


class _PredictVersionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    version = serializers.IntegerField()
    task = serializers.CharField()
    architecture = serializers.CharField()
    stage = serializers.CharField()


class PredictResponseSerializer(serializers.Serializer):
    """`predictions` is there when one image was sent; `results` always, one per image."""

    model_version = _PredictVersionSerializer()
    backend = serializers.CharField()
    results = _ImagePredictionsSerializer(many=True)
    inference_ms = serializers.FloatField()
    predictions = PredictionSerializer(many=True, required=False)


class PredictRequestSerializer(PredictOptionsSerializer):
    """The multipart body: `image` (repeatable, or `images`) files, and the options."""

    image = serializers.FileField(required=False)
    images = serializers.ListField(child=serializers.FileField(), required=False)


class PredictJsonSerializer(PredictOptionsSerializer):
    """The JSON body: base64-encoded image files, and the options."""

    image = serializers.CharField(required=False)
    images = serializers.ListField(child=serializers.CharField(), required=False)
