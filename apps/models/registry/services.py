"""Writes for model versions: register a run's weights, import a checkpoint, prepare
(held-out evaluation + ONNX export, on a worker), and stage changes with an audit row."""

import json
import re
import tempfile
import unicodedata
from collections.abc import Callable
from pathlib import Path

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from apps.core.broadcast import broadcast, broadcast_on_commit, project_group
from apps.core.exceptions import ApplicationError, Conflict
from apps.core.jobs import enqueue_on_commit
from apps.core.storage import storage_replace
from apps.models.caches import production_cache
from apps.models.models import (
    ModelVersion,
    Stage,
    StageTransition,
    TrainingRun,
    VersionSource,
    VersionStatus,
)
from apps.models.registry.serializers import headline_metrics, version_payload
from apps.projects.models import Project
from apps.webhooks.services import webhook_emit
from ml.architectures import ARCHITECTURES
from ml.manifest import Manifest

PREPARE_JOB = "apps.models.registry.jobs.model_version_prepare_job"
MAX_CLASSES = 10_000


def _broadcast(version: ModelVersion, *, on_commit: bool = True) -> None:
    send = broadcast_on_commit if on_commit else broadcast
    send(project_group(version.project_id), "model.updated", version_payload(version))


def _next_number(project: Project) -> int:
    """Call inside a transaction: the project row lock serialises numbering and promotion."""
    Project.objects.select_for_update().filter(pk=project.pk).first()
    last = project.model_versions.aggregate(n=Max("version"))["n"]
    return (last or 0) + 1


@transaction.atomic
def model_version_register(*, run: TrainingRun, weights: Path) -> ModelVersion:
    """The version for a finished run (one per run: a job run twice reuses it)."""
    existing = ModelVersion.objects.filter(run=run).first()
    if existing is not None:
        return existing
    version = ModelVersion.objects.create(
        project_id=run.project_id, version=_next_number(run.project), run=run,
        snapshot=run.snapshot, source=VersionSource.TRAINED, task=run.task,
        architecture=run.architecture, classes=run.snapshot.classes,
        image_size=int(run.params.get("image_size", 224)), created_by=run.created_by,
    )  # fmt: skip
    with open(weights, "rb") as fh:
        version.weights = storage_replace(f"{version.storage_dir}/model.pt", fh)
    version.size_bytes = weights.stat().st_size
    version.save(update_fields=["weights", "size_bytes"])
    _broadcast(version)
    return version


def _parse_classes(text: str) -> list[str]:
    """A JSON list, or one name per line (torchvision's categories, ImageNet synset files)."""
    text = text.strip()
    if text.startswith("["):
        try:
            names = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ApplicationError(
                f"classes: not valid JSON ({exc}).", code="invalid_classes"
            ) from exc
        if not all(isinstance(n, str) for n in names):
            raise ApplicationError("classes: a list of names (strings).", code="invalid_classes")
    else:
        names = [re.sub(r"^n\d{8}\s+", "", line) for line in text.splitlines()]
    names = [n.strip() for n in names if n.strip()]
    if not names:
        raise ApplicationError("classes: no class names given.", code="invalid_classes")
    if len(names) > MAX_CLASSES:
        raise ApplicationError(f"classes: at most {MAX_CLASSES:,} names.", code="invalid_classes")
    for name in names:  # e.g. a binary file sent as the classes file
        if len(name) > 200 or any(unicodedata.category(c) in ("Cc", "Cs") for c in name):
            raise ApplicationError(
                f"classes: {name[:40]!r} is not a class name (control characters, or over "
                "200 characters): send a text file, one name per line.",
                code="invalid_classes",
            )
    return names


CLASS_PRESETS = ("imagenet",)


def preset_classes(preset: str) -> list[str]:
    """The 1,000 ImageNet category names torchvision ships (no download). Workers only:
    it imports torchvision."""
    from torchvision.models._meta import _IMAGENET_CATEGORIES

    assert preset == "imagenet"
    return list(_IMAGENET_CATEGORIES)


@transaction.atomic
def model_version_import(
    *,
    project: Project,
    user: AbstractBaseUser,
    architecture: str,
    weights: UploadedFile,
    classes: str | None,
    classes_preset: str | None,
    image_size: int | None,
    description: str = "",
) -> ModelVersion:
    """Store the checkpoint as a pending version; the prepare job checks that it loads."""
    arch = ARCHITECTURES.get(architecture)
    if arch is None:
        raise ApplicationError(
            f"Unknown architecture '{architecture}'.", code="invalid_architecture"
        )
    names: list[str] = []  # a preset's names are filled in by the prepare job
    if classes_preset:
        if classes_preset not in CLASS_PRESETS:
            raise ApplicationError(
                f"Unknown classes_preset '{classes_preset}'.", code="invalid_classes"
            )
    elif classes:
        names = _parse_classes(classes)
    else:
        raise ApplicationError(
            "Give the class names (classes) or classes_preset=imagenet.", code="invalid_classes"
        )
    if len(set(names)) != len(names):
        raise ApplicationError("classes: names must be unique.", code="invalid_classes")
    version = ModelVersion.objects.create(
        project=project, version=_next_number(project), source=VersionSource.IMPORTED,
        task=arch.task, architecture=architecture, classes=names,
        image_size=image_size or int(arch.defaults.get("image_size", 224)),
        description=description or f"Imported from {weights.name}", created_by=user,
    )  # fmt: skip
    version.weights = storage_replace(f"{version.storage_dir}/model.pt", weights)
    version.size_bytes = weights.size or 0
    version.save(update_fields=["weights", "size_bytes"])
    enqueue_on_commit("train", PREPARE_JOB, version_id=version.pk, classes_preset=classes_preset)
    _broadcast(version)
    return version


