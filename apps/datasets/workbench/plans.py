"""What each workbench tool would change, computed from a BoxTable alone (no database): the
boxes it deletes and the boxes it moves. The same plan runs for the preview and again on the
locked rows when it is applied."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from apps.core.exceptions import ApplicationError
from ml.boxstats import grow_to_ratio, kmeans

from .shapes import shape_points
from .stats import outside_mask
from .table import BoxTable

Box = tuple[float, float, float, float]
MIN_SIDE = 0.5  # px: what is left of a box after clipping must be at least this wide and high


@dataclass
class Plan:
    delete: list[int] = field(default_factory=list)  # annotation ids
    boxes: dict[int, Box] = field(default_factory=dict)  # annotation id -> new box
    attributes: dict[int, dict[str, Any]] = field(default_factory=dict)  # id -> merged in

    @property
    def matched(self) -> int:
        return len(self.delete) + len(self.boxes) + len(self.attributes)

    def ids(self) -> list[int]:
        return [*self.delete, *self.boxes, *self.attributes]


def plan_small(table: BoxTable, *, min_width: float, min_height: float) -> Plan:
    """Mis-clicks: boxes narrower than min_width or lower than min_height (zero-area ones
    always)."""
    small = (table.w < min_width) | (table.h < min_height) | (table.w <= 0) | (table.h <= 0)
    return Plan(delete=table.ids[small].tolist())


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of (n, 4) and (m, 4) x, y, w, h boxes."""
    x1 = np.maximum(a[:, None, 0], b[None, :, 0])
    y1 = np.maximum(a[:, None, 1], b[None, :, 1])
    x2 = np.minimum(a[:, None, 0] + a[:, None, 2], b[None, :, 0] + b[None, :, 2])
    y2 = np.minimum(a[:, None, 1] + a[:, None, 3], b[None, :, 1] + b[None, :, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    union = (a[:, 2] * a[:, 3])[:, None] + (b[:, 2] * b[:, 3])[None, :] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def plan_duplicates(table: BoxTable, *, iou: float) -> Plan:
    """Boxes of the same label on the same image overlapping an earlier one (lower id) by
    more than `iou`: the earlier box stays."""
    delete: list[int] = []
    keys = table.image_ids * (int(table.label_ids.max(initial=0)) + 1) + table.label_ids
    order = np.lexsort((table.ids, keys))
    starts = np.flatnonzero(np.r_[True, keys[order][1:] != keys[order][:-1]])
    for group in np.split(order, starts[1:]):
        if len(group) < 2:
            continue
        boxes = np.stack([table.x[group], table.y[group], table.w[group], table.h[group]], 1)
        overlap = np.triu(iou_matrix(boxes, boxes) > iou, k=1)
        gone = np.zeros(len(group), bool)
        for i in range(len(group)):  # a box already gone does not remove others
            if not gone[i]:
                gone |= overlap[i] & ~gone
        delete += table.ids[group[gone]].tolist()
    return Plan(delete=sorted(delete))


def _clipped(table: BoxTable, i: int) -> Box | None:
    x1, y1 = max(table.x[i], 0.0), max(table.y[i], 0.0)
    x2 = min(table.x[i] + table.w[i], table.image_w[i])
    y2 = min(table.y[i] + table.h[i], table.image_h[i])
    if x2 - x1 < MIN_SIDE or y2 - y1 < MIN_SIDE:
        return None
    return float(x1), float(y1), float(x2 - x1), float(y2 - y1)


def plan_outside(table: BoxTable, *, mode: str) -> Plan:
    """Boxes crossing the image border: clipped to it (mode "clip") or removed ("remove").
    One with nothing left inside the image is removed either way."""
    plan = Plan()
    for i in np.flatnonzero(outside_mask(table)):
        clipped = _clipped(table, i) if mode == "clip" else None
        if clipped is None:
            plan.delete.append(int(table.ids[i]))
        else:
            plan.boxes[int(table.ids[i])] = clipped
    return plan


def _nearest(table: BoxTable, mode: str, centers: list[list[float]]) -> np.ndarray:
    """Each box's nearest centre (index), as the Shape clusters view assigns them."""
    points = shape_points(table, mode)
    return np.argmin(((points[:, None, :] - np.array(centers)[None]) ** 2).sum(2), axis=1)


def plan_aspect(table: BoxTable, *, ratio: float, cluster: dict[str, Any] | None = None) -> Plan:
    """Every box (or those of one shape cluster: `cluster` {mode, centers, index}) grown,
    never shrunk, towards width/height = ratio, centred, clipped to its image
    (ml.boxstats.grow_to_ratio)."""
    plan = Plan()
    rows = np.arange(len(table))
    if cluster and len(table):
        rows = rows[_nearest(table, cluster["mode"], cluster["centers"]) == cluster["index"]]
    for i in rows:
        grown = grow_to_ratio(table.box(i), ratio, float(table.image_w[i]), float(table.image_h[i]))
        if grown is not None:
            plan.boxes[int(table.ids[i])] = grown
    return plan


def aspect_cluster(table: BoxTable, *, ratio: float, cluster: dict[str, Any] | None = None
                   ) -> dict[str, Any]:  # fmt: skip
    """A cluster {k, mode, index} made concrete: the centres of all the boxes looked at."""
    if not cluster:
        return {"ratio": ratio}
    centers = (
        kmeans(shape_points(table, cluster["mode"]), cluster["k"]).centers if len(table) else []
    )
    if cluster["index"] >= len(centers):
        raise ApplicationError(f"cluster: there are {len(centers)} clusters, not {cluster['index'] + 1}.",
                               code="invalid_cluster")  # fmt: skip
    return {"ratio": ratio, "cluster": {**cluster, "centers": np.round(centers, 6).tolist()}}


def scale_names(centers: np.ndarray, mode: str, names: list[str]) -> list[str]:
    """The user's names for the clusters, the missing ones named by shape ("1:3 small")."""
    out = []
    for i, (w, h) in enumerate(centers):
        if i < len(names) and names[i].strip():
            out.append(names[i].strip()[:64])
            continue
        ratio = w / h if h else 1.0
        shape = f"{ratio:.1f}:1" if ratio >= 1 else f"1:{1 / ratio:.1f}"
        out.append(f"{shape} #{i + 1}" if mode == "fit" else f"{shape} {round(w)}x{round(h)}")
    return out


def _kept_names(centers: np.ndarray, previous: dict[str, Any] | None) -> list[str]:
    """A rebuild's names: each new centre takes the name of the nearest centre of the last
    build in the same mode (each old name once, nearest pairs first), so names stay with
    their shapes when the boxes change."""
    names = [""] * len(centers)
    if not previous or not previous.get("centers"):
        return names
    old = np.array(previous["centers"], dtype=np.float64)
    scale = np.maximum(np.abs(np.vstack([old, centers])).max(0), 1e-9)
    dist = (((centers[:, None] - old[None]) / scale) ** 2).sum(2)
    for flat in np.argsort(dist, axis=None):
        i, j = divmod(int(flat), len(old))
        if not names[i] and previous["names"][j] not in names:
            names[i] = previous["names"][j]
    return names


def scale_centres(table: BoxTable, *, k: int, mode: str, names: list[str],
                  previous: dict[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
    """The tool's parameters made concrete on all the boxes it looks at: the k-means centres
    (as the Dataset tab shows them) and a name for each: the user's, else the last build's
    (`previous`, matched by shape), else one from its shape."""
    if len(table) == 0:
        return {"k": k, "mode": mode, "centers": [], "names": []}
    centers = kmeans(shape_points(table, mode), k).centers
    given = names or _kept_names(
        centers, previous if previous and previous.get("mode") == mode else None
    )
    return {"k": k, "mode": mode, "centers": centers.round(6).tolist(),
            "names": scale_names(centers, mode, given)}  # fmt: skip


def plan_scale_classes(table: BoxTable, *, k: int, mode: str, centers: list[list[float]],
                       names: list[str]) -> Plan:  # fmt: skip
    """Each box's nearest centre's name written as its `scale_class` attribute; boxes that
    already carry it are left alone, so a rebuild changes only what moved."""
    plan = Plan()
    if len(table) == 0 or not centers:
        return plan
    for i, cluster in enumerate(_nearest(table, mode, centers)):
        if table.scale_classes[i] != names[cluster]:
            plan.attributes[int(table.ids[i])] = {"scale_class": names[cluster]}
    return plan


PLANNERS: dict[str, Callable[..., Plan]] = {
    "remove_small_boxes": plan_small,
    "remove_duplicates": plan_duplicates,
    "fix_outside": plan_outside,
    "normalize_aspect": plan_aspect,
    "scale_classes": plan_scale_classes,
}


# tools whose parameters are made concrete on the whole table first, so that the apply's
# plan on the locked rows of the touched images uses the same centres as the preview
PREPARE: dict[str, Callable[..., dict[str, Any]]] = {
    "scale_classes": scale_centres,
    "normalize_aspect": aspect_cluster,
}


def prepare(kind: str, table: BoxTable, params: dict[str, Any]) -> dict[str, Any]:
    return PREPARE[kind](table, **params) if kind in PREPARE else params


def make_plan(kind: str, table: BoxTable, params: dict[str, Any]) -> Plan:
    return PLANNERS[kind](table, **params)
