"""Box statistics for the Dataset tab: per label counts, histograms of width, height, area
and aspect ratio, a sample of box sizes for a scatter, images without boxes and boxes at or
over the image border."""

from typing import Any

import numpy as np
from django.db.models import Count, Exists, OuterRef, Q

from apps.annotations.models import Annotation, Kind
from apps.projects.models import Project

from .table import BoxFilter, BoxTable, box_table

BINS = 30
SCATTER_POINTS = 3000
BORDER = 0.5  # px: a box this close to an edge touches it
ASPECT_EDGES = 2.0 ** np.linspace(-4, 4, 33)  # 1:16 .. 16:1, a quarter octave per bin


def _histogram(values: np.ndarray, edges: np.ndarray) -> dict[str, list[float]]:
    counts, _ = np.histogram(np.clip(values, edges[0], edges[-1]), bins=edges)
    return {"edges": [round(float(e), 4) for e in edges], "counts": counts.tolist()}


def histograms(table: BoxTable) -> dict[str, dict[str, list[float]]]:
    """Width, height and area on log-spaced bins up to the largest image side, aspect
    (w/h) on a log2 scale from 1:16 to 16:1."""
    side = float(max(table.image_w.max(initial=1), table.image_h.max(initial=1), 2))
    sides = np.geomspace(1, side, BINS + 1)
    areas = np.geomspace(1, side * side, BINS + 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        aspect = np.where(
            table.h > 0, table.w / np.where(table.h > 0, table.h, 1), ASPECT_EDGES[-1]
        )
    return {"width": _histogram(table.w, sides), "height": _histogram(table.h, sides),
            "area": _histogram(table.w * table.h, areas), "aspect": _histogram(aspect, ASPECT_EDGES)}  # fmt: skip


def scatter(table: BoxTable) -> dict[str, list[float]]:
    """Up to SCATTER_POINTS boxes, the same ones on every call for the same data."""
    rows = np.arange(len(table))
    if len(rows) > SCATTER_POINTS:
        rows = np.sort(np.random.default_rng(0).choice(rows, SCATTER_POINTS, replace=False))
    return {"w": np.round(table.w[rows], 1).tolist(), "h": np.round(table.h[rows], 1).tolist(),
            "label": table.label_ids[rows].tolist(), "id": table.ids[rows].tolist()}  # fmt: skip


def outside_mask(table: BoxTable) -> np.ndarray:
    """Boxes that cross an image edge (part of the box is outside the image)."""
    eps = 1e-6
    return ((table.x < -eps) | (table.y < -eps) | (table.x + table.w > table.image_w + eps)
            | (table.y + table.h > table.image_h + eps))  # fmt: skip


def touching_mask(table: BoxTable) -> np.ndarray:
    """Boxes inside the image with an edge within BORDER px of the image's edge."""
    near = ((table.x <= BORDER) | (table.y <= BORDER) | (table.x + table.w >= table.image_w - BORDER)
            | (table.y + table.h >= table.image_h - BORDER))  # fmt: skip
    return near & ~outside_mask(table)


def _scale_classes(table: BoxTable) -> dict[str, Any]:
    """Boxes per `scale_class` attribute (the Scale classes tool), and how many have none."""
    names, counts = np.unique(table.scale_classes.astype(str), return_counts=True)
    named = {str(n): int(c) for n, c in zip(names, counts, strict=True) if n}
    return {"counts": named, "without": len(table) - sum(named.values())}


def dataset_stats(*, project: Project, filters: BoxFilter) -> dict[str, Any]:
    table = box_table(project=project, filters=filters)
    images = project.images.all()
    if filters.split is not None:
        images = images.filter(split=filters.split)
    boxed = Annotation.objects.filter(image=OuterRef("pk"), kind=Kind.BOX)
    if filters.label is not None:
        boxed = boxed.filter(label_id=filters.label)
    image_split = Q(annotations__image__split=filters.split) if filters.split else Q()
    # a join, not the default manager: leave out blind attempts' private copies by hand
    box_q = Q(annotations__kind=Kind.BOX, annotations__worker__isnull=True) & image_split
    labels = project.labels.annotate(
        boxes=Count("annotations", filter=box_q),
        images=Count("annotations__image", filter=box_q, distinct=True),
    ).order_by("name")
    shaped = Annotation.objects.filter(image__project=project, kind__in=[Kind.POLYGON, Kind.MASK])
    if filters.split is not None:
        shaped = shaped.filter(image__split=filters.split)
    if filters.label is not None:
        shaped = shaped.filter(label_id=filters.label)
    kinds = dict(shaped.values_list("kind").annotate(n=Count("id")).order_by())
    return {
        "filters": filters.params(),
        "boxes": len(table),
        "polygons": kinds.get(Kind.POLYGON, 0),
        "masks": kinds.get(Kind.MASK, 0),
        "images": images.count(),
        "images_without_boxes": images.exclude(Exists(boxed)).count(),
        "boxes_touching_border": int(touching_mask(table).sum()),
        "boxes_outside": int(outside_mask(table).sum()),
        "labels": [
            {
                "id": lb.pk,
                "name": lb.name,
                "color": lb.color,
                "boxes": lb.boxes,
                "images": lb.images,
            }
            for lb in labels
        ],
        "scale_classes": _scale_classes(table),
        "histograms": histograms(table),
        "scatter": scatter(table),
    }
