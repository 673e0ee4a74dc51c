"""Statistics of box shapes, numpy only (importing it never imports torch): clusters of
width/height, YOLO-style anchor k-means, anchors per feature-map level, and an aspect-ratio
correction that only ever grows a box.

    wh = np.array([[w, h], ...])                       # boxes at the training size, in px
    priors, avg_iou = anchors(wh, k=9, image_size=512) # (9, 2), sorted by area
    anchor_levels(priors)                              # {8: [[w, h] x3], 16: [...], 32: [...]}
"""

from dataclasses import dataclass

import numpy as np

UNCHANGED_TOLERANCE = 1e-6  # px: grow_to_ratio reports a box this close to the old one as None
ANCHOR_DECIMALS = 1  # anchors are rounded to 0.1 px
ANCHOR_MIN = 0.1  # px: the smallest anchor side anchors() returns
ANCHOR_MAX_FACTOR = 4  # anchors() keeps each side at most this many times image_size
FIT_SAMPLE = 20_000  # rows the centres are fitted on; every row is then assigned to one


@dataclass(frozen=True)
class Clusters:
    """Cluster centres of width/height rows, which cluster each row fell in, and how many."""

    centers: np.ndarray  # (k, 2) float64: width, height of each cluster centre
    labels: np.ndarray  # (n,) int64: the cluster of each input row (index into centers)
    counts: np.ndarray  # (k,) int64


# ---- shared pieces ------------------------------------------------------------------------


def _rows(points: np.ndarray, what: str) -> np.ndarray:
    """`points` as an (n, 2) float64 array of finite values; ValueError for anything else."""
    array = np.asarray(points, dtype=np.float64)
    if array.ndim != 2 or array.shape[1] != 2:
        raise ValueError(f"{what}: expected an (n, 2) array of width, height rows.")
    if len(array) == 0:
        raise ValueError(f"{what}: no points to cluster.")
    if not np.isfinite(array).all():
        raise ValueError(f"{what}: every width and height must be a finite number.")
    return array


def _cluster_count(points: np.ndarray, k: int) -> int:
    """k, lowered to the number of distinct rows (more clusters than that cannot differ)."""
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}.")
    return min(k, len(np.unique(points, axis=0)))


def _plus_plus(points: np.ndarray, k: int, distance, rng: np.random.Generator) -> np.ndarray:
    """Greedy k-means++ seeding (as scikit-learn's): the first centre uniformly; for each next
    one, 2 + log(k) candidates drawn with probability proportional to the squared distance
    to the nearest centre so far, keeping the candidate that leaves the smallest total.
    Plain k-means++ (one candidate) puts two seeds in one tight group now and then, a local
    optimum the Lloyd rounds cannot leave."""
    trials = 2 + int(np.log(k))
    centers = [points[rng.integers(len(points))]]
    nearest = distance(points, np.array(centers))[:, 0]
    while len(centers) < k:
        weights = nearest**2
        picks = rng.choice(len(points), size=trials, p=weights / weights.sum())
        options = np.minimum(nearest[None, :], distance(points, points[picks]).T)
        best = int(np.argmin((options**2).sum(axis=1)))
        centers.append(points[picks[best]])
        nearest = options[best]
    return np.array(centers, dtype=np.float64)


