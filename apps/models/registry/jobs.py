"""The registry's worker job: prepare an imported checkpoint."""

import logging

from apps.models.models import ModelVersion, VersionStatus
from apps.models.registry.files import version_file
from apps.models.registry.services import model_version_prepare, preset_classes

log = logging.getLogger(__name__)


def model_version_prepare_job(*, version_id: int, classes_preset: str | None = None) -> str:
    """An imported checkpoint: check it loads, export ONNX. Safe to run twice."""
    version = ModelVersion.objects.filter(pk=version_id, status=VersionStatus.PENDING).first()
    if version is None:
        return "not pending"
    if classes_preset:
        version.classes = preset_classes(classes_preset)
        version.save(update_fields=["classes"])
    version = model_version_prepare(version=version, weights=version_file(version, "model.pt"),
                                    manifest=None, log=log.info)  # fmt: skip
    return str(version.status)
