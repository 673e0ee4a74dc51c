"""Labelforge's own format: labelforge.json with everything a project holds about its
images (labels with colours and hotkeys; per image its split, status, sample weight and
annotations with source, score, model version and review), images under images/. A project
moves between installations with nothing lost."""

import json
import zipfile
from collections.abc import Callable
from typing import Any

from ml.geometry import rings_of, rle_check

from .base import Archive, Box, Dataset, FormatError, Item, LabelSpec, Shape

NAME = "labelforge"
FILE = "labelforge.json"
VERSION = 1
ANNOTATION_EXTRA = ("source", "score", "model_version", "review")


def detect(archive: Archive) -> bool:
    return archive.find(FILE) is not None


def read(archive: Archive) -> Dataset:
    path = archive.find(FILE)
    if path is None:
        raise FormatError(f"No {FILE} in the archive.")
    try:
        data = json.loads(archive.text(path))
    except ValueError as exc:
        raise FormatError(f"{path}: not JSON ({exc}).") from exc
    if not isinstance(data, dict) or data.get("format") != NAME:
        raise FormatError(f"{path}: not a Labelforge export (format must be '{NAME}').")
    if data.get("version") != VERSION:
        raise FormatError(
            f"{path}: version {data.get('version')!r}; this installation reads {VERSION}."
        )
    try:
        labels = [LabelSpec(str(x["name"]), str(x.get("color", "")), str(x.get("hotkey", "")))
                  for x in data.get("labels", [])]  # fmt: skip
        items = [_item(archive, path, image) for image in data.get("images", [])]
    except (KeyError, TypeError, ValueError) as exc:
        raise FormatError(f"{path}: malformed ({type(exc).__name__}: {exc}).") from exc
    return Dataset(NAME, items, labels)


def _item(archive: Archive, path: str, image: dict[str, Any]) -> Item:
    name = str(image["file"])
    item = Item(name=name, path=archive.find(f"images/{name}", near=path), split=image.get("split"),
                width=image.get("width"), height=image.get("height"))  # fmt: skip
    item.extra = {k: image[k] for k in ("status", "sample_weight", "sha256") if k in image}
    for ann in image.get("annotations", []):
        extra = {k: ann[k] for k in ANNOTATION_EXTRA if ann.get(k) is not None}
        if ann["kind"] == "tag":
            item.tags.append(str(ann["label"]))
            item.extra.setdefault("tag_extra", []).append(extra)
        elif ann["kind"] == "box":
            box = ann["box"]
            item.boxes.append(Box(str(ann["label"]), float(box["x"]), float(box["y"]), float(box["w"]),
                                  float(box["h"]), dict(ann.get("attributes") or {}), extra))  # fmt: skip
        elif ann["kind"] in ("polygon", "mask"):
            shape = {"polygon": rings_of(ann["polygon"])} if ann["kind"] == "polygon" \
                else {"mask": rle_check(ann["mask"]).json()}  # fmt: skip
            item.shapes.append(Shape(str(ann["label"]), **shape,
                                     attributes=dict(ann.get("attributes") or {}), extra=extra))  # fmt: skip
        else:
            item.skipped.append(f"{name}: a {ann['kind']} annotation is not one Labelforge knows")
    return item


def write(
    dataset: Dataset, out: zipfile.ZipFile, image_bytes: Callable[[Item], bytes] | None
) -> None:
    images = []
    for item in dataset.items:
        annotations: list[dict[str, Any]] = []
        tag_extra = item.extra.get("tag_extra", [])
        for i, tag in enumerate(item.tags):
            annotations.append(
                {"kind": "tag", "label": tag, **(tag_extra[i] if i < len(tag_extra) else {})}
            )
        for box in item.boxes:
            annotations.append({"kind": "box", "label": box.label,
                                "box": {"x": box.x, "y": box.y, "w": box.w, "h": box.h},
                                **({"attributes": box.attributes} if box.attributes else {}),
                                **box.extra})  # fmt: skip
        for shape in item.shapes:
            kind = "mask" if shape.mask is not None else "polygon"
            value = shape.mask if shape.mask is not None else shape.polygon
            annotations.append({"kind": kind, "label": shape.label, kind: value,
                                **({"attributes": shape.attributes} if shape.attributes else {}),
                                **shape.extra})  # fmt: skip
        images.append({"file": item.name, "width": item.width, "height": item.height,
                       "split": item.split, **{k: v for k, v in item.extra.items() if k != "tag_extra"},
                       "annotations": annotations})  # fmt: skip
        if image_bytes is not None:
            out.writestr(f"images/{item.name}", image_bytes(item))
    body = {"format": NAME, "version": VERSION,
            "labels": [{"name": s.name, "color": s.color, "hotkey": s.hotkey} for s in dataset.labels],
            "images": images}  # fmt: skip
    out.writestr(FILE, json.dumps(body, ensure_ascii=False, indent=1))