def _lloyd(points: np.ndarray, centers: np.ndarray, distance, centre_of, iterations: int
           ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Assign each point to its nearest centre and move each centre to `centre_of` its
    members, until the assignments stop changing or `iterations` rounds. A cluster left
    empty takes the point farthest from its own centre. Returns (centers, labels), the
    labels being each point's nearest final centre."""
    labels: np.ndarray | None = None
    for _ in range(iterations):
        new = np.argmin(distance(points, centers), axis=1)
        if labels is not None and np.array_equal(new, labels):
            break
        labels = new
        centers = _update(points, centers, labels, distance, centre_of)
    return centers, np.argmin(distance(points, centers), axis=1).astype(np.int64)


def _update(points: np.ndarray, centers: np.ndarray, labels: np.ndarray, distance, centre_of
            ) -> np.ndarray:  # fmt: skip
    """New centres from the members of each cluster; empty clusters re-seeded (in place of
    their members' centre: the points farthest from the centre they were assigned to)."""
    labels = labels.copy()
    far = distance(points, centers)[np.arange(len(points)), labels]
    out = centers.copy()
    for j in range(len(centers)):
        if not (labels == j).any():
            pick = int(np.argmax(far))
            out[j], labels[pick], far[pick] = points[pick], j, -np.inf
    for j in range(len(centers)):
        members = points[labels == j]
        if len(members):  # a cluster that gave its only point away keeps its centre
            out[j] = centre_of(members)
    return out


def _renumber(centers: np.ndarray, labels: np.ndarray, order: np.ndarray) -> Clusters:
    """Clusters with the centres in `order` and the labels pointing at the new positions."""
    new_index = np.empty(len(order), dtype=np.int64)
    new_index[order] = np.arange(len(order))
    labels = new_index[labels]
    counts = np.bincount(labels, minlength=len(order)).astype(np.int64)
    return Clusters(centers=centers[order].copy(), labels=labels, counts=counts)


def _sample(points: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """At most FIT_SAMPLE rows (a seeded draw) to fit the centres on: on 100k boxes a fit on
    all of them takes seconds and moves the centres by a fraction of a pixel."""
    if len(points) <= FIT_SAMPLE:
        return points
    return points[np.sort(rng.choice(len(points), FIT_SAMPLE, replace=False))]


def _euclidean(points: np.ndarray, centers: np.ndarray) -> np.ndarray:
    return np.sqrt(((points[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2))


def _mean(members: np.ndarray) -> np.ndarray:
    return members.mean(axis=0)


def _median(members: np.ndarray) -> np.ndarray:
    return np.median(members, axis=0)


def _iou_distance(wh: np.ndarray, centers: np.ndarray) -> np.ndarray:
    return 1.0 - wh_iou(wh, centers)


# ---- public API ---------------------------------------------------------------------------


def kmeans(points: np.ndarray, k: int, *, seed: int = 0, iterations: int = 100) -> Clusters:
    """Euclidean k-means of (n, 2) width/height rows into at most `k` groups.

    Deterministic for a seed: (greedy) k-means++ seeding with np.random.default_rng(seed),
    then Lloyd rounds until the assignments stop changing or `iterations` rounds, on at most
    FIT_SAMPLE rows (a seeded sample), every row then assigned to its nearest centre. A `k`
    larger than the number of distinct rows becomes that number. A cluster left empty is
    re-seeded with the point farthest from its centre. The centres come back sorted by ratio
    width/height ascending (ties by area), with the labels renumbered to match. Raises
    ValueError for k < 1 or no points."""
    points = _rows(points, "kmeans")
    k = _cluster_count(points, k)
    rng = np.random.default_rng(seed)
    fit = _sample(points, rng)
    centers = _plus_plus(fit, k, _euclidean, rng)
    centers, _ = _lloyd(fit, centers, _euclidean, _mean, iterations)
    labels = np.argmin(_euclidean(points, centers), axis=1).astype(np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = centers[:, 0] / centers[:, 1]
    order = np.lexsort((centers[:, 0] * centers[:, 1], ratio))
    return _renumber(centers, labels, order)


def wh_iou(wh: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """(n, k) IoU of each box with each centre as if both sat at one corner (YOLO's anchor
    distance: only the shapes count): inter = min(w) * min(h), union = w*h + cw*ch - inter.
    Two empty boxes score 0."""
    wh = np.asarray(wh, dtype=np.float64).reshape(-1, 2)
    centers = np.asarray(centers, dtype=np.float64).reshape(-1, 2)
    w, h = wh[:, None, 0], wh[:, None, 1]
    cw, ch = centers[None, :, 0], centers[None, :, 1]
    inter = np.minimum(w, cw) * np.minimum(h, ch)
    union = w * h + cw * ch - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def iou_kmeans(wh: np.ndarray, k: int, *, seed: int = 0, iterations: int = 300
               ) -> tuple[Clusters, float]:  # fmt: skip
    """YOLO's anchor k-means: cluster box shapes with the distance 1 - wh_iou.

    Seeded (greedy) k-means++ start (squared 1 - IoU as the weight), each box assigned to
    the centre it overlaps most, each centre moved to the per-cluster MEDIAN width and height
    (as the darknet/YOLOv3 anchor tools do: robust to a few huge or tiny boxes), until the
    assignments stop changing or `iterations` rounds. A `k` above the number of distinct
    shapes becomes that number. Returns the Clusters, centres sorted by AREA ascending (labels
    renumbered), and the mean over the boxes of their best IoU with a centre (the "avg IoU"
    YOLO reports: 1.0 means every box has an anchor of exactly its shape). Widths and heights
    must be positive: ValueError otherwise, and for k < 1 or no boxes."""
    wh = _rows(wh, "iou_kmeans")
    if (wh <= 0).any():
        raise ValueError("iou_kmeans: every box width and height must be positive.")
    k = _cluster_count(wh, k)
    rng = np.random.default_rng(seed)
    fit = _sample(wh, rng)
    centers = _plus_plus(fit, k, _iou_distance, rng)
    centers, _ = _lloyd(fit, centers, _iou_distance, _median, iterations)
    labels = np.argmin(_iou_distance(wh, centers), axis=1).astype(np.int64)
    order = np.lexsort((centers[:, 0] / centers[:, 1], centers[:, 0] * centers[:, 1]))
    clusters = _renumber(centers, labels, order)
    return clusters, _mean_best_iou(wh, clusters.centers)


def _mean_best_iou(wh: np.ndarray, centers: np.ndarray) -> float:
    return float(wh_iou(wh, centers).max(axis=1).mean())


def anchors(wh: np.ndarray, *, k: int = 9, image_size: int, seed: int = 0
            ) -> tuple[np.ndarray, float]:  # fmt: skip
    """Prior boxes for a detector trained at `image_size`, from the dataset's box shapes.

    `wh`: (n, 2) box widths and heights already scaled to the training size by the caller
    (the size the detector resizes images to). Returns the iou_kmeans centres rounded to
    0.1 px, kept within 0.1 .. 4 * image_size px (what TrainConfig.anchors accepts), sorted
    by area ascending, as a (k, 2) float64 array; and the mean best IoU of the boxes with
    those rounded anchors."""
    if image_size < 1:
        raise ValueError(f"image_size must be at least 1, got {image_size}.")
    clusters, _ = iou_kmeans(wh, k, seed=seed)
    priors = np.round(clusters.centers, ANCHOR_DECIMALS)
    priors = np.clip(priors, ANCHOR_MIN, ANCHOR_MAX_FACTOR * image_size)
    priors = priors[np.argsort(priors[:, 0] * priors[:, 1], kind="stable")]
    return priors, _mean_best_iou(_rows(wh, "anchors"), priors)


def anchor_levels(anchors: np.ndarray, strides: tuple[int, ...] = (8, 16, 32)
                  ) -> dict[int, list[list[float]]]:  # fmt: skip
    """The anchors shared out over feature-map levels, smallest to the finest stride: sorted
    by area and cut into len(strides) consecutive groups. 9 anchors on 3 levels: three each;
    when the count does not divide, the first levels get one more (7 -> 3, 2, 2; fewer
    anchors than levels leaves the last levels empty). Returns {stride: [[w, h], ...]}."""
    if not strides:
        raise ValueError("anchor_levels: at least one stride is needed.")
    priors = np.asarray(anchors, dtype=np.float64).reshape(-1, 2)
    priors = priors[np.argsort(priors[:, 0] * priors[:, 1], kind="stable")]
    base, extra = divmod(len(priors), len(strides))
    out: dict[int, list[list[float]]] = {}
    start = 0
    for level, stride in enumerate(strides):
        count = base + (1 if level < extra else 0)
        out[stride] = [[float(w), float(h)] for w, h in priors[start : start + count]]
        start += count
    return out


def grow_to_ratio(box: tuple[float, float, float, float], ratio: float, image_w: float,
                  image_h: float) -> tuple[float, float, float, float] | None:  # fmt: skip
    """Correct a box towards the aspect ratio `ratio` (target width / height) without ever
    shrinking it; returns the new (x, y, w, h), or None when the box stays as it is.

    Only growing is allowed, so the target decides which side may change: a tall target
    (< 1) grows the height of a box wider than the target to w / ratio; a wide target (> 1)
    grows the width of a box narrower than the target to h * ratio; a square target grows
    the shorter side to the longer. A box already at or past the target in that direction is
    left alone: with the target 1:4 (0.25) a 1:3 box grows to 1:4, and with the target 1:3 a
    1:4 box stays. The grown side stays centred on the old centre and is then clipped to the
    image (0..image_w, 0..image_h), but never to less than the box's old extent. Raises
    ValueError for a ratio that is not positive."""
    if not ratio > 0:
        raise ValueError(f"grow_to_ratio: ratio must be positive, got {ratio}.")
    x, y, w, h = (float(v) for v in box)
    new_w, new_h = w, h
    if ratio < 1 and w > ratio * h:
        new_h = w / ratio
    elif ratio > 1 and w < ratio * h:
        new_w = h * ratio
    elif ratio == 1:
        new_w = new_h = max(w, h)
    new_x, new_w = _grow_side(x, w, new_w, image_w)
    new_y, new_h = _grow_side(y, h, new_h, image_h)
    grown = (new_x, new_y, new_w, new_h)
    if all(abs(a - b) <= UNCHANGED_TOLERANCE for a, b in zip(grown, (x, y, w, h), strict=True)):
        return None
    return grown


def _grow_side(start: float, length: float, new_length: float, limit: float
               ) -> tuple[float, float]:  # fmt: skip
    """One side grown to `new_length` about its centre, clipped to 0..limit but never to
    less than the old extent; returns (start, length)."""
    if new_length <= length:
        return start, length
    centre = start + length / 2
    lo = min(start, max(0.0, centre - new_length / 2))
    hi = max(start + length, min(float(limit), centre + new_length / 2))
    return lo, hi - lo
