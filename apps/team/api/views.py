"""Team statistics for managers (per member, per member and day, as CSV), and the
labeller's active-time reports."""

import csv
import datetime
import io

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.exceptions import request_fields
from apps.core.schema import error_responses
from apps.projects.models import Role
from apps.projects.selectors import project_get_for_user
from apps.team.selectors import COUNTS, team_stats, team_stats_daily
from apps.team.services import MAX_REPORT_SECONDS, labelling_time_add


class WindowSerializer(serializers.Serializer):
    days = serializers.IntegerField(
        required=False, default=30, min_value=1, max_value=366, help_text="The last N days."
    )


class MemberStatsSerializer(serializers.Serializer):
    username = serializers.CharField()
    member = serializers.BooleanField(help_text="False: worked here, no longer a member.")
    images_done = serializers.IntegerField(help_text="Images they sent to review (marked done).")
    boxes = serializers.IntegerField(help_text="Boxes they drew.")
    tags = serializers.IntegerField(help_text="Tags they set.")
    shapes = serializers.IntegerField(help_text="Polygons and masks they made.")
    accepted = serializers.IntegerField(help_text="Of their images, accepted by a reviewer.")
    rejected = serializers.IntegerField(help_text="Of their images, sent back by a reviewer.")
    rejection_rate = serializers.FloatField(allow_null=True)
    reviewed = serializers.IntegerField(help_text="Decisions they made as a reviewer.")
    active_seconds = serializers.IntegerField(help_text="Active labelling time, idle excluded.")
    gold_agreement = serializers.FloatField(
        allow_null=True, help_text="Agreement with gold references; null without gold checks."
    )


class DayStatsSerializer(serializers.Serializer):
    day = serializers.DateField()
    username = serializers.CharField()
    images_done = serializers.IntegerField()
    boxes = serializers.IntegerField()
    tags = serializers.IntegerField()
    shapes = serializers.IntegerField()
    accepted = serializers.IntegerField()
    rejected = serializers.IntegerField()
    reviewed = serializers.IntegerField()
    active_seconds = serializers.IntegerField()


def since_of(request: Request) -> datetime.date:
    query = WindowSerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return timezone.localdate() - datetime.timedelta(days=query.validated_data["days"] - 1)


class TeamStatsView(APIView):
    @extend_schema(parameters=[WindowSerializer],
                   responses={200: MemberStatsSerializer(many=True), **error_responses(403, 404)})  # fmt: skip
    def get(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(project_id=project_id, user=request.user,
                                       min_role=Role.MANAGER)  # fmt: skip
        return Response(team_stats(project=project, since=since_of(request)))


class TeamStatsDailyView(APIView):
    @extend_schema(parameters=[WindowSerializer],
                   responses={200: DayStatsSerializer(many=True), **error_responses(403, 404)})  # fmt: skip
    def get(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(project_id=project_id, user=request.user,
                                       min_role=Role.MANAGER)  # fmt: skip
        return Response(team_stats_daily(project=project, since=since_of(request)))


class TeamStatsCsvView(APIView):
    @extend_schema(parameters=[WindowSerializer], responses={(200, "text/csv"): bytes})
    def get(self, request: Request, project_id: int) -> HttpResponse:
        project = project_get_for_user(project_id=project_id, user=request.user,
                                       min_role=Role.MANAGER)  # fmt: skip
        since = since_of(request)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["day", "username", *COUNTS])
        for row in team_stats_daily(project=project, since=since):
            writer.writerow([row["day"], row["username"], *(row[c] for c in COUNTS)])
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        name = f"team-stats-{project.pk}-{since.isoformat()}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class ActivitySerializer(serializers.Serializer):
    seconds = serializers.IntegerField(min_value=1, max_value=MAX_REPORT_SECONDS)


class ActivityView(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        request=ActivitySerializer,
        responses=inline_serializer("ActivityResult", {"today": serializers.IntegerField()}),
        description="The labeller's report of active labelling seconds since its last one.",
    )
    def post(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(project_id=project_id, user=request.user)
        data = ActivitySerializer(data=request_fields(request))
        data.is_valid(raise_exception=True)
        today = labelling_time_add(project=project, user=request.user,
                                   seconds=data.validated_data["seconds"])  # fmt: skip
        return Response({"today": today})
