"""A model version's stored files (model.pt, model.json, model.onnx) on this host."""

from pathlib import Path

from django.core.files.storage import default_storage

from apps.core.storage import storage_fetch
from apps.models.models import ModelVersion


def version_file(version: ModelVersion, name: str) -> Path:
    """A version's stored file on this host, fetched once (a version's files never change):
    serving, fine-tuning and preparing all read this one copy. The copy lives under the
    version's uid, not its id: an id repeats when the database is recreated, and a host's
    work folder may hold an earlier installation's version of that id."""
    return storage_fetch(f"{version.storage_dir}/{name}", version.local_dir / name)


def version_local_dir(version: ModelVersion) -> Path:
    """The folder holding every file a predictor loads (ONNX only when exported)."""
    names = ["model.json", "model.pt"]
    if version.onnx:
        names += ["model.onnx", "model.onnx.data"]
    for name in names:
        if name != "model.onnx.data" or default_storage.exists(f"{version.storage_dir}/{name}"):
            version_file(version, name)
    return version.local_dir
