"""How far two people's labels of the same image agree, and how to merge several people's.
Plain inputs, plain outputs; the team's gold checks and consensus build on it.

    gold_score(reference, attempt)   -> Score   (one image: a person against gold labels)
    Score.combine(scores)            -> Score   (a person over many gold images)
    merge(attempts, quorum=)         -> Merged  (consensus: majority tags, fused boxes and
                                                 shapes)

Tags: per label, an attempt is right on a gold image when it has the tag exactly when the
reference has it; accuracy = right decisions / (labels in either set), so an image with no
tags on either side says nothing.

Boxes: matched one to one within a class, greedily from the highest IoU down, at IoU >= 0.5
(the field's usual bar, as in mistakenness and mAP@0.5). precision = matched / attempt's
boxes, recall = matched / reference boxes, mean IoU over the matched pairs.

Shapes (polygons and masks, one kind: a polygon is compared by its pixels, rasterised as
COCO does at the image's size): matched like boxes, one to one within a class, greedily
from the highest mask IoU down, at mask IoU >= 0.5; shape precision, recall and mean IoU
as for boxes.

Agreement (one figure per label, and overall) = the mean of the parts that exist:
    tag accuracy                                  (when either side has a tag)
    box F1   = 2 * matched boxes  / (reference boxes  + attempt boxes)   (when any box)
    shape F1 = 2 * matched shapes / (reference shapes + attempt shapes)  (when any shape)

Merge: a tag is kept when at least `quorum` of the attempts have it (default: a strict
majority). Boxes of one class from different people are grouped when they overlap at
IoU >= 0.5 (each person contributes at most one box to a group, their best overlap); a group
seen by `quorum` people becomes one box, the mean of its members' coordinates. Shapes are
grouped the same way by mask IoU; a group seen by `quorum` people becomes one shape by pixel
vote: a pixel is in it when more than half of the group's shapes cover it (with an explicit
`quorum`, when at least `quorum` of them do: 1 keeps their union). The result is a polygon
when every member was a polygon and the voted pixels form one region (traced along the
pixel edges, so it rasterises back to exactly those pixels), else a mask.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
from pycocotools import mask as coco_mask

from ml.geometry import (
    Polygon,
    Rle,
    mask_outline,
    mask_rle,
    polygon_rle,
    rings_of,
    rle_check,
    rle_mask,
)
from ml.mistakes import IOU_MATCH, Box, iou

T = TypeVar("T")


@dataclass(frozen=True)
class Shape:
    """A polygon or a mask, as pixels (a polygon rasterised at its image's size); a polygon
    keeps its rings."""

    rle: Rle
    polygon: Polygon | None = None

    @property
    def kind(self) -> str:
        return "polygon" if self.polygon is not None else "mask"

    @classmethod
    def of_polygon(cls, polygon: Polygon, height: int, width: int) -> "Shape":
        return cls(polygon_rle(polygon, height, width), polygon)

    @classmethod
    def of_mask(cls, rle: Rle) -> "Shape":
        return cls(rle)


@dataclass(frozen=True)
class Labels:
    """One person's labels of one image: image-level tags, (class, box) and (class, shape)
    pairs."""

    tags: frozenset[str] = frozenset()
    boxes: tuple[tuple[str, Box], ...] = ()
    shapes: tuple[tuple[str, Shape], ...] = ()


@dataclass
class Counts:
    """Tallies for one label (or all): tag decisions, box matches and shape matches."""

    tag_decisions: int = 0
    tag_right: int = 0
    reference_boxes: int = 0
    attempt_boxes: int = 0
    matched: int = 0
    iou_sum: float = 0.0
    reference_shapes: int = 0
    attempt_shapes: int = 0
    shapes_matched: int = 0
    shape_iou_sum: float = 0.0

    def add(self, other: "Counts") -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def tag_accuracy(self) -> float | None:
        return self.tag_right / self.tag_decisions if self.tag_decisions else None

    @property
    def precision(self) -> float | None:
        return self.matched / self.attempt_boxes if self.attempt_boxes else None

    @property
    def recall(self) -> float | None:
        return self.matched / self.reference_boxes if self.reference_boxes else None

    @property
    def mean_iou(self) -> float | None:
        return self.iou_sum / self.matched if self.matched else None

    @property
    def shape_precision(self) -> float | None:
        return self.shapes_matched / self.attempt_shapes if self.attempt_shapes else None

    @property
    def shape_recall(self) -> float | None:
        return self.shapes_matched / self.reference_shapes if self.reference_shapes else None

    @property
    def shape_mean_iou(self) -> float | None:
        return self.shape_iou_sum / self.shapes_matched if self.shapes_matched else None

    @property
    def agreement(self) -> float | None:
        """One figure for a table: the mean of tag accuracy, the box F1 and the shape F1,
        over those that exist (see the module's docstring)."""
        parts = [p for p in (self.tag_accuracy, self._f1(), self._shape_f1()) if p is not None]
        return sum(parts) / len(parts) if parts else None

    def _f1(self) -> float | None:
        boxes = self.reference_boxes + self.attempt_boxes
        return 2 * self.matched / boxes if boxes else None

    def _shape_f1(self) -> float | None:
        shapes = self.reference_shapes + self.attempt_shapes
        return 2 * self.shapes_matched / shapes if shapes else None


@dataclass
class Score:
    overall: Counts = field(default_factory=Counts)
    by_label: dict[str, Counts] = field(default_factory=dict)

    def _label(self, name: str) -> Counts:
        return self.by_label.setdefault(name, Counts())

    @classmethod
    def combine(cls, scores: Iterable["Score"]) -> "Score":
        total = cls()
        for score in scores:
            total.overall.add(score.overall)
            for name, counts in score.by_label.items():
                total._label(name).add(counts)
        return total


def match_boxes(
    a: Sequence[Box], b: Sequence[Box], *, threshold: float = IOU_MATCH
) -> list[tuple[int, int, float]]:
    """One-to-one pairs (index in a, index in b, IoU), highest IoU first, each >= threshold."""
    return _greedy([[iou(x, y) for y in b] for x in a], threshold)


def shape_ious(a: Sequence[Shape], b: Sequence[Shape]) -> list[list[float]]:
    """Mask IoU of every shape in a with every shape in b (all of one image's size)."""
    if not a or not b:
        return [[0.0] * len(b) for _ in a]
    if len({(s.rle.height, s.rle.width) for s in (*a, *b)}) > 1:
        raise ValueError("shapes of different image sizes")
    table = coco_mask.iou([s.rle.coco() for s in a], [s.rle.coco() for s in b], [0] * len(b))
    return np.asarray(table, dtype=float).reshape(len(a), len(b)).tolist()


def match_shapes(
    a: Sequence[Shape], b: Sequence[Shape], *, threshold: float = IOU_MATCH
) -> list[tuple[int, int, float]]:
    """As match_boxes, by mask IoU."""
    return _greedy(shape_ious(a, b), threshold)


def _greedy(table: Sequence[Sequence[float]], threshold: float) -> list[tuple[int, int, float]]:
    pairs = sorted(
        ((v, i, j) for i, row in enumerate(table) for j, v in enumerate(row)), reverse=True
    )
    used_a: set[int] = set()
    used_b: set[int] = set()
    out: list[tuple[int, int, float]] = []
    for overlap, i, j in pairs:
        if overlap < threshold:
            break
        if i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        out.append((i, j, overlap))
    return out


def _by_class(items: Iterable[tuple[str, T]]) -> dict[str, list[T]]:
    grouped: dict[str, list[T]] = {}
    for name, item in items:
        grouped.setdefault(name, []).append(item)
    return grouped


def gold_score(reference: Labels, attempt: Labels) -> Score:
    """One attempt at one gold image, tallied per label and overall."""
    score = Score()
    for name in reference.tags | attempt.tags:
        counts = score._label(name)
        counts.tag_decisions += 1
        counts.tag_right += int(name in reference.tags and name in attempt.tags)
    ref, got = _by_class(reference.boxes), _by_class(attempt.boxes)
    for name in ref.keys() | got.keys():
        counts = score._label(name)
        a, b = ref.get(name, []), got.get(name, [])
        pairs = match_boxes(a, b)
        counts.reference_boxes += len(a)
        counts.attempt_boxes += len(b)
        counts.matched += len(pairs)
        counts.iou_sum += sum(p[2] for p in pairs)
    ref_s, got_s = _by_class(reference.shapes), _by_class(attempt.shapes)
    for name in ref_s.keys() | got_s.keys():
        counts = score._label(name)
        a_s, b_s = ref_s.get(name, []), got_s.get(name, [])
        pairs = match_shapes(a_s, b_s)
        counts.reference_shapes += len(a_s)
        counts.attempt_shapes += len(b_s)
        counts.shapes_matched += len(pairs)
        counts.shape_iou_sum += sum(p[2] for p in pairs)
    for counts in score.by_label.values():
        score.overall.add(counts)
    return score


@dataclass(frozen=True)
class FusedBox:
    label: str
    box: Box
    votes: int  # how many attempts have a box in this group
    mean_iou: float  # the members' mean IoU with the fused box


@dataclass(frozen=True)
class FusedShape:
    label: str
    shape: Shape  # a polygon when every member was one (and the vote is one region)
    votes: int  # how many attempts have a shape in this group
    mean_iou: float  # the members' mean mask IoU with the fused shape


@dataclass(frozen=True)
class Merged:
    tags: dict[str, int]  # kept tag -> votes
    boxes: list[FusedBox]
    tag_votes: dict[str, int]  # every tag anyone gave -> votes
    unmatched: int  # boxes in groups below the quorum (left out of the merge)
    agreement: float  # mean pairwise agreement between the attempts (1.0 for one attempt)
    shapes: list[FusedShape] = field(default_factory=list)
    unmatched_shapes: int = 0  # shapes in groups below the quorum (or voted empty)


def merge(attempts: Sequence[Labels], *, quorum: int | None = None) -> Merged:
    """Consensus of several people's labels of one image."""
    if not attempts:
        return Merged({}, [], {}, 0, 1.0)
    need = quorum if quorum is not None else len(attempts) // 2 + 1
    votes: dict[str, int] = {}
    for attempt in attempts:
        for name in attempt.tags:
            votes[name] = votes.get(name, 0) + 1
    fused: list[FusedBox] = []
    unmatched = 0
    classes = sorted({name for attempt in attempts for name, _ in attempt.boxes})
    for name in classes:
        for group in _groups([_by_class(a.boxes).get(name, []) for a in attempts]):
            if len(group) < need:
                unmatched += len(group)
                continue
            box = _mean_box(group)
            fused.append(
                FusedBox(name, box, len(group), sum(iou(box, b) for b in group) / len(group))
            )
    shapes, unmatched_shapes = _merge_shapes(attempts, need, quorum)
    return Merged({t: v for t, v in sorted(votes.items()) if v >= need}, fused, dict(sorted(votes.items())),
                  unmatched, _pairwise(attempts), shapes, unmatched_shapes)  # fmt: skip


def _merge_shapes(attempts: Sequence[Labels], need: int,
                  quorum: int | None) -> tuple[list[FusedShape], int]:  # fmt: skip
    fused: list[FusedShape] = []
    left_out = 0
    classes = sorted({name for attempt in attempts for name, _ in attempt.shapes})
    for name in classes:
        per_person = [_by_class(a.shapes).get(name, []) for a in attempts]
        for group in _groups(per_person, match_shapes):
            one = None
            if len(group) >= need:
                one = _vote(group, quorum if quorum is not None else len(group) // 2 + 1)
            if one is None:
                left_out += len(group)
                continue
            overlap = shape_ious([one], group)[0]
            fused.append(FusedShape(name, one, len(group), sum(overlap) / len(group)))
    return fused, left_out


def _vote(group: Sequence[Shape], pixel_votes: int) -> Shape | None:
    """The pixels at least `pixel_votes` of the group cover: a polygon when all were polygons
    and the pixels form one region, else a mask; None when no pixel has the votes."""
    total = sum(rle_mask(s.rle).astype(np.uint16) for s in group)
    voted = (np.asarray(total) >= max(1, pixel_votes)).astype(np.uint8)
    if not voted.any():
        return None
    rle = mask_rle(voted)
    if all(s.polygon is not None for s in group):
        outline = mask_outline(voted)
        if outline is not None:
            return Shape(rle, outline)
    return Shape(rle)


def _mean_box(boxes: Sequence[Box]) -> Box:
    n = len(boxes)
    x, y, w, h = (sum(b[k] for b in boxes) / n for k in range(4))
    return (x, y, w, h)


def _groups(per_person: Sequence[Sequence[T]],
               matcher: Callable[..., list[tuple[int, int, float]]] = match_boxes) -> list[list[T]]:  # fmt: skip
    """Group one class's boxes (or shapes) across people: each group takes at most one per
    person, joined to the group whose first member it overlaps best (IoU >= 0.5)."""
    groups: list[list[T]] = []
    for boxes in per_person:
        taken: set[int] = set()
        for gi, j, _ in matcher([g[0] for g in groups], boxes):
            groups[gi].append(boxes[j])
            taken.add(j)
        groups.extend([box] for j, box in enumerate(boxes) if j not in taken)
    return groups


def _pairwise(attempts: Sequence[Labels]) -> float:
    values = [
        gold_score(a, b).overall.agreement
        for i, a in enumerate(attempts)
        for b in attempts[i + 1 :]
    ]
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else 1.0


def labels_from(rows: Iterable[Mapping[str, object]],
                size: tuple[int, int] | None = None) -> Labels:  # fmt: skip
    """Labels from annotation-like dicts {kind: "tag"|"box"|"polygon"|"mask", label: name,
    box: {x, y, w, h} | polygon: rings | mask: {size, counts}}; polygons are rasterised at
    `size` (height, width), which they need."""
    tags: set[str] = set()
    boxes: list[tuple[str, Box]] = []
    shapes: list[tuple[str, Shape]] = []
    for row in rows:
        name = str(row["label"])
        if row["kind"] == "tag":
            tags.add(name)
        elif row["kind"] == "box":
            b = row["box"]
            if not isinstance(b, Mapping):
                raise ValueError(f"a box annotation without a box: {row!r}")
            boxes.append((name, (float(b["x"]), float(b["y"]), float(b["w"]), float(b["h"]))))
        elif row["kind"] == "polygon":
            if size is None:
                raise ValueError("polygons need the image's size to be compared")
            shapes.append((name, Shape.of_polygon(rings_of(row["polygon"]), *size)))
        elif row["kind"] == "mask":
            shapes.append((name, Shape.of_mask(rle_check(row["mask"]))))
    return Labels(frozenset(tags), tuple(boxes), tuple(shapes))
