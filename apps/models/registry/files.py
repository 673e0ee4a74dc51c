"""A model version's stored files (model.pt, model.json, model.onnx) on this host."""

from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage

from apps.core.storage import storage_fetch
from apps.models.models import ModelVersion


def version_file(version: ModelVersion, name: str) -> Path:
    """A version's stored file on this host, fetched once (a version's files never change):
    serving, fine-tuning and preparing all read this one copy."""
    local = Path(settings.LABELFORGE_WORK_DIR) / version.storage_dir / name
    return storage_fetch(f"{version.storage_dir}/{name}", local)


def version_local_dir(version: ModelVersion) -> Path:
    """The folder holding every file a predictor loads (ONNX only when exported)."""
    names = ["model.json", "model.pt"]
    if version.onnx:
        names += ["model.onnx", "model.onnx.data"]
    for name in names:
        if name != "model.onnx.data" or default_storage.exists(f"{version.storage_dir}/{name}"):
            version_file(version, name)
    return Path(settings.LABELFORGE_WORK_DIR) / version.storage_dir
