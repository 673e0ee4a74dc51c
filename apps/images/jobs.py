"""RQ jobs of the images app: take ids, are safe to run twice."""

import logging

from .batches import batch_due_notify
from .models import Image
from .services import image_thumbnail_make

log = logging.getLogger(__name__)


def image_thumbnails_make(*, image_ids: list[int]) -> int:
    made = 0
    for image in Image.objects.filter(pk__in=image_ids).order_by("id"):
        try:
            made += image_thumbnail_make(image=image)
        except OSError:
            log.exception("thumbnail failed for image %s", image.pk)
    return made


def batch_due_check(*, batch_id: int, due: str) -> bool:
    return batch_due_notify(batch_id=batch_id, due=due)
