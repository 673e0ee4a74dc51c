"""Model registry endpoints: versions, import, promotion and its audit trail, downloads."""

from django.core.files.storage import default_storage
from django.http import FileResponse
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.exceptions import Conflict
from apps.core.jobs import job_accepted
from apps.core.schema import error_responses, page_of
from apps.models.registry import services as versions
from apps.models.registry.package import onnx_package
from apps.models.registry.selectors import (
    model_version_get_for_user,
    model_version_list,
    review_stats,
    stage_transition_list,
)
from apps.models.registry.serializers import (
    ModelVersionDetailSerializer,
    ModelVersionSerializer,
    StageTransitionSerializer,
)
from apps.projects.models import Role
from apps.projects.selectors import project_get_for_user

from .serializers import (
    DownloadQuerySerializer,
    ImportSerializer,
    PromoteSerializer,
    TransitionQuerySerializer,
    VersionQuerySerializer,
)


class VersionListView(APIView):
    @extend_schema(parameters=[VersionQuerySerializer], responses=page_of(ModelVersionSerializer))
    def get(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(project_id=project_id, user=request.user)
        query = VersionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = model_version_list(project=project, **query.validated_data)[:500]
        return Response({"results": ModelVersionSerializer(rows, many=True).data, "next": None})


class VersionImportView(APIView):
    @extend_schema(request=ImportSerializer, responses={202: ModelVersionSerializer})
    def post(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(
            project_id=project_id, user=request.user, min_role=Role.MANAGER
        )
        data = ImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        body = data.validated_data
        classes = body.get("classes") or ""
        if "classes_file" in body:
            classes = body["classes_file"].read().decode("utf-8", errors="replace")
        version = versions.model_version_import(
            project=project, user=request.user, architecture=body["architecture"],
            weights=body["weights"], classes=classes or None,
            classes_preset=body.get("classes_preset") or None, image_size=body.get("image_size"),
            description=body.get("description", ""),
        )  # fmt: skip
        return job_accepted(
            ModelVersionSerializer(version).data, request, "version-detail", version.pk
        )


class VersionDetailView(APIView):
    @extend_schema(responses=ModelVersionDetailSerializer)
    def get(self, request: Request, version_id: int) -> Response:
        version = model_version_get_for_user(version_id=version_id, user=request.user)
        stats = review_stats(version=version)
        return Response(ModelVersionDetailSerializer(version, context={"review_stats": stats}).data)


class VersionPromoteView(APIView):
    @extend_schema(
        request=PromoteSerializer,
        responses={200: ModelVersionSerializer, **error_responses(409)},
        description="409: the version is not ready, or already in that stage.",
    )
    def post(self, request: Request, version_id: int) -> Response:
        version = model_version_get_for_user(
            version_id=version_id, user=request.user, min_role=Role.OWNER
        )
        data = PromoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = versions.model_version_promote(
            version=version, user=request.user, **data.validated_data
        )
        return Response(ModelVersionSerializer(version).data)


class TransitionListView(APIView):
    @extend_schema(
        parameters=[TransitionQuerySerializer], responses=page_of(StageTransitionSerializer)
    )
    def get(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(project_id=project_id, user=request.user)
        query = TransitionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = stage_transition_list(project=project, **query.validated_data)[:500]
        return Response({"results": StageTransitionSerializer(rows, many=True).data, "next": None})


class VersionDownloadView(APIView):
    @extend_schema(
        parameters=[DownloadQuerySerializer],
        responses={
            (200, "application/octet-stream"): bytes,
            (200, "application/zip"): bytes,
            **error_responses(409),
        },
        description="`format=pt`: the state_dict; `format=onnx`: a zip (409 if none).",
    )
    def get(self, request: Request, version_id: int) -> FileResponse:
        version = model_version_get_for_user(version_id=version_id, user=request.user)
        query = DownloadQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        stem = f"{version.project.name}-v{version.version}-{version.architecture}".replace(" ", "_")
        if query.validated_data["format"] == "onnx":
            if not version.onnx:
                detail = version.onnx_error or f"v{version.version} is {version.status}."
                raise Conflict(f"No ONNX export for this version: {detail}", code="no_onnx")
            return FileResponse(onnx_package(version=version), as_attachment=True,
                                filename=f"{stem}-onnx.zip", content_type="application/zip")  # fmt: skip
        return FileResponse(default_storage.open(version.weights, "rb"), as_attachment=True,
                            filename=f"{stem}.pt", content_type="application/octet-stream")  # fmt: skip
