"""Decoding and checking uploaded image bytes with Pillow. No Django models here."""

import hashlib
import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def _pillow_errors() -> Iterator[None]:
    """Pillow's many failure modes -> InvalidImage with a message meant for the uploader."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            yield
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


def _open_checked(data: bytes, max_pixels: int) -> PILImage.Image:
    """Open (not decode) `data`, checking format and pixel count first. Inside _pillow_errors."""
    if not data:
        raise InvalidImage("The file is empty.", "empty_file")
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
    return image


def decode_image(data: bytes, *, max_pixels: int) -> DecodedImage:
    """Check that `data` is a whole JPEG/PNG/WebP/BMP within the pixel limit; apply EXIF
    orientation. Raises InvalidImage with a message meant for the uploader."""
    with _pillow_errors():
        image = _open_checked(data, max_pixels)
        fmt = image.format or ""
        image.load()
        orientation = image.getexif().get(EXIF_ORIENTATION, 1)
        content = data
        if orientation not in (1, None):
            image = ImageOps.exif_transpose(image)
            content = _encode(image, fmt)
        width, height = image.size
    return DecodedImage(
        content=content,
        extension=ACCEPTED_FORMATS[fmt],
        format=fmt,
        width=width,
        height=height,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def load_rgb(data: bytes, *, max_pixels: int, draft_side: int | None = None) -> PILImage.Image:
    """A decoded, upright RGB image for inference, with the same checks as uploads. With
    `draft_side`, a JPEG decodes at the smallest DCT scale that keeps both sides >= it."""
    with _pillow_errors():
        image = _open_checked(data, max_pixels)
        if draft_side and image.format == "JPEG":
            image.draft("RGB", (draft_side, draft_side))
        image.load()
        if image.getexif().get(EXIF_ORIENTATION, 1) not in (1, None):
            image = ImageOps.exif_transpose(image)
        return image if image.mode == "RGB" else image.convert("RGB")


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


def crop_rotated(data: bytes, *, box: tuple[float, float, float, float], angle: float,
                 max_pixels: int) -> bytes:  # fmt: skip
    """The region `box` (x, y, w, h) of the image after turning it `angle` degrees
    counter-clockwise about the box's centre (straightening an object tilted clockwise by as
    much), as a JPEG (or PNG for a PNG source); outside the image is black."""
    x, y, w, h = box
    with _pillow_errors():
        image = _open_checked(data, max_pixels)
        fmt = "PNG" if image.format == "PNG" else "JPEG"
        image.load()
        if image.getexif().get(EXIF_ORIENTATION, 1) not in (1, None):
            image = ImageOps.exif_transpose(image)
        image = image.convert("RGBA" if fmt == "PNG" and image.mode in ("RGBA", "LA") else "RGB")
        if angle:
            image = image.rotate(angle, resample=PILImage.Resampling.BICUBIC,
                                 center=(x + w / 2, y + h / 2))  # fmt: skip
        region = image.crop((round(x), round(y), round(x + w), round(y + h)))
        return _encode(region, fmt)
