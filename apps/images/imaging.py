"""Decoding and checking uploaded image bytes with Pillow. No Django models here."""

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image as PILImage
from PIL import ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "BMP": "bmp"}
EXIF_ORIENTATION = 0x0112


class InvalidImage(Exception):
    def __init__(self, detail: str, code: str = "invalid_image") -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code


@dataclass(frozen=True)
class DecodedImage:
    content: bytes  # what is stored: the upload, or its re-encoding with EXIF orientation applied
    extension: str
    format: str
    width: int
    height: int
    sha256: str  # of the uploaded bytes, so re-uploading the same file is caught as a duplicate


def decode_image(data: bytes, *, max_pixels: int) -> DecodedImage:
    """Check that `data` is a whole JPEG/PNG/WebP/BMP within the pixel limit; apply EXIF
    orientation. Raises InvalidImage with a message meant for the uploader."""
    if not data:
        raise InvalidImage("The file is empty.", "empty_file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            image = PILImage.open(io.BytesIO(data))
            fmt = image.format or ""
            if fmt not in ACCEPTED_FORMATS:
                raise InvalidImage(
                    f"Unsupported image format {fmt or 'unknown'}; accepted: JPEG, PNG, WebP, BMP.",
                    "unsupported_format",
                )
            width, height = image.size
            if width * height > max_pixels or width <= 0 or height <= 0:
                raise InvalidImage(
                    f"Image is {width}x{height} = {width * height:,} pixels, over the limit of "
                    f"{max_pixels:,} (decompression bomb protection).",
                    "too_many_pixels",
                )
            image.load()
            orientation = image.getexif().get(EXIF_ORIENTATION, 1)
            content = data
            if orientation not in (1, None):
                image = ImageOps.exif_transpose(image)
                content = _encode(image, fmt)
            width, height = image.size
    except InvalidImage:
        raise
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning) as exc:
        raise InvalidImage(
            f"Image rejected as a decompression bomb: {exc}", "too_many_pixels"
        ) from exc
    except UnidentifiedImageError as exc:
        raise InvalidImage(
            "Not an image (or a format Pillow cannot read).", "not_an_image"
        ) from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise InvalidImage(f"The image is corrupt or truncated: {exc}", "corrupt_image") from exc
    return DecodedImage(
        content=content,
        extension=ACCEPTED_FORMATS[fmt],
        format=fmt,
        width=width,
        height=height,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def _encode(image: PILImage.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=95)
    else:
        image.save(out, fmt)
    return out.getvalue()


def make_thumbnail(data: bytes, *, size: int) -> bytes:
    with PILImage.open(io.BytesIO(data)) as image:
        image.draft("RGB", (size * 2, size * 2))  # fast JPEG downscale on decode
        thumb = image.convert("RGB")
        thumb.thumbnail((size, size), PILImage.Resampling.LANCZOS)
        out = io.BytesIO()
        thumb.save(out, "JPEG", quality=85, optimize=True)
        return out.getvalue()
