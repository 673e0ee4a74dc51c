"""A model version's ONNX bundle: model.onnx with its .data file, model.json, labels."""

import tempfile
import zipfile

from apps.core.storage import spooled_download, storage_copy_into_zip
from apps.models.models import ModelVersion


def onnx_package(*, version: ModelVersion) -> tempfile.SpooledTemporaryFile:
    """model.onnx references model.onnx.data by name: they must stay in one folder."""
    out = spooled_download()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        for name in ("model.onnx", "model.onnx.data", "model.json"):
            storage_copy_into_zip(zf, f"{version.storage_dir}/{name}", name)
        zf.writestr("labels.txt", "\n".join(version.classes) + "\n")
    out.seek(0)
    return out
