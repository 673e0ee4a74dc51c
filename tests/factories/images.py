"""Real image bytes made in memory: every test image is decodable (or broken on purpose)."""

import io
import zipfile

from PIL import Image as PILImage


def image_bytes(
    width: int = 64,
    height: int = 48,
    *,
    fmt: str = "PNG",
    color: tuple[int, int, int] = (200, 40, 40),
    exif_orientation: int | None = None,
) -> bytes:
    image = PILImage.new("RGB", (width, height), color)
    # a marker pixel block so orientation changes are visible in the pixels
    image.paste((0, 0, 255), (0, 0, max(1, width // 4), max(1, height // 4)))
    buf = io.BytesIO()
    kwargs = {}
    if exif_orientation is not None:
        exif = PILImage.Exif()
        exif[0x0112] = exif_orientation
        kwargs["exif"] = exif.tobytes()
    image.save(buf, fmt, **kwargs)
    return buf.getvalue()


def distinct_images(n: int, *, fmt: str = "PNG", size: tuple[int, int] = (40, 30)) -> list[bytes]:
    return [
        image_bytes(*size, fmt=fmt, color=(i * 37 % 256, i * 91 % 256, (i * 13 + 50) % 256))
        for i in range(n)
    ]


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


def decompression_bomb_png(width: int = 10_000, height: int = 10_000) -> bytes:
    """A tiny file that claims 100 megapixels (1-bit, all zero: compresses to almost nothing)."""
    buf = io.BytesIO()
    PILImage.new("1", (width, height), 0).save(buf, "PNG")
    return buf.getvalue()
