"""Writes for training runs: start (freeze a snapshot, queue), cancel, resume, reap."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from apps.core.exceptions import ApplicationError, Conflict
from apps.core.jobs import enqueue_on_commit
from apps.core.realtime import broadcast, broadcast_on_commit, project_group
from apps.projects.models import Project
from ml.architectures import architecture as architecture_info
from ml.config import TrainConfig

from .autoannotate import STALE_ERROR, autoannotate_broadcast
from .models import (
    ACTIVE_STATUSES,
    RESUMABLE_STATUSES,
    AutoAnnotationRun,
    ModelVersion,
    RunStatus,
    TrainingRun,
    VersionStatus,
)
from .snapshots import snapshot_create

TRAIN_JOB = "apps.models.jobs.run_train"


def run_payload(run: TrainingRun) -> dict[str, Any]:
    from .serializers import TrainingRunSerializer

    return dict(TrainingRunSerializer(run).data)


def run_broadcast_status(*, run: TrainingRun, on_commit: bool = True) -> None:
    send = broadcast_on_commit if on_commit else broadcast
    send(project_group(run.project_id), "run.status", run_payload(run))


def _resolve_config(task: str, architecture: str, params: dict[str, Any]) -> TrainConfig:
    params = dict(params)
    pretrained = params.pop("pretrained", None)
    try:
        config = TrainConfig.from_params(task=task, architecture_name=architecture, params=params)
    except ValueError as exc:
        raise ApplicationError(str(exc), code="invalid_params") from exc
    if pretrained:
        weights_file = architecture_info(architecture).weights_file
        if weights_file is None:
            raise ApplicationError(
                f"No pretrained weights exist for {architecture}.", code="invalid_params"
            )
        path = settings.LABELFORGE_WEIGHTS_DIR / weights_file
        if not path.is_file():
            raise ApplicationError(
                f"Pretrained weights not found: put torchvision's '{weights_file}' in "
                f"{settings.LABELFORGE_WEIGHTS_DIR} (this server cannot download it).",
                code="weights_missing",
            )
        config.pretrained = str(path)
    return config


def _init_version(project: Project, architecture: str, version_id: int) -> ModelVersion:
    version = project.model_versions.filter(pk=version_id).first()
    if version is None:
        raise ApplicationError(
            f"init_from: model version {version_id} is not in this project.", code="invalid_params"
        )
    if version.architecture != architecture:
        raise ApplicationError(
            f"init_from: v{version.version} is a {version.architecture}; fine-tuning needs the "
            f"same architecture ({architecture}).",
            code="invalid_params",
        )
    if version.status != VersionStatus.READY:
        raise Conflict(
            f"init_from: v{version.version} is {version.status}.", code="model_not_ready"
        )
    return version


@transaction.atomic
def run_create(
    *,
    project: Project,
    user: AbstractBaseUser,
    task: str,
    architecture: str,
    params: dict[str, Any],
    init_from: int | None = None,
) -> TrainingRun:
    config = _resolve_config(task, architecture, params)
    start = _init_version(project, architecture, init_from) if init_from else None
    snapshot = snapshot_create(project=project, task=task, user=user)
    run = TrainingRun.objects.create(
        project=project,
        snapshot=snapshot,
        task=task,
        architecture=architecture,
        params=config.to_dict(),
        init_from=start,
        created_by=user,
    )
    enqueue_on_commit("train", TRAIN_JOB, run_id=run.pk)
    run_broadcast_status(run=run)
    return run


@transaction.atomic
def run_cancel(*, run: TrainingRun) -> TrainingRun:
    run = TrainingRun.objects.select_for_update().get(pk=run.pk)
    if run.status == RunStatus.QUEUED:
        run.status, run.finished_at = RunStatus.CANCELLED, timezone.now()
    elif run.status == RunStatus.RUNNING:
        run.status = RunStatus.CANCELLING  # the training loop stops at the next step
    else:
        raise Conflict(f"A {run.status} run cannot be cancelled.", code="not_cancellable")
    run.save(update_fields=["status", "finished_at", "updated_at"])
    run_broadcast_status(run=run)
    return run


@transaction.atomic
def run_resume(*, run: TrainingRun) -> TrainingRun:
    run = TrainingRun.objects.select_for_update().get(pk=run.pk)
    if run.status not in RESUMABLE_STATUSES:
        raise Conflict(f"A {run.status} run cannot be resumed.", code="not_resumable")
    run.status, run.error, run.finished_at = RunStatus.QUEUED, "", None
    run.save(update_fields=["status", "error", "finished_at", "updated_at"])
    enqueue_on_commit("train", TRAIN_JOB, run_id=run.pk)
    run_broadcast_status(run=run)
    return run


RUN_STALE_ERROR = (
    "The worker stopped responding (killed or host lost). Resume to continue from the last "
    "checkpoint."
)


def _reap(model: type[TrainingRun | AutoAnnotationRun], cutoff: datetime, error: str,
          announce: Callable[[Any], None]) -> int:  # fmt: skip
    """Mark `model` rows whose worker stopped beating `interrupted`. The conditional UPDATE
    makes two reapers count each row once; `announce` sends its event after commit."""
    reaped = 0
    for row in list(model.objects.filter(status__in=ACTIVE_STATUSES, heartbeat_at__lt=cutoff)):
        with transaction.atomic():
            updated = model.objects.filter(
                pk=row.pk, status__in=ACTIVE_STATUSES, heartbeat_at__lt=cutoff
            ).update(status=RunStatus.INTERRUPTED, finished_at=timezone.now(), error=error)
            if updated:
                reaped += 1
                row.refresh_from_db()
                announce(row)
    return reaped


def run_reap_stale() -> int:
    """Training and auto-annotation runs whose worker stopped beating (killed, host lost)
    become `interrupted`."""
    cutoff = timezone.now() - timedelta(seconds=settings.LABELFORGE_RUN_STALE_SECONDS)
    return _reap(AutoAnnotationRun, cutoff, STALE_ERROR, autoannotate_broadcast) + _reap(
        TrainingRun, cutoff, RUN_STALE_ERROR, lambda run: run_broadcast_status(run=run)
    )
