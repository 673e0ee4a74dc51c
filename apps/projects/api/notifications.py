"""The signed-in user's inbox (apps/projects/notifications.py): across their projects."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.exceptions import request_fields
from apps.projects import notifications
from apps.projects.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "project", "kind", "text", "url", "created_at", "read"]
        read_only_fields = fields

    def get_read(self, n: Notification) -> bool:
        return n.read_at is not None


class ReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, allow_null=True,
        default=None, max_length=500, help_text="These; none: all of them.",
    )  # fmt: skip


Inbox = inline_serializer("Inbox", {
    "results": NotificationSerializer(many=True), "unread": serializers.IntegerField(),
    "next": serializers.CharField(allow_null=True),
})  # fmt: skip


class NotificationListView(APIView):
    @extend_schema(responses=Inbox, description="The newest 50, and how many are unread.")
    def get(self, request: Request) -> Response:
        rows = notifications.inbox(user_id=request.user.pk)[: notifications.INBOX_SIZE]
        return Response({"results": NotificationSerializer(rows, many=True).data, "next": None,
                         "unread": notifications.unread_count(user_id=request.user.pk)})  # fmt: skip


class NotificationReadView(APIView):
    parser_classes = [JSONParser]

    @extend_schema(request=ReadSerializer,
                   responses=inline_serializer("ReadResult", {"read": serializers.IntegerField()}))  # fmt: skip
    def post(self, request: Request) -> Response:
        data = ReadSerializer(data=request_fields(request))
        data.is_valid(raise_exception=True)
        n = notifications.mark_read(user_id=request.user.pk, ids=data.validated_data["ids"])
        return Response({"read": n})
