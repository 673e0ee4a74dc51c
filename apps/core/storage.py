"""Storage helpers: media goes through the storage API so workers need not share a disk."""

import os
import shutil
import threading
from pathlib import Path
from typing import IO

from django.core.files import File
from django.core.files.storage import default_storage


def storage_replace(name: str, content: IO[bytes] | File) -> str:
    """Write `content` under exactly `name`, replacing what was there (storages otherwise pick
    a new name when one exists)."""
    if default_storage.exists(name):
        default_storage.delete(name)
    return default_storage.save(name, content)


def storage_fetch(name: str, local: Path) -> Path:
    """A stored file on this host, copied once (callers use it for names written once)."""
    if not local.exists():
        local.parent.mkdir(parents=True, exist_ok=True)
        tmp = local.with_suffix(f"{local.suffix}.{os.getpid()}-{threading.get_ident()}.part")
        with default_storage.open(name, "rb") as src, open(tmp, "wb") as dst:
            shutil.copyfileobj(src, dst)
        os.replace(tmp, local)
    return local
