"""`anchors: "data"` for a training run: the detector's prior boxes from the project's own
boxes (train split, else all), scaled as training will resize their images, by IoU k-means
(ml.boxstats.anchors) — what the Dataset tab shows under "Anchors from the data"."""

import numpy as np

from apps.annotations.models import USABLE, Annotation, Kind
from apps.core.exceptions import ApplicationError
from apps.images.models import Split
from apps.projects.models import Project
from ml.boxstats import anchors
from ml.sizes import training_scale

ANCHORS = 9


def data_anchors(*, project: Project, image_size: int) -> list[list[float]]:
    boxes = Annotation.objects.filter(
        USABLE, image__project=project, kind=Kind.BOX, w__gt=0, h__gt=0
    )
    train = boxes.filter(image__split=Split.TRAIN)
    rows = list(
        (train if train.exists() else boxes).values_list("w", "h", "image__width", "image__height")
    )
    if not rows:
        raise ApplicationError("anchors: the project has no boxes to take anchors from.",
                               code="invalid_params")  # fmt: skip
    table = np.array(rows, dtype=np.float64)
    scale = training_scale(table[:, 2], table[:, 3], image_size)
    found, _ = anchors(table[:, :2] * scale[:, None], k=ANCHORS, image_size=image_size)
    return found.tolist()
