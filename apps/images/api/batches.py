"""Assignments: batches of a project's images handed to annotators (apps/images/batches.py)."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.exceptions import ApplicationError, request_fields
from apps.core.schema import error_responses, page_of
from apps.images import batches
from apps.images.selectors import ImageFilters, batch_get, batch_get_for_user, batch_list_for_user
from apps.images.serializers import BatchSerializer
from apps.projects.models import Role
from apps.projects.selectors import project_get_for_user

from .serializers import (
    BatchCreateSerializer,
    BatchListQuerySerializer,
    BatchPatchSerializer,
    BatchSplitSerializer,
)


def _out(batch_id: int) -> dict:
    return dict(BatchSerializer(batch_get(batch_id=batch_id)).data)


class ProjectBatchesView(APIView):
    parser_classes = [JSONParser]

    @extend_schema(responses=page_of(BatchSerializer))
    def get(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(project_id=project_id, user=request.user)
        rows = batch_list_for_user(user=request.user, project_id=project.pk)[:500]
        return Response({"results": BatchSerializer(rows, many=True).data, "next": None})

    @extend_schema(request=BatchCreateSerializer,
                   responses={201: BatchSerializer, **error_responses(400, 404, 409)})  # fmt: skip
    def post(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(
            project_id=project_id, user=request.user, min_role=Role.MANAGER
        )
        data = BatchCreateSerializer(data=request_fields(request))
        data.is_valid(raise_exception=True)
        batch = batches.batch_create(project=project, user=request.user, **data.validated_data)
        return Response(_out(batch.pk), status=status.HTTP_201_CREATED)


class ProjectBatchSplitView(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        request=BatchSplitSerializer,
        responses={201: page_of(BatchSerializer), **error_responses(400, 404, 409)},
        description="Split the unassigned images matching a filter among annotators.",
    )
    def post(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(
            project_id=project_id, user=request.user, min_role=Role.MANAGER
        )
        data = BatchSplitSerializer(data=request_fields(request))
        data.is_valid(raise_exception=True)
        params = data.validated_data
        label, batch = params["filter"].get("label"), params["filter"].get("batch")
        if label is not None and not project.labels.filter(pk=label).exists():
            raise ApplicationError("Unknown label for this project.", code="unknown_label")
        if batch is not None and not project.batches.filter(pk=batch).exists():
            raise ApplicationError("Unknown batch for this project.", code="unknown_batch")
        made = batches.batch_split(
            project=project, user=request.user, filters=ImageFilters(**params["filter"], order=params["order"]),
            assignees=params["assignees"], size=params["size"], due=params["due"],
            limit=params["limit"], gold=params["gold"],
        )  # fmt: skip
        results = [_out(b.pk) for b in made]
        return Response({"results": results, "next": None}, status=status.HTTP_201_CREATED)


class BatchListView(APIView):
    @extend_schema(parameters=[BatchListQuerySerializer], responses=page_of(BatchSerializer),
                   operation_id="v1_batches_list")  # fmt: skip
    def get(self, request: Request) -> Response:
        query = BatchListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = batch_list_for_user(user=request.user, assignee=query.validated_data.get("assignee"),
                                   project_id=query.validated_data.get("project"))[:500]  # fmt: skip
        return Response({"results": BatchSerializer(rows, many=True).data, "next": None})


class BatchDetailView(APIView):
    parser_classes = [JSONParser]

    @extend_schema(responses={200: BatchSerializer, **error_responses(401, 404)})
    def get(self, request: Request, batch_id: int) -> Response:
        batch = batch_get_for_user(batch_id=batch_id, user=request.user)
        return Response(BatchSerializer(batch).data)

    @extend_schema(request=BatchPatchSerializer, responses={200: BatchSerializer})
    def patch(self, request: Request, batch_id: int) -> Response:
        batch = batch_get_for_user(batch_id=batch_id, user=request.user, min_role=Role.MANAGER)
        data = BatchPatchSerializer(data=request_fields(request), partial=True)
        data.is_valid(raise_exception=True)
        batches.batch_update(batch=batch, data=data.validated_data)
        return Response(_out(batch.pk))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, batch_id: int) -> Response:
        batch = batch_get_for_user(batch_id=batch_id, user=request.user, min_role=Role.MANAGER)
        batches.batch_delete(batch=batch)
        return Response(status=status.HTTP_204_NO_CONTENT)
