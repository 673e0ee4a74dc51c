"""The formats by name, and auto-detection: the first format, in an order from the most
specific marker to the least, whose detect() accepts the archive."""

from types import ModuleType

from . import coco, cvat, imagenet, labelforge, labelstudio, voc, yolo
from .base import Archive, FormatError

FORMATS: dict[str, ModuleType] = {
    m.NAME: m for m in (coco, yolo, voc, cvat, labelstudio, imagenet, labelforge)
}
DETECT_ORDER = (labelforge, coco, cvat, voc, labelstudio, yolo, imagenet)


def format_module(name: str) -> ModuleType:
    try:
        return FORMATS[name]
    except KeyError:
        raise FormatError(
            f"Unknown format '{name}': one of {', '.join(sorted(FORMATS))}.", code="unknown_format"
        ) from None


def detect_format(archive: Archive) -> ModuleType | None:
    return next((m for m in DETECT_ORDER if m.detect(archive)), None)
