from django.db.models import QuerySet

from apps.core.exceptions import NotFound
from apps.models.models import (
    AutoAnnotationRun,
)
from apps.projects.models import Project, Role
from apps.projects.selectors import AnyUser, require_role


def autoannotate_run_get_for_user(
    *, run_id: int, user: AnyUser, min_role: Role = Role.ANNOTATOR
) -> AutoAnnotationRun:
    run = (
        AutoAnnotationRun.objects.select_related(
            "model_version", "classifier_version", "created_by"
        )
        .filter(pk=run_id)
        .first()
    )
    if run is None:
        raise NotFound("Auto-annotation run not found.")
    require_role(project_id=run.project_id, user=user, min_role=min_role)
    return run


def autoannotate_run_list(*, project: Project) -> QuerySet[AutoAnnotationRun]:
    return project.auto_annotation_runs.select_related(
        "model_version", "classifier_version", "created_by"
    )
