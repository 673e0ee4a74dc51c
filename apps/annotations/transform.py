"""The labeller's Transform: crop a region of an image, turned by a small angle to straighten
a tilted object, into a new image of the project that carries the boxes (clipped) and tags
of its source and links back to it."""

import math
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.files.storage import default_storage
from django.db import transaction

from apps.core.exceptions import ApplicationError
from apps.images.imaging import crop_rotated
from apps.images.models import Image
from apps.images.services import enqueue_thumbnails, image_get_or_create

from .models import Annotation, Kind, Source
from .services import annotations_import

MAX_ANGLE = 45.0  # degrees either way
MIN_SIDE = 8  # px: a crop smaller than this is refused
KEEP = 0.3  # a box keeps this share of its (turned) area inside the crop, or it is left out

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Crop:
    x: float
    y: float
    w: float
    h: float
    angle: float = 0.0  # degrees, counter-clockwise

    def turned(self, box: Box) -> Box:
        """`box` in the crop's pixels: its corners turned with the image about the crop's
        centre, the box around them, moved to the crop's origin (not clipped)."""
        cx, cy = self.x + self.w / 2, self.y + self.h / 2
        a = math.radians(self.angle)
        cos, sin = math.cos(a), math.sin(a)
        bx, by, bw, bh = box
        xs, ys = [], []
        for px, py in ((bx, by), (bx + bw, by), (bx, by + bh), (bx + bw, by + bh)):
            dx, dy = px - cx, py - cy
            xs.append(cx + dx * cos + dy * sin - self.x)  # y points down: counter-clockwise
            ys.append(cy - dx * sin + dy * cos - self.y)
        return min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)

    def carried(self, box: Box) -> Box | None:
        """The box clipped to the crop, or None when less than KEEP of it is inside."""
        x, y, w, h = self.turned(box)
        x1, y1 = max(x, 0.0), max(y, 0.0)
        x2, y2 = min(x + w, self.w), min(y + h, self.h)
        if x2 <= x1 or y2 <= y1 or (x2 - x1) * (y2 - y1) < KEEP * w * h:
            return None
        return x1, y1, x2 - x1, y2 - y1


def _check(image: Image, crop: Crop) -> Crop:
    if not -MAX_ANGLE <= crop.angle <= MAX_ANGLE:
        raise ApplicationError(
            f"The angle must be within ±{MAX_ANGLE:g} degrees.", code="invalid_crop"
        )
    x1, y1 = max(crop.x, 0.0), max(crop.y, 0.0)
    x2, y2 = min(crop.x + crop.w, image.width), min(crop.y + crop.h, image.height)
    if x2 - x1 < MIN_SIDE or y2 - y1 < MIN_SIDE:
        raise ApplicationError(f"The region must be at least {MIN_SIDE}x{MIN_SIDE} px inside "
                               f"the {image.width}x{image.height} image.", code="invalid_crop")  # fmt: skip
    return Crop(x1, y1, x2 - x1, y2 - y1, crop.angle)


def image_crop(*, image: Image, user: AbstractBaseUser | None, crop: Crop) -> tuple[Image, bool]:
    """The new image (False: these pixels were already in the project, that image is
    returned unchanged) with the source's boxes that fall inside and its tags."""
    crop = _check(image, crop)
    with default_storage.open(image.file.name, "rb") as fh:
        data = crop_rotated(fh.read(), box=(crop.x, crop.y, crop.w, crop.h), angle=crop.angle,
                            max_pixels=settings.LABELFORGE_MAX_IMAGE_PIXELS)  # fmt: skip
    stem = image.filename.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    name = (
        f"{stem}_crop_{round(crop.x)}_{round(crop.y)}.{'png' if image.format == 'PNG' else 'jpg'}"
    )
    with transaction.atomic():
        made, created = image_get_or_create(project=image.project, user=user, name=name, data=data)
        if not created:
            return made, False
        made.source_image, made.split = image, image.split
        made.crop = {"x": crop.x, "y": crop.y, "w": crop.w, "h": crop.h, "angle": crop.angle}
        made.save(update_fields=["source_image", "split", "crop"])
        rows: list[dict[str, Any]] = []
        for a in Annotation.objects.filter(image=image).order_by("id"):
            if a.kind == Kind.TAG:
                rows.append({"kind": Kind.TAG, "label_id": a.label_id, "box": None})
                continue
            if a.kind != Kind.BOX:  # a polygon or mask stays on the original (not cut yet)
                continue
            carried = crop.carried((a.x, a.y, a.w, a.h))
            if carried:
                rows.append({"kind": Kind.BOX, "label_id": a.label_id, "attributes": a.attributes,
                             "box": dict(zip("xywh", carried, strict=True)), "source": Source.HUMAN})  # fmt: skip
        annotations_import(project=image.project, user=user, batch=[(made, rows)])
        enqueue_thumbnails([made.pk])
    return made, True
