"""Webhook endpoints (managers and owners): CRUD, a test ping, the delivery log."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.exceptions import NotFound
from apps.core.schema import page_of
from apps.projects.models import Role
from apps.projects.selectors import project_get_for_user, require_role

from . import services
from .models import EVENTS, Delivery, Webhook

DELIVERY_PAGE = 100


class WebhookSerializer(serializers.ModelSerializer):
    class Meta:
        model = Webhook
        fields = ["id", "project", "url", "events", "active", "created_at"]
        read_only_fields = fields


class WebhookWriteSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500)
    events = serializers.ListField(child=serializers.ChoiceField(choices=EVENTS), allow_empty=False)
    active = serializers.BooleanField(default=True)


class DeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = Delivery
        fields = ["id", "event", "status", "attempts", "response_status", "error", "duration_ms",
                  "created_at", "delivered_at", "next_attempt_at", "payload"]  # fmt: skip
        read_only_fields = fields


def _webhook_for(request: Request, webhook_id: int) -> Webhook:
    webhook = Webhook.objects.filter(pk=webhook_id).first()
    if webhook is None:
        raise NotFound("Webhook not found.")
    require_role(project_id=webhook.project_id, user=request.user, min_role=Role.MANAGER)
    return webhook


class WebhookListView(APIView):
    @extend_schema(responses=page_of(WebhookSerializer))
    def get(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(
            project_id=project_id, user=request.user, min_role=Role.MANAGER
        )
        return Response(
            {"results": WebhookSerializer(project.webhooks.all(), many=True).data, "next": None}
        )

    @extend_schema(request=WebhookWriteSerializer, responses={201: WebhookSerializer})
    def post(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(
            project_id=project_id, user=request.user, min_role=Role.MANAGER
        )
        data = WebhookWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        hook = services.webhook_create(project=project, user=request.user, **data.validated_data)
        body = {**WebhookSerializer(hook).data, "secret": hook.secret}  # shown once
        return Response(body, status=status.HTTP_201_CREATED)


class WebhookDetailView(APIView):
    @extend_schema(request=WebhookWriteSerializer(partial=True), responses=WebhookSerializer)
    def patch(self, request: Request, webhook_id: int) -> Response:
        webhook = _webhook_for(request, webhook_id)
        data = WebhookWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        webhook = services.webhook_update(webhook=webhook, data=dict(data.validated_data))
        return Response(WebhookSerializer(webhook).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, webhook_id: int) -> Response:
        _webhook_for(request, webhook_id).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookTestView(APIView):
    @extend_schema(request=None, responses={202: DeliverySerializer})
    def post(self, request: Request, webhook_id: int) -> Response:
        delivery = services.webhook_ping(webhook=_webhook_for(request, webhook_id))
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


class DeliveryListView(APIView):
    @extend_schema(responses=page_of(DeliverySerializer))
    def get(self, request: Request, webhook_id: int) -> Response:
        rows = _webhook_for(request, webhook_id).deliveries.all()[:DELIVERY_PAGE]
        return Response({"results": DeliverySerializer(rows, many=True).data, "next": None})
