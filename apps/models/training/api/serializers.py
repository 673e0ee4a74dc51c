"""Request bodies and query strings of the training endpoints."""

from rest_framework import serializers

from apps.models.models import Task


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
