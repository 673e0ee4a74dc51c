"""Pre-labelling: a predictor's output as proposals for people to review. Torch-free; works
typed against ml/engine.py's Classifier and Detector (any predictor from ml/predict.py or
ml/serving.py).

    classify_proposals(classifier, images, threshold)            -> image tags
    detect_proposals(detector, images, threshold)                -> boxes
    segment_proposals(segmenter, images, threshold)              -> polygons
    two_stage_proposals(detector, classifiers, images, threshold) -> boxes whose label comes
        from a classifier run on each box's crop (score = box score x class confidence):
        the one for the box's detector class (a detector of shape classes, a classifier per
        shape), else the default (key None); a box with neither keeps its detector label

Each image also gets an uncertainty in 0..1: 1 - (top-1 - top-2 confidence), the margin
rule of active learning (1 means the model could not choose between its first two answers).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from PIL import Image

from .engine import Classifier, Detector, Segmenter
from .results import Classification, Detection

MIN_CROP = 4  # pixels: smaller boxes are not worth classifying


@dataclass
class Proposal:
    label: str
    score: float
    box: tuple[float, float, float, float] | None = None  # x, y, w, h; None for a tag
    # segmentation: rings in image pixels (outline first, then holes); box is its bounding box
    polygon: list[list[tuple[float, float]]] | None = None


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


def segment_proposals(
    segmenter: Segmenter, images: Sequence[Image.Image], threshold: float
) -> list[ImageProposals]:
    """Polygons: a segmentation model's instances (or class regions) whose mask came out with
    an outline; the least sure one decides the uncertainty."""
    out = []
    for found in segmenter.segment(images, score_threshold=threshold):
        proposals = [
            Proposal(s.label, s.score, (s.x, s.y, s.w, s.h), s.polygon) for s in found if s.polygon
        ]
        worst = min((p.score for p in proposals), default=None)
        out.append(ImageProposals(proposals, None if worst is None else 1.0 - worst))
    return out


def two_stage_proposals(
    detector: Detector,
    classifiers: Mapping[str | None, Classifier],
    images: Sequence[Image.Image],
    threshold: float,
) -> list[ImageProposals]:
    found = detector.detect(images, score_threshold=threshold)
    # every crop of the batch, grouped by the classifier that labels it: one call each
    jobs: dict[int, list[tuple[int, Detection, tuple]]] = {}
    chosen: dict[int, Classifier] = {}
    out = [ImageProposals() for _ in images]
    for i, (image, detections) in enumerate(zip(images, found, strict=True)):
        for d in detections:
            box = _clip(d, *image.size)
            if not box or min(box[2:]) < MIN_CROP:
                continue
            classifier = classifiers.get(d.label) or classifiers.get(None)
            if classifier is None:  # nothing to ask: the detector's own label stands
                out[i].proposals.append(Proposal(d.label, d.score, box))
                continue
            chosen[id(classifier)] = classifier
            jobs.setdefault(id(classifier), []).append((i, d, box))
    margins: list[list[float]] = [[] for _ in images]
    for key, items in jobs.items():
        crops = [images[i].crop((x, y, x + w, y + h)) for i, _, (x, y, w, h) in items]
        for (i, d, box), rows in zip(items, chosen[key].classify(crops, top_k=2), strict=True):
            score = d.score * rows[0].confidence
            margins[i].append(margin_uncertainty(rows) or 0.0)
            if score >= threshold:
                out[i].proposals.append(Proposal(rows[0].label, score, box))
    for i, result in enumerate(out):
        if margins[i]:
            result.uncertainty = max(margins[i])
        elif result.proposals:  # detector labels only: the least sure box decides
            result.uncertainty = 1.0 - min(p.score for p in result.proposals)
    return out
