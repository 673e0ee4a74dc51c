"""Auto-annotation runs (start, list, detail, cancel) and reverting a version's pending
predictions in one action."""

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.annotations.services import predictions_revert
from apps.core.jobs import job_accepted
from apps.core.schema import error_responses, page_of
from apps.models.autolabel import services as autoannotate
from apps.models.autolabel.selectors import autoannotate_run_get_for_user, autoannotate_run_list
from apps.models.autolabel.serializers import AutoAnnotationRunSerializer
from apps.models.registry.selectors import model_version_get_for_user
from apps.projects.models import Role
from apps.projects.selectors import project_get_for_user

from .serializers import AutoAnnotateSerializer


class AutoAnnotateView(APIView):
    @extend_schema(request=AutoAnnotateSerializer, responses={202: AutoAnnotationRunSerializer})
    def post(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(
            project_id=project_id, user=request.user, min_role=Role.MANAGER
        )
        data = AutoAnnotateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        run = autoannotate.autoannotate_create(
            project=project, user=request.user, **data.validated_data
        )
        return job_accepted(
            AutoAnnotationRunSerializer(run).data, request, "autoannotate-detail", run.pk
        )


class AutoAnnotationRunListView(APIView):
    @extend_schema(responses=page_of(AutoAnnotationRunSerializer))
    def get(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(project_id=project_id, user=request.user)
        rows = autoannotate_run_list(project=project)[:100]
        return Response(
            {"results": AutoAnnotationRunSerializer(rows, many=True).data, "next": None}
        )


class AutoAnnotationRunDetailView(APIView):
    @extend_schema(responses=AutoAnnotationRunSerializer)
    def get(self, request: Request, run_id: int) -> Response:
        run = autoannotate_run_get_for_user(run_id=run_id, user=request.user)
        return Response(AutoAnnotationRunSerializer(run).data)


class AutoAnnotationRunCancelView(APIView):
    @extend_schema(
        request=None,
        responses={200: AutoAnnotationRunSerializer, **error_responses(409)},
        description="409: the run has already ended.",
    )
    def post(self, request: Request, run_id: int) -> Response:
        run = autoannotate_run_get_for_user(run_id=run_id, user=request.user, min_role=Role.MANAGER)
        return Response(AutoAnnotationRunSerializer(autoannotate.autoannotate_cancel(run=run)).data)


class RevertPredictionsView(APIView):
    @extend_schema(request=None, responses={200: dict})
    def post(self, request: Request, version_id: int) -> Response:
        version = model_version_get_for_user(
            version_id=version_id, user=request.user, min_role=Role.MANAGER
        )
        removed = predictions_revert(model_version_id=version.pk, user=request.user)
        return Response({"removed": removed})
