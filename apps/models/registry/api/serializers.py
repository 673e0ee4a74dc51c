"""Request bodies and query strings of the registry endpoints."""

from rest_framework import serializers

from apps.models.models import Stage, Task


class VersionQuerySerializer(serializers.Serializer):
    task = serializers.ChoiceField(choices=Task.choices, required=False)
    stage = serializers.ChoiceField(choices=Stage.choices, required=False)


class TransitionQuerySerializer(serializers.Serializer):
    model_version = serializers.IntegerField(required=False, min_value=1)


class PromoteSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=[Stage.STAGING, Stage.PRODUCTION, Stage.ARCHIVED])
    reason = serializers.CharField(max_length=500, trim_whitespace=True)


class ImportSerializer(serializers.Serializer):
    architecture = serializers.CharField(max_length=64)
    weights = serializers.FileField()
    classes = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    classes_file = serializers.FileField(required=False)
    classes_preset = serializers.CharField(required=False, allow_blank=True)
    image_size = serializers.IntegerField(required=False, min_value=16, max_value=2048)
    description = serializers.CharField(required=False, allow_blank=True, max_length=300)


class DownloadQuerySerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=["state_dict", "onnx"], default="state_dict")
