"""Storage helpers: media goes through the storage API so workers need not share a disk."""

import os
import shutil
import tempfile
import threading
import zipfile
from pathlib import Path
from typing import IO

from django.core.files import File
from django.core.files.storage import default_storage

from apps.core.exceptions import ApplicationError

try:  # an object store (LABELFORGE_STORAGE=s3) fails with botocore's errors, not OSError
    from botocore.exceptions import BotoCoreError, ClientError

    STORAGE_ERRORS: tuple[type[Exception], ...] = (OSError, BotoCoreError, ClientError)
except ImportError:  # pragma: no cover - django-storages[s3] is a dependency
    STORAGE_ERRORS = (OSError,)


class StorageRefused(ApplicationError):
    """The disk or the object store refused a write (full, read-only, unreachable): 507, and
    the caller's transaction rolls back, so nothing is half-stored."""

    status_code = 507
    default_code = "storage_refused"


def storage_save(name: str, content: IO[bytes] | File) -> str:
    """default_storage.save, with a refused write as a clear 507 instead of a server error."""
    try:
        return default_storage.save(name, content)
    except STORAGE_ERRORS as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise StorageRefused(
            f"The file store refused the write ({reason}); nothing was stored."
        ) from exc


def storage_replace(name: str, content: IO[bytes] | File) -> str:
    """Write `content` under exactly `name`, replacing what was there (storages otherwise pick
    a new name when one exists)."""
    if default_storage.exists(name):
        default_storage.delete(name)
    return storage_save(name, content)


def storage_fetch(name: str, local: Path) -> Path:
    """A stored file on this host, copied once (callers use it for names written once)."""
    if not local.exists():
        local.parent.mkdir(parents=True, exist_ok=True)
        tmp = local.with_suffix(f"{local.suffix}.{os.getpid()}-{threading.get_ident()}.part")
        with default_storage.open(name, "rb") as src, open(tmp, "wb") as dst:
            shutil.copyfileobj(src, dst)
        os.replace(tmp, local)
    return local


def spooled_download() -> tempfile.SpooledTemporaryFile:
    """A file for a download built on the fly: memory up to 64 MiB, then disk. The response
    closes it."""
    return tempfile.SpooledTemporaryFile(max_size=64 * 1024 * 1024)


def storage_copy_into_zip(zf: zipfile.ZipFile, name: str, arcname: str) -> None:
    """Stream a stored file into an open zip (nothing when `name` is empty or missing)."""
    if name and default_storage.exists(name):
        with default_storage.open(name, "rb") as fh, zf.open(arcname, "w") as dst:
            shutil.copyfileobj(fh, dst, 1024 * 1024)
