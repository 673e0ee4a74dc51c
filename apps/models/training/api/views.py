from dataclasses import fields

from django.http import FileResponse
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.jobs import job_accepted
from apps.core.schema import error_responses, page_of
from apps.models.runs.workers import workers_online
from apps.models.training import services
from apps.models.training.package import run_package
from apps.models.training.selectors import run_get_for_user, run_list, run_log, run_metrics
from apps.models.training.serializers import TrainingRunSerializer
from apps.models.training.snapshots import training_data_check
from apps.projects.models import Role
from apps.projects.selectors import manages_a_project, project_get_for_user
from ml.architectures import ARCHITECTURES
from ml.config import TrainConfig

from .serializers import (
    ArchitectureListSerializer,
    DataCheckQuerySerializer,
    DataCheckSerializer,
    LogPageSerializer,
    LogQuerySerializer,
    MetricPageSerializer,
    MetricQuerySerializer,
    RunCreateSerializer,
    WorkerSerializer,
)

HIDDEN_PARAMS = {"task", "architecture"}


def _param_schema() -> list[dict]:
    default = TrainConfig(task="classify", architecture="resnet18")
    out = []
    for f in fields(TrainConfig):
        if f.name in HIDDEN_PARAMS:
            continue
        value = getattr(default, f.name)
        if f.name == "anchors":  # a list of [w, h] to scripts; the form offers its two choices
            out.append({"name": "anchors", "type": "str", "default": "default",
                        "choices": ["default", "data"], "min": None, "max": None})  # fmt: skip
            continue
        kind = "bool" if f.name == "pretrained" or isinstance(value, bool) else type(value).__name__
        low, high = TrainConfig.RANGES.get(f.name, (None, None))
        out.append(
            {
                "name": f.name,
                "type": "str" if kind == "NoneType" else kind,
                "default": False if f.name == "pretrained" else value,
                "choices": list(TrainConfig.CHOICES.get(f.name, ())) or None,
                "min": low,
                "max": high,
            }
        )
    return out


class ArchitectureListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ArchitectureListSerializer)
    def get(self, request: Request) -> Response:
        results = [
            {"name": a.name, "task": a.task, "title": a.title, "defaults": a.defaults,
             "weights_file": a.weights_file, "takes_anchors": a.takes_anchors}
            for a in ARCHITECTURES.values()
        ]  # fmt: skip
        return Response({"results": results, "params": _param_schema()})


class RunListView(APIView):
    @extend_schema(responses=page_of(TrainingRunSerializer))
    def get(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(project_id=project_id, user=request.user)
        runs = run_list(project=project)[:200]
        return Response({"results": TrainingRunSerializer(runs, many=True).data, "next": None})

    @extend_schema(request=RunCreateSerializer, responses={202: TrainingRunSerializer})
    def post(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(
            project_id=project_id, user=request.user, min_role=Role.MANAGER
        )
        data = RunCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        run = services.run_create(project=project, user=request.user, **data.validated_data)
        return job_accepted(TrainingRunSerializer(run).data, request, "run-detail", run.pk)


class TrainingDataCheckView(APIView):
    @extend_schema(
        parameters=[DataCheckQuerySerializer],
        responses={200: DataCheckSerializer, **error_responses(400, 401, 404)},
    )
    def get(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(project_id=project_id, user=request.user)
        query = DataCheckQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        check = training_data_check(project=project, **query.validated_data)
        return Response(check.as_dict())


class RunDetailView(APIView):
    @extend_schema(responses=TrainingRunSerializer)
    def get(self, request: Request, run_id: int) -> Response:
        return Response(
            TrainingRunSerializer(run_get_for_user(run_id=run_id, user=request.user)).data
        )


class RunMetricsView(APIView):
    @extend_schema(parameters=[MetricQuerySerializer], responses=MetricPageSerializer)
    def get(self, request: Request, run_id: int) -> Response:
        run = run_get_for_user(run_id=run_id, user=request.user)
        query = MetricQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = run_metrics(run=run, after_step=query.validated_data.get("after_step"))
        return Response({"results": rows, "last_step": rows[-1]["step"] if rows else None})


class RunLogView(APIView):
    @extend_schema(parameters=[LogQuerySerializer], responses=LogPageSerializer)
    def get(self, request: Request, run_id: int) -> Response:
        run = run_get_for_user(run_id=run_id, user=request.user)
        query = LogQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        text, offset = run_log(run=run, offset=query.validated_data["offset"])
        return Response({"text": text, "offset": offset})


class RunCancelView(APIView):
    @extend_schema(
        request=None,
        responses={200: TrainingRunSerializer, **error_responses(409)},
        description="409: the run has already ended.",
    )
    def post(self, request: Request, run_id: int) -> Response:
        run = run_get_for_user(run_id=run_id, user=request.user, min_role=Role.MANAGER)
        return Response(TrainingRunSerializer(services.run_cancel(run=run)).data)


class RunResumeView(APIView):
    @extend_schema(
        request=None,
        responses={202: TrainingRunSerializer, **error_responses(409)},
        description="409: only an interrupted, failed or cancelled run can be resumed.",
    )
    def post(self, request: Request, run_id: int) -> Response:
        run = run_get_for_user(run_id=run_id, user=request.user, min_role=Role.MANAGER)
        run = services.run_resume(run=run)
        return job_accepted(TrainingRunSerializer(run).data, request, "run-detail", run.pk)


class RunPackageView(APIView):
    @extend_schema(responses={(200, "application/zip"): bytes})
    def get(self, request: Request, run_id: int) -> FileResponse:
        run = run_get_for_user(run_id=run_id, user=request.user)
        return FileResponse(
            run_package(run=run), as_attachment=True, filename=f"run-{run.pk}-{run.architecture}.zip",
            content_type="application/zip",
        )  # fmt: skip


class WorkersView(APIView):
    """The workers online: staff and anyone who manages a project (who pins runs)."""

    @extend_schema(responses={200: page_of(WorkerSerializer), **error_responses(403)})
    def get(self, request: Request) -> Response:
        if not (request.user.is_staff or manages_a_project(user=request.user)):
            raise PermissionDenied("Only site staff and project managers see the workers.")
        rows = workers_online()
        return Response({"results": WorkerSerializer(rows, many=True).data, "next": None})
