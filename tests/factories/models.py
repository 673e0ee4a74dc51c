"""Model versions made from freshly initialised weights (seeded), through the real import
service and prepare job: stored weights, model.json, ONNX export where it works."""

import io

import torch
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.models.models import ModelVersion
from apps.models.registry.jobs import model_version_prepare_job
from apps.models.registry.services import model_version_import
from apps.projects.models import Project
from ml.registry import build


def weights_bytes(architecture: str, num_classes: int, *, seed: int = 0, **kwargs: object) -> bytes:
    torch.manual_seed(seed)
    buf = io.BytesIO()
    torch.save(build(architecture, num_classes, **kwargs).state_dict(), buf)
    return buf.getvalue()


def make_version(
    project: Project,
    user: object,
    *,
    architecture: str = "resnet20",
    classes: tuple[str, ...] = ("sparrow", "robin"),
    image_size: int = 32,
    seed: int = 0,
    prepare: bool = True,
) -> ModelVersion:
    data = weights_bytes(architecture, len(classes), seed=seed, image_size=image_size)
    version = model_version_import(
        project=project, user=user, architecture=architecture,
        weights=SimpleUploadedFile("weights.pt", data), classes="\n".join(classes),
        classes_preset=None, image_size=image_size,
    )  # fmt: skip
    if prepare:
        model_version_prepare_job(version_id=version.pk)
        version.refresh_from_db()
    return version
