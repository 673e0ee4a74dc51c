"""Serving stored image files so that a browser can only ever treat them as images.

The Content-Type comes from the format the upload decoded as (Image.format; thumbnails are
always JPEG), never from a file name or the client, and the stored bytes must start like that
format or nothing is served. nosniff, a sandboxing CSP (a file opened on its own runs nothing
and reaches nothing) and Cross-Origin-Resource-Policy come with every file; the download name
is the uploaded name's stem with the format's extension."""

import logging
from pathlib import PurePosixPath

from django.core.files.storage import default_storage
from django.http import FileResponse

from apps.core.csp import HEADER as CSP_HEADER
from apps.core.exceptions import NotFound
from apps.images.imaging import ACCEPTED_FORMATS

log = logging.getLogger(__name__)
MEDIA_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "BMP": "image/bmp"}
FILE_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


def _looks_like(head: bytes, fmt: str) -> bool:
    if fmt == "JPEG":
        return head.startswith(b"\xff\xd8\xff")
    if fmt == "PNG":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if fmt == "WEBP":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if fmt == "BMP":
        return head.startswith(b"BM")
    return False


def serve_image(name: str, fmt: str, download_name: str) -> FileResponse:
    """The stored file `name` as an image of format `fmt` (a key of MEDIA_TYPES)."""
    if not name or not default_storage.exists(name):
        raise NotFound("File not available yet.", code="not_ready")
    fmt = fmt.upper()
    handle = default_storage.open(name, "rb")
    head = handle.read(16)
    if fmt not in MEDIA_TYPES or not _looks_like(head, fmt):
        handle.close()
        log.warning("stored file %s is not the %s image it should be; not served", name, fmt)
        raise NotFound("This file is not a servable image.", code="not_an_image")
    handle.seek(0)
    stem = PurePosixPath(download_name.replace("\\", "/")).stem or "image"
    response = FileResponse(handle, content_type=MEDIA_TYPES[fmt],
                            filename=f"{stem}.{ACCEPTED_FORMATS[fmt]}")  # fmt: skip
    response["Cache-Control"] = "private, max-age=86400, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    response[CSP_HEADER] = FILE_CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
