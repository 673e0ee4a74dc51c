"""Storage helpers: media goes through the storage API so workers need not share a disk."""

from typing import IO

from django.core.files import File
from django.core.files.storage import default_storage


def storage_replace(name: str, content: IO[bytes] | File) -> str:
    """Write `content` under exactly `name`, replacing what was there (storages otherwise pick
    a new name when one exists)."""
    if default_storage.exists(name):
        default_storage.delete(name)
    return default_storage.save(name, content)
