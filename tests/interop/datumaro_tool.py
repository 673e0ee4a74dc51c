"""Datumaro on the other side of our import and export, run in its own virtualenv
(`.venv-interop`, made by `scripts/setup.sh --test`): datumaro pins versions of Pillow and
NumPy that the app does not use, so it never shares the app's environment.

    datumaro_tool.py write FORMAT OUT_DIR < spec.json   writes a dataset with datumaro
    datumaro_tool.py read FORMAT DIR > found.json       reads one with datumaro

A spec is {"labels": [...], "items": [{"id", "subset", "width", "height", "color",
"boxes": [[label, x, y, w, h, {attributes}]], "tags": [label]}]}; `read` prints items in the
same shape (ids without folders or classes, boxes rounded to 0.01 px), with each item's
"masks": [[label, COCO compressed RLE string of the image's size]] and "polygons":
[[label, [x1, y1, x2, y2, ...]]] as datumaro sees them. A spec's item may hold "masks":
[[label, [x, y, w, h] rectangles set]] for `write`."""

import json
import sys
from pathlib import Path

import datumaro as dm
import numpy as np
from datumaro.components.annotation import AnnotationType, Bbox, Label, LabelCategories, Mask
from datumaro.components.media import Image
from pycocotools import mask as coco_mask


def write(fmt: str, out: str, spec: dict) -> None:
    labels = spec["labels"]
    items = []
    for item in spec["items"]:
        pixels = np.zeros((item["height"], item["width"], 3), np.uint8)
        pixels[:, :] = item["color"][::-1]  # datumaro's arrays are BGR
        pixels[: item["height"] // 2, : item["width"] // 2] = 255  # not a flat image
        annotations = [
            Bbox(x, y, w, h, label=labels.index(name), attributes=attributes)
            for name, x, y, w, h, attributes in item["boxes"]
        ] + [Label(labels.index(name)) for name in item["tags"]]
        for name, rects in item.get("masks", []):
            pixels_set = np.zeros((item["height"], item["width"]), np.uint8)
            for x, y, w, h in rects:
                pixels_set[y : y + h, x : x + w] = 1
            annotations.append(Mask(image=pixels_set, label=labels.index(name)))
        items.append(dm.DatasetItem(id=item["id"], subset=item["subset"], annotations=annotations,
                                    media=Image.from_numpy(data=pixels)))  # fmt: skip
    categories = {AnnotationType.label: LabelCategories.from_iterable(labels)}
    dm.Dataset.from_iterable(items, categories=categories).export(out, fmt, save_media=True)


def _subsets(fmt: str, path: str) -> list[tuple[str | None, dm.Dataset]]:
    if fmt != "imagenet_with_subset_dirs":
        return [(None, dm.Dataset.import_from(path, fmt))]
    # datumaro merges the splits' class lists and refuses splits whose classes differ (a
    # class with no val images), so each split folder is read as a plain ImageNet tree
    return [(split.name, dm.Dataset.import_from(str(split), "imagenet"))
            for split in sorted(Path(path).iterdir())]  # fmt: skip


def read(fmt: str, path: str) -> dict:
    found, names = [], []
    for subset, dataset in _subsets(fmt, path):
        found += _items(dataset, subset)
        names += [c.name for c in dataset.categories()[AnnotationType.label] if c.name not in names]
    return {"labels": names, "items": sorted(found, key=lambda i: i["id"])}


def _items(dataset: dm.Dataset, subset: str | None) -> list[dict]:
    names = [c.name for c in dataset.categories()[AnnotationType.label]]
    found = []
    for item in dataset:
        boxes = [a for a in item.annotations if a.type == AnnotationType.bbox]
        tags = [a for a in item.annotations if a.type == AnnotationType.label]
        masks = [a for a in item.annotations if a.type == AnnotationType.mask]
        polygons = [a for a in item.annotations if a.type == AnnotationType.polygon]
        found.append({
            "id": item.id.rsplit("/", 1)[-1].rsplit(":", 1)[-1],  # ImageNet ids are class:name
            "subset": subset or item.subset,
            "boxes": sorted([names[b.label], *(round(v, 2) for v in b.get_bbox())] for b in boxes),
            "tags": sorted(names[t.label] for t in tags),
            "masks": sorted([names[m.label], _rle(m.image)] for m in masks),
            "polygons": sorted([names[p.label], [float(v) for v in p.points]] for p in polygons),
        })  # fmt: skip
    return found


def _rle(pixels: np.ndarray) -> str:
    encoded = coco_mask.encode(np.asfortranarray(pixels.astype(np.uint8)))
    return encoded["counts"].decode("ascii")


if __name__ == "__main__":
    command, fmt, path = sys.argv[1:4]
    if command == "write":
        write(fmt, path, json.load(sys.stdin))
    else:
        json.dump(read(fmt, path), sys.stdout)
