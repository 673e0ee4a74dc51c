"""Pre-labelling: a predictor's output as proposals for people to review. Torch-free; works
typed against ml/engine.py's Classifier and Detector (any predictor from ml/predict.py or
ml/serving.py).

    classify_proposals(classifier, images, threshold)            -> image tags
    detect_proposals(detector, images, threshold)                -> boxes
    two_stage_proposals(detector, classifier, images, threshold) -> boxes whose label comes
        from the classifier run on each box's crop (score = box score x class confidence)

Each image also gets an uncertainty in 0..1: 1 - (top-1 - top-2 confidence), the margin
rule of active learning (1 means the model could not choose between its first two answers).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from PIL import Image

from .engine import Classifier, Detector
from .results import Classification, Detection

MIN_CROP = 4  # pixels: smaller boxes are not worth classifying


@dataclass
class Proposal:
    label: str
    score: float
    box: tuple[float, float, float, float] | None = None  # x, y, w, h; None for a tag


@dataclass
class ImageProposals:
    proposals: list[Proposal] = field(default_factory=list)
    uncertainty: float | None = None


def margin_uncertainty(rows: Sequence[Classification]) -> float | None:
    if not rows:
        return None
    second = rows[1].confidence if len(rows) > 1 else 0.0
    return max(0.0, min(1.0, 1.0 - (rows[0].confidence - second)))


def tags_from(rows: Sequence[Sequence[Classification]], threshold: float) -> list[ImageProposals]:
    """Top-2 classifications per image -> a tag proposal (above the threshold) + uncertainty."""
    out = []
    for ranked in rows:
        top = ranked[0]
        proposals = [Proposal(top.label, top.confidence)] if top.confidence >= threshold else []
        out.append(ImageProposals(proposals, margin_uncertainty(ranked)))
    return out


def classify_proposals(
    classifier: Classifier, images: Sequence[Image.Image], threshold: float
) -> list[ImageProposals]:
    return tags_from(classifier.classify(images, top_k=2), threshold)


def _clip(d: Detection, width: int, height: int) -> tuple[float, float, float, float] | None:
    x, y = max(0.0, d.x), max(0.0, d.y)
    w, h = min(float(width), d.x + d.w) - x, min(float(height), d.y + d.h) - y
    return (x, y, w, h) if w > 0 and h > 0 else None


def detect_proposals(
    detector: Detector, images: Sequence[Image.Image], threshold: float
) -> list[ImageProposals]:
    """Uncertainty for boxes: the least sure box decides (1 - its score)."""
    out = []
    for image, found in zip(
        images, detector.detect(images, score_threshold=threshold), strict=True
    ):
        proposals = [
            Proposal(d.label, d.score, box) for d in found if (box := _clip(d, *image.size))
        ]
        worst = min((p.score for p in proposals), default=None)
        out.append(ImageProposals(proposals, None if worst is None else 1.0 - worst))
    return out


def two_stage_proposals(
    detector: Detector, classifier: Classifier, images: Sequence[Image.Image], threshold: float
) -> list[ImageProposals]:
    out = []
    for image, found in zip(
        images, detector.detect(images, score_threshold=threshold), strict=True
    ):
        boxes = [
            (d, box) for d in found if (box := _clip(d, *image.size)) and min(box[2:]) >= MIN_CROP
        ]
        crops = [image.crop((x, y, x + w, y + h)) for _, (x, y, w, h) in boxes]
        labelled = classifier.classify(crops, top_k=2) if crops else []
        proposals, margins = [], []
        for (d, box), rows in zip(boxes, labelled, strict=True):
            score = d.score * rows[0].confidence
            margins.append(margin_uncertainty(rows) or 0.0)
            if score >= threshold:
                proposals.append(Proposal(rows[0].label, score, box))
        out.append(ImageProposals(proposals, max(margins) if margins else None))
    return out
