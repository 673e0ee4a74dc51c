from rest_framework import serializers

from apps.models.models import AutoAnnotateMode, AutoAnnotateScope, Stage, Task


class RunCreateSerializer(serializers.Serializer):
    task = serializers.ChoiceField(choices=Task.choices)
    architecture = serializers.CharField(max_length=64)
    params = serializers.DictField(required=False, default=dict)
    init_from = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class DataCheckQuerySerializer(serializers.Serializer):
    task = serializers.ChoiceField(choices=Task.choices)


class DataIssueSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()


class DataCheckSerializer(serializers.Serializer):
    """What a run started now would train on, and what stops it or makes its figures weak."""

    task = serializers.CharField()
    ok = serializers.BooleanField(help_text="False when `errors` would stop the run.")
    images = serializers.IntegerField(help_text="Images the snapshot would hold.")
    left_out = serializers.IntegerField(help_text="Project images with no tags / boxes.")
    splits = serializers.DictField(child=serializers.IntegerField())
    classes = serializers.ListField(child=serializers.DictField())
    errors = DataIssueSerializer(many=True)
    warnings = DataIssueSerializer(many=True)


class MetricQuerySerializer(serializers.Serializer):
    after_step = serializers.IntegerField(required=False, min_value=-1)


class LogQuerySerializer(serializers.Serializer):
    offset = serializers.IntegerField(required=False, min_value=0, default=0)


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


class PredictOptionsSerializer(serializers.Serializer):
    top_k = serializers.IntegerField(required=False, default=3, min_value=1, max_value=100)
    threshold = serializers.FloatField(required=False, default=0.3, min_value=0.0, max_value=1.0)
    task = serializers.ChoiceField(choices=Task.choices, required=False)


class DownloadQuerySerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=["state_dict", "onnx"], default="state_dict")


class ServiceTokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)


class AutoAnnotateSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(
        choices=AutoAnnotateMode.choices, default=AutoAnnotateMode.CLASSIFY
    )
    model_version = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    classifier_version = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    scope = serializers.ChoiceField(
        choices=AutoAnnotateScope.choices, default=AutoAnnotateScope.UNLABELLED
    )
    filters = serializers.DictField(required=False, default=dict)
    threshold = serializers.FloatField(default=0.5, min_value=0.0, max_value=1.0)
