from typing import Any

from django.core.files.storage import default_storage
from django.db.models import Count, QuerySet

from apps.core.exceptions import NotFound
from apps.projects.models import Project, Role
from apps.projects.selectors import AnyUser, require_role

from .models import (
    AutoAnnotationRun,
    ModelVersion,
    RunMetric,
    ServiceToken,
    StageTransition,
    TrainingRun,
)


def run_list(*, project: Project) -> QuerySet[TrainingRun]:
    return project.training_runs.select_related("snapshot", "created_by", "model_version").order_by(
        "-id"
    )


def run_get_for_user(*, run_id: int, user: AnyUser, min_role: Role = Role.ANNOTATOR) -> TrainingRun:
    run = (
        TrainingRun.objects.select_related("snapshot", "created_by", "model_version")
        .filter(pk=run_id)
        .first()
    )
    if run is None:
        raise NotFound("Training run not found.")
    require_role(project_id=run.project_id, user=user, min_role=min_role)
    return run


def run_metrics(*, run: TrainingRun, after_step: int | None) -> list[dict]:
    qs = RunMetric.objects.filter(run=run)
    if after_step is not None:
        qs = qs.filter(step__gt=after_step)
    return list(qs.order_by("step", "id").values("step", "epoch", "name", "value"))


def run_log(*, run: TrainingRun, offset: int) -> tuple[str, int]:
    name = f"{run.storage_dir}/log.txt"
    if not default_storage.exists(name):
        return "", offset
    with default_storage.open(name, "rb") as fh:
        fh.seek(offset)
        data = fh.read()
    return data.decode(errors="replace"), offset + len(data)


def model_version_list(
    *, project: Project, task: str | None = None, stage: str | None = None
) -> QuerySet[ModelVersion]:
    qs = project.model_versions.select_related("created_by")
    if task:
        qs = qs.filter(task=task)
    if stage:
        qs = qs.filter(stage=stage)
    return qs.order_by("-version")


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


def service_token_list(*, project: Project) -> QuerySet[ServiceToken]:
    return project.service_tokens.select_related("created_by")


def service_token_get_for_user(*, token_id: int, user: AnyUser) -> ServiceToken:
    token = ServiceToken.objects.filter(pk=token_id).first()
    if token is None:
        raise NotFound("Service token not found.")
    require_role(project_id=token.project_id, user=user, min_role=Role.OWNER)
    return token


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
