"""Dataset imports and exports: start (202 with the job), list, detail, cancel, and the
export's zip."""

from django.core.files.storage import default_storage
from django.http import FileResponse
from drf_spectacular.utils import extend_schema
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.exceptions import Conflict, NotFound
from apps.core.jobs import job_accepted
from apps.core.schema import error_responses, page_of
from apps.datasets import services
from apps.datasets.selectors import (
    dataset_export_get_for_user,
    dataset_export_list,
    dataset_import_get_for_user,
    dataset_import_list,
)  # fmt: skip
from apps.datasets.serializers import DatasetExportSerializer, DatasetImportSerializer
from apps.projects.models import Role
from apps.projects.selectors import project_get_for_user

from .serializers import ExportCreateSerializer, ImportCreateSerializer

LIST_LIMIT = 50


class ImportListView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(responses=page_of(DatasetImportSerializer))
    def get(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(
            project_id=project_id, user=request.user, min_role=Role.MANAGER
        )
        rows = dataset_import_list(project=project)[:LIST_LIMIT]
        return Response({"results": DatasetImportSerializer(rows, many=True).data, "next": None})

    @extend_schema(request={"multipart/form-data": ImportCreateSerializer},
                   responses={202: DatasetImportSerializer, **error_responses(400)})  # fmt: skip
    def post(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(
            project_id=project_id, user=request.user, min_role=Role.MANAGER
        )
        data = ImportCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        options = {k: fields.pop(k) for k in ImportCreateSerializer.OPTIONS if k in fields}
        job = services.dataset_import_create(
            project=project, user=request.user, options=options, **fields
        )
        return job_accepted(
            DatasetImportSerializer(job).data, request, "dataset-import-detail", job.pk
        )


class ImportDetailView(APIView):
    @extend_schema(responses=DatasetImportSerializer)
    def get(self, request: Request, import_id: int) -> Response:
        job = dataset_import_get_for_user(import_id=import_id, user=request.user)
        return Response(DatasetImportSerializer(job).data)


class ImportCancelView(APIView):
    @extend_schema(request=None, responses={200: DatasetImportSerializer, **error_responses(409)})
    def post(self, request: Request, import_id: int) -> Response:
        job = dataset_import_get_for_user(import_id=import_id, user=request.user)
        return Response(DatasetImportSerializer(services.dataset_job_cancel(job=job)).data)


class ExportListView(APIView):
    @extend_schema(responses=page_of(DatasetExportSerializer))
    def get(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(
            project_id=project_id, user=request.user, min_role=Role.MANAGER
        )
        rows = dataset_export_list(project=project)[:LIST_LIMIT]
        context = {"request": request}
        return Response({"results": DatasetExportSerializer(rows, many=True, context=context).data,
                         "next": None})  # fmt: skip

    @extend_schema(request=ExportCreateSerializer,
                   responses={202: DatasetExportSerializer, **error_responses(400)})  # fmt: skip
    def post(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(
            project_id=project_id, user=request.user, min_role=Role.MANAGER
        )
        data = ExportCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = services.dataset_export_create(
            project=project, user=request.user, format=data.validated_data["format"],
            filters=data.validated_data["filter"], include_images=data.validated_data["include_images"],
        )  # fmt: skip
        body = DatasetExportSerializer(job, context={"request": request}).data
        return job_accepted(body, request, "dataset-export-detail", job.pk)


class ExportDetailView(APIView):
    @extend_schema(responses=DatasetExportSerializer)
    def get(self, request: Request, export_id: int) -> Response:
        job = dataset_export_get_for_user(export_id=export_id, user=request.user)
        return Response(DatasetExportSerializer(job, context={"request": request}).data)


class ExportCancelView(APIView):
    @extend_schema(request=None, responses={200: DatasetExportSerializer, **error_responses(409)})
    def post(self, request: Request, export_id: int) -> Response:
        job = dataset_export_get_for_user(export_id=export_id, user=request.user)
        body = DatasetExportSerializer(
            services.dataset_job_cancel(job=job), context={"request": request}
        )
        return Response(body.data)


class ExportDownloadView(APIView):
    @extend_schema(responses={(200, "application/zip"): bytes, **error_responses(404, 409)})
    def get(self, request: Request, export_id: int) -> FileResponse:
        job = dataset_export_get_for_user(export_id=export_id, user=request.user)
        if job.expires_at and (not job.file or not default_storage.exists(job.file)):
            raise NotFound("The export's file has expired (exports are kept 7 days): export "
                           "again.", code="expired")  # fmt: skip
        if not job.file:
            raise Conflict(f"The export is {job.status}: there is no file yet.", code="not_ready")
        return FileResponse(default_storage.open(job.file, "rb"), as_attachment=True,
                            filename=f"{job.format}-export-{job.pk}.zip",
                            content_type="application/zip")  # fmt: skip
