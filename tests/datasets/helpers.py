"""Small archives for the format tests, built in memory."""

import io
import zipfile

from PIL import Image

from apps.datasets.formats.base import Archive
from apps.images.archives import ArchiveLimits

LIMITS = ArchiveLimits(max_entries=10_000, max_uncompressed_bytes=2**30, max_file_bytes=2**27)


def jpeg(width: int = 64, height: int = 48, color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buf, "JPEG")
    return buf.getvalue()


def archive(files: dict[str, bytes | str]) -> Archive:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    buf.seek(0)
    return Archive(zipfile.ZipFile(buf), LIMITS)


def written(write, dataset, image_bytes=None) -> Archive:
    """What a format's writer puts in a zip, read back as an Archive."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        write(dataset, zf, image_bytes)
    buf.seek(0)
    return Archive(zipfile.ZipFile(buf), LIMITS)
