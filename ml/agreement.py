"""How far two people's labels of the same image agree, and how to merge several people's.
Plain inputs, plain outputs; the team's gold checks and consensus build on it.

    gold_score(reference, attempt)   -> Score   (one image: a person against gold labels)
    Score.combine(scores)            -> Score   (a person over many gold images)
    merge(attempts, quorum=)         -> Merged  (consensus: majority tags, fused boxes)

Tags: per label, an attempt is right on a gold image when it has the tag exactly when the
reference has it; accuracy = right decisions / (labels in either set), so an image with no
tags on either side says nothing.

Boxes: matched one to one within a class, greedily from the highest IoU down, at IoU >= 0.5
(the field's usual bar, as in mistakenness and mAP@0.5). precision = matched / attempt's
boxes, recall = matched / reference boxes, mean IoU over the matched pairs.

Merge: a tag is kept when at least `quorum` of the attempts have it (default: a strict
majority). Boxes of one class from different people are grouped when they overlap at
IoU >= 0.5 (each person contributes at most one box to a group, their best overlap); a group
seen by `quorum` people becomes one box, the mean of its members' coordinates.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ml.mistakes import IOU_MATCH, Box, iou


@dataclass(frozen=True)
class Labels:
    """One person's labels of one image: image-level tags and (class, box) pairs."""

    tags: frozenset[str] = frozenset()
    boxes: tuple[tuple[str, Box], ...] = ()


@dataclass
class Counts:
    """Tallies for one label (or all): tag decisions and box matches."""

    tag_decisions: int = 0
    tag_right: int = 0
    reference_boxes: int = 0
    attempt_boxes: int = 0
    matched: int = 0
    iou_sum: float = 0.0

    def add(self, other: "Counts") -> None:
        self.tag_decisions += other.tag_decisions
        self.tag_right += other.tag_right
        self.reference_boxes += other.reference_boxes
        self.attempt_boxes += other.attempt_boxes
        self.matched += other.matched
        self.iou_sum += other.iou_sum

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
    def agreement(self) -> float | None:
        """One figure for a table: the mean of tag accuracy and the box F1, where each exists."""
        parts = [p for p in (self.tag_accuracy, self._f1()) if p is not None]
        return sum(parts) / len(parts) if parts else None

    def _f1(self) -> float | None:
        boxes = self.reference_boxes + self.attempt_boxes
        return 2 * self.matched / boxes if boxes else None


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
    pairs = sorted(
        ((iou(x, y), i, j) for i, x in enumerate(a) for j, y in enumerate(b)), reverse=True
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


def _by_class(boxes: Iterable[tuple[str, Box]]) -> dict[str, list[Box]]:
    grouped: dict[str, list[Box]] = {}
    for name, box in boxes:
        grouped.setdefault(name, []).append(box)
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
class Merged:
    tags: dict[str, int]  # kept tag -> votes
    boxes: list[FusedBox]
    tag_votes: dict[str, int]  # every tag anyone gave -> votes
    unmatched: int  # boxes in groups below the quorum (left out of the merge)
    agreement: float  # mean pairwise agreement between the attempts (1.0 for one attempt)


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
    return Merged({t: v for t, v in sorted(votes.items()) if v >= need}, fused, dict(sorted(votes.items())),
                  unmatched, _pairwise(attempts))  # fmt: skip


def _mean_box(boxes: Sequence[Box]) -> Box:
    n = len(boxes)
    x, y, w, h = (sum(b[k] for b in boxes) / n for k in range(4))
    return (x, y, w, h)


def _groups(per_person: Sequence[Sequence[Box]]) -> list[list[Box]]:
    """Group one class's boxes across people: each group takes at most one box per person,
    joined to the group whose first box it overlaps best (IoU >= 0.5)."""
    groups: list[list[Box]] = []
    for boxes in per_person:
        taken: set[int] = set()
        for gi, j, _ in match_boxes([g[0] for g in groups], boxes):
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


def labels_from(rows: Iterable[Mapping[str, object]]) -> Labels:
    """Labels from annotation-like dicts {kind: "tag"|"box", label: name, box: {x, y, w, h}}."""
    tags: set[str] = set()
    boxes: list[tuple[str, Box]] = []
    for row in rows:
        name = str(row["label"])
        if row["kind"] == "tag":
            tags.add(name)
        elif row["kind"] == "box":
            b = row["box"]
            if not isinstance(b, Mapping):
                raise ValueError(f"a box annotation without a box: {row!r}")
            boxes.append((name, (float(b["x"]), float(b["y"]), float(b["w"]), float(b["h"]))))
    return Labels(frozenset(tags), tuple(boxes))
