"""The Dataset tab's endpoints: statistics, shape clusters and anchors (any member), the
clean-up and aspect tools with their dry runs (managers), operations and their undo."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.schema import error_responses, page_of
from apps.datasets.models import OperationKind
from apps.datasets.selectors import dataset_operation_get_for_user, dataset_operation_list
from apps.datasets.serializers import DatasetOperationSerializer
from apps.datasets.workbench.operations import dataset_operation_undo, dataset_tool_run
from apps.datasets.workbench.shapes import box_anchors, box_clusters
from apps.datasets.workbench.specks import dataset_shapes_clean
from apps.datasets.workbench.stats import dataset_stats
from apps.datasets.workbench.table import BoxFilter
from apps.projects.models import Project, Role
from apps.projects.selectors import project_get_for_user

from .serializers import (
    AnchorsQuerySerializer,
    BoxFilterSerializer,
    ClustersQuerySerializer,
    FixOutsideSerializer,
    NormalizeAspectSerializer,
    RemoveDuplicatesSerializer,
    RemoveSmallBoxesSerializer,
    RemoveSmallShapesSerializer,
    ScaleClassesSerializer,
    ToolSerializer,
)

OPERATIONS_LISTED = 50


def _query(request: Request, project: Project, serializer: type[BoxFilterSerializer]) -> dict:
    data = serializer(data=request.query_params, context={"project": project})
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


def _filters(params: dict) -> BoxFilter:
    return BoxFilter(label=params.pop("label", None), split=params.pop("split", None),
                     image=params.pop("image", None))  # fmt: skip


class DatasetStatsView(APIView):
    @extend_schema(parameters=[BoxFilterSerializer], responses={200: dict, **error_responses(400)})
    def get(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(project_id=project_id, user=request.user)
        params = _query(request, project, BoxFilterSerializer)
        return Response(dataset_stats(project=project, filters=_filters(params)))


class DatasetClustersView(APIView):
    @extend_schema(
        parameters=[ClustersQuerySerializer], responses={200: dict, **error_responses(400)}
    )
    def get(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(project_id=project_id, user=request.user)
        params = _query(request, project, ClustersQuerySerializer)
        filters = _filters(params)
        return Response(box_clusters(project=project, filters=filters, **params))


class DatasetAnchorsView(APIView):
    @extend_schema(
        parameters=[AnchorsQuerySerializer], responses={200: dict, **error_responses(400)}
    )
    def get(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(project_id=project_id, user=request.user)
        params = _query(request, project, AnchorsQuerySerializer)
        filters = _filters(params)
        return Response(box_anchors(project=project, filters=filters, **params))


TOOL_RESPONSES = {200: dict, 201: dict, **error_responses(400)}
TOOL_DOC = ("{matched, changed, operation, examples}: a dry run (200) changes nothing and "
            "shows examples; an apply (201) is one operation, undone by "
            "POST /api/v1/dataset-operations/{id}/undo/.")  # fmt: skip


class DatasetToolView(APIView):
    """A tool's POST: validate, run (or dry-run), answer with the operation. Each tool is a
    subclass naming its kind and its serializer (the schema reads serializer_class)."""

    kind: str = ""
    serializer_class: type[ToolSerializer] = ToolSerializer

    def run(self, **kwargs: Any) -> dict[str, Any]:
        return dataset_tool_run(**kwargs)

    @extend_schema(responses=TOOL_RESPONSES, description=TOOL_DOC)
    def post(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(
            project_id=project_id, user=request.user, min_role=Role.MANAGER
        )
        data = self.serializer_class(data=request.data, context={"project": project})
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        params = {k: values[k] for k in self.serializer_class.TOOL_PARAMS}
        result = self.run(project=project, user=request.user, kind=self.kind, params=params,
                          filters=_filters(values), dry_run=values["dry_run"])  # fmt: skip
        operation = result["operation"]
        if operation is None:
            return Response(result)
        return Response({**result, "operation": DatasetOperationSerializer(operation).data},
                        status=201)  # fmt: skip


class RemoveSmallBoxesView(DatasetToolView):
    kind, serializer_class = OperationKind.REMOVE_SMALL_BOXES, RemoveSmallBoxesSerializer


class RemoveDuplicatesView(DatasetToolView):
    kind, serializer_class = OperationKind.REMOVE_DUPLICATES, RemoveDuplicatesSerializer


class FixOutsideView(DatasetToolView):
    kind, serializer_class = OperationKind.FIX_OUTSIDE, FixOutsideSerializer


class NormalizeAspectView(DatasetToolView):
    kind, serializer_class = OperationKind.NORMALIZE_ASPECT, NormalizeAspectSerializer


class ScaleClassesView(DatasetToolView):
    kind, serializer_class = OperationKind.SCALE_CLASSES, ScaleClassesSerializer


class RemoveSmallShapesView(DatasetToolView):
    """Polygons and masks: tiny polygons removed, specks wiped from masks (the box tools'
    answer, with `removed_pixels`)."""

    kind, serializer_class = OperationKind.REMOVE_SMALL_SHAPES, RemoveSmallShapesSerializer

    def run(self, **kwargs: Any) -> dict[str, Any]:
        params = kwargs.pop("params")
        kwargs.pop("kind")
        return dataset_shapes_clean(min_area=params["min_area"], **kwargs)


class DatasetOperationListView(APIView):
    @extend_schema(responses=page_of(DatasetOperationSerializer))
    def get(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(project_id=project_id, user=request.user)
        rows = dataset_operation_list(project=project)[:OPERATIONS_LISTED]
        return Response({"results": DatasetOperationSerializer(rows, many=True).data, "next": None})


class DatasetOperationUndoView(APIView):
    @extend_schema(
        request=None, responses={200: DatasetOperationSerializer, **error_responses(409)}
    )
    def post(self, request: Request, operation_id: int) -> Response:
        operation = dataset_operation_get_for_user(operation_id=operation_id, user=request.user)
        operation = dataset_operation_undo(operation=operation, user=request.user)
        return Response(DatasetOperationSerializer(operation).data)
