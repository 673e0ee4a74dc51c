"""Held-out evaluation reports, torch-free: accuracy, per-class precision/recall/F1 and the
confusion matrix for classifiers. Fractions in 0..1; a ratio with a zero denominator
(a class never predicted, or absent from the split) is None, not a made-up 0."""

from collections.abc import Sequence
from typing import Any


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def classification_report(
    y_true: Sequence[int], y_pred: Sequence[int], classes: Sequence[str]
) -> dict[str, Any]:
    """`confusion[t][p]` counts images of true class t predicted as p."""
    n = len(classes)
    confusion = [[0] * n for _ in range(n)]
    for t, p in zip(y_true, y_pred, strict=True):
        confusion[t][p] += 1
    per_class = []
    for c, name in enumerate(classes):
        tp = confusion[c][c]
        predicted = sum(confusion[t][c] for t in range(n))
        support = sum(confusion[c])
        precision, recall = _ratio(tp, predicted), _ratio(tp, support)
        f1 = None
        if precision is not None and recall is not None:
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class.append({"label": name, "precision": precision, "recall": recall, "f1": f1,
                          "support": support})  # fmt: skip
    f1s = [row["f1"] for row in per_class if row["support"]]
    correct = sum(confusion[c][c] for c in range(n))
    return {
        "count": len(y_true),
        "accuracy": _ratio(correct, len(y_true)),
        "macro_f1": sum(f or 0.0 for f in f1s) / len(f1s) if f1s else None,
        "per_class": per_class,
        "confusion": confusion,
    }
