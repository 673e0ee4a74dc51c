"""Box shapes: k-means clusters of width and height (raw pixels, "compute", or as fractions
of their image, "fit") and YOLO-style anchors by IoU k-means at a training size."""

from typing import Any

import numpy as np

from apps.projects.models import Project
from ml.boxstats import anchor_levels, anchors, kmeans
from ml.sizes import training_scale

from .table import BoxFilter, BoxTable, box_table

EXAMPLES = 6  # boxes shown per cluster, the closest to its centre


def shape_points(table: BoxTable, mode: str) -> np.ndarray:
    if mode == "fit":  # normalised: the same object at two image sizes is one shape
        return np.stack([table.w / table.image_w, table.h / table.image_h], 1)
    return np.stack([table.w, table.h], 1)


def box_clusters(*, project: Project, filters: BoxFilter, k: int, mode: str) -> dict[str, Any]:
    """{mode, k, boxes, clusters: [{index, ratio, width, height, count, center, examples}]}:
    width and height are the members' mean in pixels, ratio = width / height; `center` is
    the k-means centre in the mode's units."""
    table = box_table(project=project, filters=filters)
    out: dict[str, Any] = {"mode": mode, "k": k, "boxes": len(table), "clusters": []}
    if len(table) == 0:
        return out
    points = shape_points(table, mode)
    result = kmeans(points, k)
    for index, center in enumerate(result.centers):
        members = np.flatnonzero(result.labels == index)
        width, height = float(table.w[members].mean()), float(table.h[members].mean())
        near = members[np.argsort(((points[members] - center) ** 2).sum(1))[:EXAMPLES]]
        out["clusters"].append({
            "index": index, "ratio": round(width / height, 4) if height else None,
            "width": round(width, 2), "height": round(height, 2), "count": len(members),
            "center": [round(float(v), 4) for v in center],
            "examples": [{"annotation": int(table.ids[n]), "image": int(table.image_ids[n]),
                          "box": [round(v, 2) for v in table.box(n)],
                          "image_width": int(table.image_w[n]),
                          "image_height": int(table.image_h[n])} for n in near],
        })  # fmt: skip
    return out


def box_anchors(*, project: Project, filters: BoxFilter, k: int, image_size: int) -> dict[str, Any]:
    """{anchors: [[w, h]...] smallest first, levels: {stride: [[w, h]...]}, mean_iou, boxes}
    for a detector trained at `image_size` (boxes scaled as training resizes their image)."""
    table = box_table(project=project, filters=filters)
    out: dict[str, Any] = {"k": k, "image_size": image_size, "boxes": len(table), "anchors": [],
                           "levels": {}, "mean_iou": None}  # fmt: skip
    if len(table) == 0:
        return out
    scale = training_scale(table.image_w, table.image_h, image_size)
    wh = np.stack([table.w * scale, table.h * scale], 1)
    found, mean_iou = anchors(wh, k=k, image_size=image_size)
    out.update(
        anchors=found.tolist(),
        mean_iou=round(mean_iou, 4),
        levels={str(s): v for s, v in anchor_levels(found).items()},
    )
    return out