def model_version_prepare(
    *, version: ModelVersion, weights: Path, manifest: Manifest | None, seed: int = 0,
    log: Callable[[str], None] = print,
) -> ModelVersion:  # fmt: skip
    """Load the weights strictly, score the held-out split, export ONNX, store the artifacts.
    Runs on a worker (imports torch). A failure marks the version failed with the reason."""
    from ml.export import export_onnx
    from ml.holdout import evaluate_holdout
    from ml.predict import load_model
    from ml.registry import count_parameters, label_offset

    try:
        predictor = load_model(weights, version.architecture, version.classes, version.image_size)
    except Exception as exc:
        return _fail(version, f"The weights do not fit {version.architecture} with "
                     f"{len(version.classes)} classes: {_short(exc)}")  # fmt: skip
    version.parameters = count_parameters(predictor.model)
    if manifest is not None:
        log("Evaluating the model on the held-out split")
        version.metrics = evaluate_holdout(predictor, manifest, seed)
    log("Exporting to ONNX")
    meta = {
        "architecture": version.architecture, "task": version.task, "classes": version.classes,
        "image_size": version.image_size, "label_offset": label_offset(version.architecture),
        "version": version.version, "project": version.project_id,
    }  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        exported = export_onnx(predictor.model, task=version.task,
                               image_size=version.image_size, out_dir=out)  # fmt: skip
        if exported.error:
            version.onnx_error = exported.error
            log(f"ONNX export skipped, serving with torch: {exported.error}")
        else:
            for name in ("model.onnx", "model.onnx.data"):
                if (out / name).exists():
                    with open(out / name, "rb") as fh:
                        path = storage_replace(f"{version.storage_dir}/{name}", fh)
                    if name == "model.onnx":
                        version.onnx = path
        (out / "model.json").write_text(json.dumps(meta, indent=2))
        with open(out / "model.json", "rb") as fh:
            storage_replace(f"{version.storage_dir}/model.json", fh)
    version.status, version.error = VersionStatus.READY, ""
    # only what preparing owns: a stage change made meanwhile (archive) must survive
    version.save(update_fields=["status", "error", "metrics", "parameters", "onnx", "onnx_error"])
    _broadcast(version, on_commit=False)
    return version


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return " ".join(text[:4])[:600]


def _fail(version: ModelVersion, error: str) -> ModelVersion:
    version.status, version.error = VersionStatus.FAILED, error
    version.save(update_fields=["status", "error"])
    _broadcast(version, on_commit=False)
    return version


def _transition(version: ModelVersion, stage: str, user: AbstractBaseUser, reason: str) -> None:
    production_cache.bump_on_commit(version.project_id)
    StageTransition.objects.create(model_version=version, from_stage=version.stage,
                                   to_stage=stage, reason=reason, user=user)  # fmt: skip
    version.stage, version.stage_changed_at = stage, timezone.now()
    version.save(update_fields=["stage", "stage_changed_at"])


@transaction.atomic
def model_version_promote(
    *, version: ModelVersion, user: AbstractBaseUser, stage: str, reason: str
) -> ModelVersion:
    """Move to staging, production or archived. Promotion to production archives the current
    production version of the same task in the same transaction (rollback = promote an
    earlier version). The project row lock makes concurrent promotions take turns."""
    Project.objects.select_for_update().filter(pk=version.project_id).first()
    version = ModelVersion.objects.get(pk=version.pk)
    if version.stage == stage:
        raise Conflict(f"v{version.version} is already {stage}.", code="same_stage")
    if stage != Stage.ARCHIVED and version.status != VersionStatus.READY:
        raise Conflict(
            f"v{version.version} is {version.status}, not ready: it cannot be served.",
            code="model_not_ready",
        )
    if stage == Stage.PRODUCTION:
        current = ModelVersion.objects.filter(
            project_id=version.project_id, task=version.task, stage=Stage.PRODUCTION
        )
        for old in current:
            _transition(old, Stage.ARCHIVED, user, f"Replaced by v{version.version}: {reason}")
            _broadcast(old)
    _transition(version, stage, user, reason)
    _broadcast(version)
    if stage in (Stage.STAGING, Stage.PRODUCTION):
        webhook_emit(project_id=version.project_id, event="model.promoted", data={
            "model_version": version.pk, "version": version.version, "task": version.task,
            "architecture": version.architecture, "stage": stage, "reason": reason,
            "by": user.get_username(), "metrics": headline_metrics(version.metrics),
        })  # fmt: skip
    return version
