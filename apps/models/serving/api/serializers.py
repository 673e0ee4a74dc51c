"""Request bodies and query strings of the serving endpoints."""

from rest_framework import serializers

from apps.models.models import Task


class PredictOptionsSerializer(serializers.Serializer):
    top_k = serializers.IntegerField(required=False, default=3, min_value=1, max_value=100)
    threshold = serializers.FloatField(required=False, default=0.3, min_value=0.0, max_value=1.0)
    task = serializers.ChoiceField(choices=Task.choices, required=False)


class ServiceTokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
