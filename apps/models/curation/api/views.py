"""Curation: embeddings runs (start, list, detail, cancel), the spaces, near-duplicate
groups, the actions on images (set aside, take back, gold, split, undo, diverse pick), a
version's opinion of one image (likely label errors) and the 2-D map."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.jobs import job_accepted
from apps.core.schema import error_responses, page_of
from apps.images.selectors import image_get_for_user
from apps.models.curation import selectors, services
from apps.models.curation.serializers import EmbeddingRunSerializer
from apps.projects.models import Project, Role
from apps.projects.selectors import project_get_for_user

from .serializers import (
    ChangeSerializer,
    CurationActionSerializer,
    DiverseSerializer,
    DuplicateReportSerializer,
    DuplicatesQuerySerializer,
    EmbeddingMapSerializer,
    EmbeddingsStartSerializer,
    OpinionSerializer,
    SpaceQuerySerializer,
    SpaceSerializer,
)

DEFAULT_THRESHOLD = {"hamming": 0.1, "cosine": 0.05}


def _space_query(request: Request, project: Project,
                 serializer: type[SpaceQuerySerializer]) -> tuple[dict[str, Any], str]:  # fmt: skip
    """The query string, validated, and the embedding space its `model_version` names."""
    query = serializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    version = query.validated_data["model_version"]
    return query.validated_data, selectors.space_for(project=project, model_version=version)


class EmbeddingsView(APIView):
    @extend_schema(responses=page_of(EmbeddingRunSerializer))
    def get(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(project_id=project_id, user=request.user)
        rows = selectors.embedding_run_list(project=project)[:50]
        return Response({"results": EmbeddingRunSerializer(rows, many=True).data, "next": None})

    @extend_schema(request=EmbeddingsStartSerializer,
                   responses={202: EmbeddingRunSerializer, **error_responses(400, 409)})  # fmt: skip
    def post(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(
            project_id=project_id, user=request.user, min_role=Role.MANAGER
        )
        data = EmbeddingsStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        run = services.embeddings_start(project=project, user=request.user, **data.validated_data)
        return job_accepted(
            EmbeddingRunSerializer(run).data, request, "embedding-run-detail", run.pk
        )


class EmbeddingRunDetailView(APIView):
    @extend_schema(responses=EmbeddingRunSerializer)
    def get(self, request: Request, run_id: int) -> Response:
        run = selectors.embedding_run_get_for_user(run_id=run_id, user=request.user)
        return Response(EmbeddingRunSerializer(run).data)


class EmbeddingRunCancelView(APIView):
    @extend_schema(request=None, responses={200: EmbeddingRunSerializer, **error_responses(409)})
    def post(self, request: Request, run_id: int) -> Response:
        run = selectors.embedding_run_get_for_user(run_id=run_id, user=request.user,
                                                   min_role=Role.MANAGER)  # fmt: skip
        return Response(EmbeddingRunSerializer(services.embeddings_cancel(run=run)).data)


class EmbeddingSpacesView(APIView):
    @extend_schema(responses=page_of(SpaceSerializer))
    def get(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(project_id=project_id, user=request.user)
        return Response({"results": selectors.embedding_spaces(project=project), "next": None})


class DuplicatesView(APIView):
    @extend_schema(parameters=[DuplicatesQuerySerializer],
                   responses={200: DuplicateReportSerializer, **error_responses(400)})  # fmt: skip
    def get(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(project_id=project_id, user=request.user)
        query, space = _space_query(request, project, DuplicatesQuerySerializer)
        threshold = query["threshold"]
        if threshold is None:
            threshold = DEFAULT_THRESHOLD[selectors.metric_of(space)]
        return Response(
            selectors.duplicate_report(project=project, space=space, threshold=threshold)
        )


class CurationView(APIView):
    # JSON only: thousands of image ids as form fields would pass Django's field-count limit
    parser_classes = [JSONParser]

    @extend_schema(request=CurationActionSerializer,
                   responses={200: ChangeSerializer, **error_responses(400)})  # fmt: skip
    def post(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(
            project_id=project_id, user=request.user, min_role=Role.MANAGER
        )
        data = CurationActionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        body = data.validated_data
        if body["action"] == "restore":
            change = services.curation_restore(project=project, images=body["images"])
        else:
            change = services.curation_apply(project=project, action=body["action"],
                                             image_ids=body["image_ids"], split=body["split"])  # fmt: skip
        return Response(change.as_dict())


class DiverseView(APIView):
    @extend_schema(request=DiverseSerializer,
                   responses={200: ChangeSerializer, **error_responses(400)})  # fmt: skip
    def post(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(
            project_id=project_id, user=request.user, min_role=Role.MANAGER
        )
        data = DiverseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        body = data.validated_data
        space = selectors.space_for(project=project, model_version=body["model_version"])
        change = services.curation_pick_diverse(project=project, space=space, n=body["n"],
                                                split=body["split"])  # fmt: skip
        return Response(change.as_dict())


class ImageOpinionView(APIView):
    @extend_schema(parameters=[SpaceQuerySerializer],
                   responses={200: OpinionSerializer, **error_responses(400)})  # fmt: skip
    def get(self, request: Request, image_id: int) -> Response:
        image, _ = image_get_for_user(image_id=image_id, user=request.user)
        query = SpaceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        version = query.validated_data["model_version"]
        return Response(selectors.image_opinion(image=image, model_version=version))


class EmbeddingMapView(APIView):
    @extend_schema(parameters=[SpaceQuerySerializer],
                   responses={200: EmbeddingMapSerializer, **error_responses(400)})  # fmt: skip
    def get(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(project_id=project_id, user=request.user)
        _, space = _space_query(request, project, SpaceQuerySerializer)
        return Response(selectors.embedding_map(project=project, space=space))
