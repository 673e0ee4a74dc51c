"""Likely label errors: how strongly a model's predictions disagree with what a person
labelled (FiftyOne Brain calls it mistakenness). Plain inputs, plain outputs:

    classification_mistakenness(probabilities, given) -> Verdict
    detection_mistakenness(predictions, boxes)        -> Verdict

A verdict's `score` is in 0..1 and orders a review queue (highest first); its `suspects`
say why, for the labeller to show next to the label.

Classification: m = (1 + p(best other class) - p(given)) / 2 for the given label the model
disagrees with most: 1 when the model is sure of another class, 0 when it is sure of the
label, 0.5 when it is torn between them. A class missing from the stored top-k counts as 0.
On a multi-label image the other given labels are not "another class": only a class nobody
gave can be the model's counter-opinion.

Detection: predictions are matched to the labelled boxes greedily, most confident first, at
IoU >= 0.5 whatever their class. Each disagreement becomes a suspect:
- `wrong_label`: a prediction matched a box of another class; score = the prediction's score;
- `missing`: a prediction matched no box (a box may be missing); score = its score. A
  prediction overlapping an already matched box at IoU >= 0.5 is a second guess at that same
  object (the model's duplicate or runner-up class), not a missing box, and is passed over;
- `spurious`: a box no prediction matched (it may not be there); score = 0.5 x (1 - the best
  score among predictions overlapping it at IoU >= 0.1): a model that saw nothing anywhere
  near it suspects it most, though never as much as a confident prediction.
The image's score is its strongest suspect's (0 when the model agrees with every box).
"""

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

IOU_MATCH = 0.5
IOU_NEAR = 0.1
SHOWN = 0.3  # suspects scoring below this are not worth a reviewer's look; still scored
SPURIOUS_WEIGHT = 0.5

Box = tuple[float, float, float, float]  # x, y, w, h in image pixels


@dataclass(frozen=True)
class Suspect:
    """One disagreement. `label` is the model's class (wrong_label, missing), `given` the
    person's (wrong_label, spurious); `box` for detection only."""

    kind: str  # "wrong_label" | "missing" | "spurious"
    score: float
    label: str | None = None
    given: str | None = None
    box: Box | None = None

    def as_dict(self) -> dict[str, Any]:
        row = asdict(self)
        row["box"] = dict(zip("xywh", self.box, strict=True)) if self.box else None
        return row


@dataclass(frozen=True)
class Verdict:
    score: float
    suspects: list[Suspect]


@dataclass(frozen=True)
class Predicted:
    label: str
    score: float
    box: Box


def classification_mistakenness(probabilities: Mapping[str, float],
                                given: Sequence[str]) -> Verdict:  # fmt: skip
    """`probabilities`: the model's class -> confidence (top-k or all); `given`: the image's
    labelled classes (usually one). No label, no score."""
    if not given:
        return Verdict(0.0, [])
    worst: tuple[float, Suspect | None] = (-1.0, None)
    labelled = set(given)
    others = [(float(p), c) for c, p in probabilities.items() if c not in labelled]
    p_other, other = max(others, default=(0.0, None))
    for label in dict.fromkeys(given):
        p_given = float(probabilities.get(label, 0.0))
        m = min(1.0, max(0.0, (1.0 + p_other - p_given) / 2.0))
        suspect = Suspect("wrong_label", m, other, label) if p_other > p_given else None
        if m > worst[0]:
            worst = (m, suspect)
    score, suspect = worst
    return Verdict(score, [suspect] if suspect and score >= SHOWN else [])


def iou(a: Box, b: Box) -> float:
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def detection_mistakenness(predictions: Sequence[Predicted],
                           boxes: Sequence[tuple[str, Box]]) -> Verdict:  # fmt: skip
    """`predictions`: the model's boxes (any threshold; low scores only weigh little);
    `boxes`: the labelled (class, box) pairs."""
    ranked = sorted(predictions, key=lambda p: -p.score)
    matched: dict[int, Predicted] = {}
    suspects: list[Suspect] = []
    for pred in ranked:
        best, best_iou = -1, IOU_MATCH
        for k, (_, box) in enumerate(boxes):
            overlap = iou(pred.box, box)
            if k not in matched and overlap >= best_iou:
                best, best_iou = k, overlap
        if best < 0:
            if any(iou(pred.box, boxes[k][1]) >= IOU_MATCH for k in matched):
                continue  # a second guess at an object already matched
            suspects.append(Suspect("missing", pred.score, pred.label, None, pred.box))
            continue
        matched[best] = pred
        given = boxes[best][0]
        if pred.label != given:
            suspects.append(Suspect("wrong_label", pred.score, pred.label, given, boxes[best][1]))
    for k, (given, box) in enumerate(boxes):
        if k in matched:
            continue
        near = [p.score for p in ranked if iou(p.box, box) >= IOU_NEAR]
        score = SPURIOUS_WEIGHT * (1.0 - max(near, default=0.0))
        suspects.append(Suspect("spurious", score, None, given, box))
    suspects.sort(key=lambda s: -s.score)
    score = suspects[0].score if suspects else 0.0
    return Verdict(score, [s for s in suspects if s.score >= SHOWN])
