"""Can these images give a meaningful model? Checked on the samples a snapshot would freeze,
before a run starts (the New run form) and when it starts (the API answer and the run page).
Errors stop the run; warnings let it start but say why its figures may mean little."""

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from ml.autolabel import MIN_CROP
from ml.manifest import TRAIN_SPLITS

# Fewer training images of a class than this, and the model learns little about it.
MIN_IMAGES_PER_CLASS = 10
# Fewer validation images than this, and the accuracy moves in big steps.
MIN_VALIDATION_IMAGES = 10
SPLITS = ("train", "val", "test", "unassigned")


@dataclass
class DataCheck:
    task: str
    source: str
    images: int  # samples: images, or box crops for source "crops"
    left_out: int
    splits: dict[str, int]
    classes: list[dict[str, Any]]
    errors: list[dict[str, str]] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": not self.errors}


def _names(names: list[str], limit: int = 4) -> str:
    shown = ", ".join(f"“{n}”" for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


# what a sample needs, by source, for the messages
NEEDS = {"tags": "image-level tags", "boxes": "boxes", "crops": f"boxes of {MIN_CROP} px or more",
         "scale_classes": "boxes with a scale class", "shapes": "polygons or masks"}  # fmt: skip


def check_samples(
    *, task: str, source: str, samples: list[dict], classes: list[str], total: int,
    unclassed: int = 0, excluded: int = 0,
) -> DataCheck:  # fmt: skip
    """`samples` as the snapshot manifest has them; `classes` their class names by index;
    `total` the project's images (its boxes for crops), `unclassed` boxes without a scale
    class (whose images are left out), `excluded` images curation set aside."""
    what = NEEDS[source]
    splits = {s: 0 for s in SPLITS} | Counter(s["split"] for s in samples)
    train = [s for s in samples if s["split"] in TRAIN_SPLITS]
    per_class: Counter[int] = Counter()
    for s in train:
        per_class.update({i for i in s["labels"]} | {b[4] for b in s["boxes"]})
    check = DataCheck(
        task=task, source=source, images=len(samples), left_out=max(0, total - len(samples)),
        splits=dict(splits),
        classes=[{"name": n, "train_images": per_class[i]} for i, n in enumerate(classes)],
    )  # fmt: skip
    if not train:
        check.errors.append({"code": "no_training_data",
                             "detail": f"Nothing to train on: no image in the train split has {what}."})  # fmt: skip
    if not train and source == "scale_classes":
        check.errors[-1]["detail"] += " Run Scale classes on the Dataset tab first."
    if task == "classify" and len(classes) < 2:
        check.errors.append({"code": "no_training_data",
                             "detail": "A classifier needs images of at least two classes."})  # fmt: skip
    if check.errors:
        return check
    if not splits["val"]:
        check.warnings.append({"code": "no_validation", "detail": (
            "No validation images: the worker holds out a random 10% of the training images to "
            "score each epoch. Assign train/val/test splits (Split tab) for figures you can trust."
        )})  # fmt: skip
    elif splits["val"] < MIN_VALIDATION_IMAGES:
        check.warnings.append({"code": "few_validation", "detail": (
            f"Only {splits['val']} validation images: the score moves in steps of "
            f"{100 / splits['val']:.0f}%."
        )})  # fmt: skip
    few = [c["name"] for c in check.classes if c["train_images"] < MIN_IMAGES_PER_CLASS]
    if few:
        check.warnings.append({"code": "few_images_per_class", "detail": (
            f"{_names(few)} {'has' if len(few) == 1 else 'have'} fewer than "
            f"{MIN_IMAGES_PER_CLASS} training images: the model will learn little about "
            f"{'it' if len(few) == 1 else 'them'}."
        )})  # fmt: skip
    if check.left_out and source == "crops":
        check.warnings.append({"code": "left_out", "detail": (
            f"{check.left_out} of the {total} boxes are under {MIN_CROP} px on a side and are left out."
        )})  # fmt: skip
    elif check.left_out:
        check.warnings.append({"code": "left_out", "detail": (
            f"{check.left_out} of the project's {total} images have no {what} and are left out."
        )})  # fmt: skip
    if excluded:
        check.warnings.append({"code": "excluded", "detail": (
            f"{excluded} images set aside on the Curation tab (near-duplicates) are left out."
        )})  # fmt: skip
    if unclassed:
        check.warnings.append({"code": "unclassed_boxes", "detail": (
            f"{unclassed} boxes have no scale class (drawn since Scale classes last ran), so "
            "their images are left out. Run Scale classes on the Dataset tab again."
        )})  # fmt: skip
    return check
