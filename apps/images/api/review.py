"""Human review (apps/images/review.py): a reviewer's decision on an image, the issues it
raised, their resolution, and the image's workflow history."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.exceptions import request_fields
from apps.core.schema import error_responses, page_of
from apps.images import review
from apps.images.selectors import (
    image_events,
    image_get_for_user,
    image_issues,
    issue_get_for_user,
)
from apps.images.serializers import ImageEventSerializer, ImageSerializer, IssueSerializer
from apps.projects.models import Role

from .serializers import DecisionSerializer, IssuePatchSerializer

DecisionOut = inline_serializer(
    "DecisionResult", {"image": ImageSerializer(), "issues": IssueSerializer(many=True)}
)


class ImageDecisionView(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        request=DecisionSerializer,
        responses={200: DecisionOut, **error_responses(400, 403, 404, 409)},
        description="A reviewer accepts an image waiting for review (stage review -> done), or "
        "rejects it with issues (-> annotation, back to its annotator).",
    )
    def post(self, request: Request, image_id: int) -> Response:
        image, _ = image_get_for_user(image_id=image_id, user=request.user, min_role=Role.REVIEWER)
        data = DecisionSerializer(data=request_fields(request))
        data.is_valid(raise_exception=True)
        image = review.image_decide(image=image, user=request.user, **data.validated_data)
        issues = IssueSerializer(image_issues(image=image), many=True).data
        return Response({"image": ImageSerializer(image).data, "issues": issues})


class ImageIssuesView(APIView):
    @extend_schema(responses=page_of(IssueSerializer))
    def get(self, request: Request, image_id: int) -> Response:
        image, _ = image_get_for_user(image_id=image_id, user=request.user)
        rows = IssueSerializer(image_issues(image=image), many=True).data
        return Response({"results": rows, "next": None})


class IssueDetailView(APIView):
    parser_classes = [JSONParser]

    @extend_schema(request=IssuePatchSerializer,
                   responses={200: IssueSerializer, **error_responses(400, 404)})  # fmt: skip
    def patch(self, request: Request, issue_id: int) -> Response:
        issue = issue_get_for_user(issue_id=issue_id, user=request.user)
        data = IssuePatchSerializer(data=request_fields(request))
        data.is_valid(raise_exception=True)
        issue = review.issue_set_resolved(issue=issue, user=request.user, **data.validated_data)
        return Response(IssueSerializer(issue).data)


class ImageEventsView(APIView):
    @extend_schema(responses=page_of(ImageEventSerializer),
                   description="The image's workflow history, newest first.")  # fmt: skip
    def get(self, request: Request, image_id: int) -> Response:
        image, _ = image_get_for_user(image_id=image_id, user=request.user)
        rows = ImageEventSerializer(image_events(image=image)[:500], many=True).data
        return Response({"results": rows, "next": None})
