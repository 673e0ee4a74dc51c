from typing import Any

from django.db.models import Count, QuerySet

from apps.core.exceptions import ApplicationError, Conflict, NotFound
from apps.models.models import (
    ModelVersion,
    Stage,
    StageTransition,
    VersionStatus,
)
from apps.projects.models import Project, Role
from apps.projects.selectors import AnyUser, require_role


def model_version_list(
    *, project: Project, task: str | None = None, stage: str | None = None
) -> QuerySet[ModelVersion]:
    qs = project.model_versions.select_related("created_by")
    if task:
        qs = qs.filter(task=task)
    if stage:
        qs = qs.filter(stage=stage)
    return qs.order_by("-version")


def ready_version(*, project: Project, version_id: int | None, task: str | None,
                  role: str) -> ModelVersion:  # fmt: skip
    """The project's version `version_id` (of `task`, when given), or with no id its
    production version of `task`, ready to load; `role` names the field in the errors."""
    qs = project.model_versions.filter(task=task) if task else project.model_versions.all()
    version = (
        qs.filter(pk=version_id).first()
        if version_id
        else qs.filter(stage=Stage.PRODUCTION).first()
    )
    if version is None:
        which = f"model version {version_id}" if version_id else f"a production {task} model"
        raise ApplicationError(
            f"{role}: {which} is not in this project.", code="invalid_model_version"
        )
    if version.status != VersionStatus.READY:
        raise Conflict(f"{role}: v{version.version} is {version.status}.", code="model_not_ready")
    return version


def model_version_get_for_user(
    *, version_id: int, user: AnyUser, min_role: Role = Role.ANNOTATOR
) -> ModelVersion:
    version = ModelVersion.objects.select_related("created_by", "run").filter(pk=version_id).first()
    if version is None:
        raise NotFound("Model version not found.")
    require_role(project_id=version.project_id, user=user, min_role=min_role)
    return version


def stage_transition_list(
    *, project: Project, model_version: int | None = None
) -> QuerySet[StageTransition]:
    qs = StageTransition.objects.filter(model_version__project=project)
    if model_version is not None:
        qs = qs.filter(model_version_id=model_version)
    return qs.select_related("user", "model_version")


def review_stats(*, version: ModelVersion) -> dict[str, Any]:
    """How reviewers treated this version's predictions. `corrected`: a person edited the
    prediction (it became human-made and keeps the version); the correction rate counts
    corrected and rejected among everything reviewed."""
    from apps.annotations.models import Source

    rows = version.annotations.values_list("source", "review").annotate(n=Count("id")).order_by()
    stats = {"pending": 0, "accepted": 0, "corrected": 0, "rejected": 0}
    for source, review, n in rows:
        if source == Source.HUMAN:
            stats["corrected"] += n
        elif review in stats:
            stats[review] += n
    reviewed = stats["accepted"] + stats["corrected"] + stats["rejected"]
    wrong = stats["corrected"] + stats["rejected"]
    return {
        **stats,
        "reviewed": reviewed,
        "correction_rate": wrong / reviewed if reviewed else None,
    }
