"""Writes for training runs: start (freeze a snapshot, queue), cancel, resume, reap."""

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import Max

from apps.core.broadcast import broadcast, broadcast_on_commit, project_group
from apps.core.exceptions import ApplicationError, Conflict
from apps.core.jobs import enqueue_on_commit
from apps.models.models import (
    RESUMABLE_STATUSES,
    ModelVersion,
    RunLogChunk,
    RunStatus,
    TrainingRun,
    VersionStatus,
)
from apps.models.runs.lifecycle import run_request_cancel, runs_reap
from apps.models.runs.workers import check_gpus, train_queue_for
from apps.models.training.anchors import data_anchors
from apps.models.training.serializers import run_payload
from apps.models.training.snapshots import snapshot_create
from apps.projects.models import Project
from ml.architectures import architecture as architecture_info
from ml.config import TrainConfig

TRAIN_JOB = "apps.models.training.jobs.run_train"


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
        config.pretrained = weights_file  # a name: the worker finds it in its weights folder
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
    source: str = "",
    scale_class: str = "",
) -> TrainingRun:
    params = dict(params)
    pin = str(params.pop("worker", "") or "").strip()
    queue = train_queue_for(pin)  # refused before anything is stored
    if params.get("anchors") in ("default", None):
        params.pop("anchors", None)
    elif params["anchors"] == "data":  # from the project's boxes at the run's image size
        params.pop("anchors")
        size = _resolve_config(task, architecture, params).image_size
        if not architecture_info(architecture).takes_anchors:
            raise ApplicationError(f"anchors: {architecture} has no anchors to set (only RetinaNet "
                                   "and Faster R-CNN do).", code="invalid_params")  # fmt: skip
        params["anchors"] = data_anchors(project=project, image_size=size)
    config = _resolve_config(task, architecture, params)
    check_gpus(pin, config.gpus)
    start = _init_version(project, architecture, init_from) if init_from else None
    snapshot = snapshot_create(project=project, task=task, user=user, source=source,
                               scale_class=scale_class)  # fmt: skip
    run = TrainingRun.objects.create(
        project=project,
        snapshot=snapshot,
        task=task,
        architecture=architecture,
        params=config.to_dict(),
        init_from=start,
        worker_pin=pin,
        created_by=user,
    )
    enqueue_on_commit(queue, TRAIN_JOB, run_id=run.pk)
    run_broadcast_status(run=run)
    return run


def run_cancel(*, run: TrainingRun) -> TrainingRun:
    run = run_request_cancel(run)
    run_broadcast_status(run=run)
    return run


@transaction.atomic
def run_resume(*, run: TrainingRun) -> TrainingRun:
    run = TrainingRun.objects.select_for_update().get(pk=run.pk)
    if run.status not in RESUMABLE_STATUSES:
        raise Conflict(f"A {run.status} run cannot be resumed.", code="not_resumable")
    # any worker: a run interrupted on one host resumes on another (its checkpoint is stored)
    run.status, run.error, run.finished_at, run.worker_pin = RunStatus.QUEUED, "", None, ""
    run.save(update_fields=["status", "error", "finished_at", "worker_pin", "updated_at"])
    enqueue_on_commit("train", TRAIN_JOB, run_id=run.pk)
    run_broadcast_status(run=run)
    return run


RUN_STALE_ERROR = (
    "The worker stopped responding (killed or host lost). Resume to continue from the last "
    "checkpoint."
)


def run_reap_stale() -> int:
    """Training runs whose worker stopped beating become `interrupted`."""
    return runs_reap(TrainingRun, error=RUN_STALE_ERROR,
                     announce=lambda run: run_broadcast_status(run=run))  # fmt: skip


def run_log_append(*, run: TrainingRun, text: str) -> None:
    """Append to the run's log: one new chunk, whatever the log's length (one worker writes
    a run's log at a time: the one that claimed it)."""
    if not text:
        return
    start = RunLogChunk.objects.filter(run=run).aggregate(end=Max("end"))["end"] or 0
    RunLogChunk.objects.create(run=run, start=start, end=start + len(text.encode()), text=text)
