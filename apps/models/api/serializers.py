from rest_framework import serializers

from apps.models.models import Task


class RunCreateSerializer(serializers.Serializer):
    task = serializers.ChoiceField(choices=Task.choices)
    architecture = serializers.CharField(max_length=64)
    params = serializers.DictField(required=False, default=dict)


class MetricQuerySerializer(serializers.Serializer):
    after_step = serializers.IntegerField(required=False, min_value=-1)


class LogQuerySerializer(serializers.Serializer):
    offset = serializers.IntegerField(required=False, min_value=0, default=0)
