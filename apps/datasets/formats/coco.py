"""COCO instances JSON: `images`, `annotations` (bbox [x, y, w, h] in pixels), `categories`
with any ids. Several files are several splits (instances_train2017.json ->
train); images lie beside the file, in images/, in a folder named like the split
(train2017/), or anywhere with a unique name. A `segmentation` is read as the annotation's
shape instead of its bbox: polygons (each part of a several-part one its own polygon) and
RLE, compressed or not (iscrowd). Written: a polygon as COCO's polygon, or, with holes
(which COCO polygons cannot hold), as RLE with its rings kept in `labelforge_rings` so our
own import gets them back; a mask as compressed RLE. `iscrowd` and CVAT's `attributes` are
kept as attributes."""

import json
import posixpath
import zipfile
from collections.abc import Callable
from typing import Any

from ml.geometry import (
    polygon_area,
    polygon_bbox,
    polygon_rle,
    rings_of,
    rle_area,
    rle_bbox,
    rle_check,
    rle_string,
)

from .base import Archive, Box, Dataset, FormatError, Item, LabelSpec, Shape, split_name, stem

NAME = "coco"


def _looks_like_coco(data: Any) -> bool:
    return (
        isinstance(data, dict)
        and isinstance(data.get("images"), list)
        and (isinstance(data.get("annotations"), list) or isinstance(data.get("categories"), list))
    )


def annotation_files(archive: Archive) -> list[str]:
    """JSON files shaped like COCO instances (read only when their name or size suggests)."""
    found = []
    for path in archive.matching(".json"):
        try:
            if _looks_like_coco(json.loads(archive.text(path))):
                found.append(path)
        except (ValueError, FormatError):
            continue
    return found


def detect(archive: Archive) -> bool:
    return bool(annotation_files(archive))


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{value!r} is not a number")
    return float(value)


def read(archive: Archive) -> Dataset:
    files = annotation_files(archive)
    if not files:
        raise FormatError("No COCO annotation file (JSON with images, annotations and "
                          "categories) in the archive.")  # fmt: skip
    dataset = Dataset(NAME, [])
    names: dict[str, str] = {}  # label names by casefold, first spelling wins
    by_path: dict[str, Item] = {}
    for path in files:
        _read_file(archive, path, dataset, names, by_path)
    return dataset


def _read_file(archive: Archive, path: str, dataset: Dataset, names: dict[str, str],
               by_path: dict[str, Item]) -> None:  # fmt: skip
    data = json.loads(archive.text(path))
    split = split_name(stem(path).removeprefix("instances_").removeprefix("person_keypoints_"))
    categories: dict[Any, str] = {}
    for category in data.get("categories") or []:
        try:
            name = str(category["name"]).strip()
            categories[category["id"]] = name
        except (KeyError, TypeError):
            dataset.errors.append({"file": path, "detail": f"category {category!r}: no id/name"})
            continue
        if name and name.casefold() not in names:
            names[name.casefold()] = name
            dataset.labels.append(LabelSpec(name))
    folder = stem(path).removeprefix("instances_")
    folders = ("images", folder, f"images/{folder}", f"../{folder}", f"../images/{folder}")
    items: dict[Any, Item] = {}
    for image in data["images"]:
        try:
            file_name, image_id = str(image["file_name"]), image["id"]
        except (KeyError, TypeError):
            dataset.errors.append({"file": path, "detail": f"image {image!r}: no id/file_name"})
            continue
        entry = archive.find(file_name, near=path, folders=folders)
        key = entry or file_name
        item = by_path.get(key)
        if item is None:
            item = by_path[key] = Item(name=file_name, path=entry, split=split)
            item.width, item.height = image.get("width"), image.get("height")
            dataset.items.append(item)
        items[image_id] = item
    for ann in data.get("annotations") or []:
        _read_annotation(ann, items, categories, path, dataset)


def _read_annotation(ann: Any, items: dict[Any, Item], categories: dict[Any, str], path: str,
                     dataset: Dataset) -> None:  # fmt: skip
    item = items.get(ann.get("image_id")) if isinstance(ann, dict) else None
    if item is None:
        dataset.errors.append({"file": path, "detail": f"annotation {str(ann)[:80]}: its "
                               "image_id is not among the images"})  # fmt: skip
        return
    label = categories.get(ann.get("category_id"))
    if label is None:
        item.skipped.append(f"category id {ann.get('category_id')!r} is not in categories")
        return
    attributes = (
        dict(ann.get("attributes") or {}) if isinstance(ann.get("attributes"), dict) else {}
    )
    if ann.get("iscrowd"):
        attributes["iscrowd"] = True
    extra = {k: ann[k] for k in ("score",) if isinstance(ann.get(k), int | float)}
    segmentation = ann.get("segmentation")
    if segmentation:
        try:
            item.shapes += [Shape(label, attributes=dict(attributes), extra=dict(extra), **shape)
                            for shape in _shapes(segmentation, ann.get("labelforge_rings"))]  # fmt: skip
            return
        except ValueError as exc:
            item.skipped.append(f"a {label} segmentation: {exc} (its box is imported)")
    bbox = ann.get("bbox")
    if not bbox:
        return
    try:
        x, y, w, h = (_number(v) for v in bbox)
    except (ValueError, TypeError):
        item.skipped.append(f"bbox {bbox!r} is not four numbers")
        return
    item.boxes.append(Box(label, x, y, w, h, attributes, extra))


def _shapes(segmentation: Any, rings: Any) -> list[dict[str, Any]]:
    """Shape fields from a COCO segmentation (ValueError when it is not one)."""
    if rings is not None:  # our own export of a polygon with holes
        return [{"polygon": rings_of(rings)}]
    if isinstance(segmentation, dict):
        counts = segmentation.get("counts")
        if isinstance(counts, list):  # uncompressed RLE (iscrowd)
            if not all(isinstance(c, int) and not isinstance(c, bool) and c >= 0 for c in counts):
                raise ValueError("its RLE counts are not whole numbers")
            segmentation = {"size": segmentation.get("size"), "counts": rle_string(counts)}
        return [{"mask": rle_check(segmentation).json()}]
    if not isinstance(segmentation, list):
        raise ValueError("it is neither polygons nor RLE")
    parts = []
    for part in segmentation:
        if not isinstance(part, list) or len(part) < 6 or len(part) % 2:
            raise ValueError("a polygon part is not a flat list of x, y pairs")
        parts.append({"polygon": rings_of([part[i : i + 2] for i in range(0, len(part), 2)])})
    return parts


def _segment(shape: Shape, width: int, height: int) -> dict[str, Any]:
    """COCO fields (segmentation, bbox, area) for a polygon or mask."""
    if shape.mask is not None:
        rle = rle_check(shape.mask)
        return {"segmentation": rle.json(), "bbox": [round(v, 3) for v in rle_bbox(rle)],
                "area": rle_area(rle)}  # fmt: skip
    rings = rings_of(shape.polygon)
    bbox = [round(v, 3) for v in polygon_bbox(rings)]
    if len(rings) == 1:
        flat = [v for point in rings[0] for v in point]
        return {"segmentation": [flat], "bbox": bbox, "area": round(polygon_area(rings), 3)}
    return {"segmentation": polygon_rle(rings, height, width).json(), "bbox": bbox,
            "area": round(polygon_area(rings), 3), "labelforge_rings": [[list(p) for p in r] for r in rings]}  # fmt: skip


def write(
    dataset: Dataset, out: zipfile.ZipFile, image_bytes: Callable[[Item], bytes] | None
) -> None:
    """annotations/instances_<split>.json per split (instances_default.json for images with
    none), category ids 1..N in label order, images under images/<split>/ when included."""
    categories = [{"id": i, "name": name, "supercategory": ""}
                  for i, name in enumerate(dataset.label_names(), start=1)]  # fmt: skip
    ids = {c["name"].casefold(): c["id"] for c in categories}
    groups: dict[str, list[Item]] = {}
    for item in dataset.items:
        groups.setdefault(item.split or "default", []).append(item)
    ann_id = 0
    for split, items in groups.items():
        images, annotations = [], []
        for image_id, item in enumerate(items, start=1):
            file_name = posixpath.join(split, item.name)
            images.append({"id": image_id, "file_name": file_name, "width": item.width,
                           "height": item.height})  # fmt: skip
            for box in item.boxes:
                ann_id += 1
                attributes = {k: v for k, v in box.attributes.items() if k != "iscrowd"}
                annotations.append({
                    "id": ann_id, "image_id": image_id, "category_id": ids[box.label.casefold()],
                    "bbox": [round(v, 3) for v in (box.x, box.y, box.w, box.h)],
                    "area": round(box.w * box.h, 3), "segmentation": [],
                    "iscrowd": int(bool(box.attributes.get("iscrowd"))),
                    **({"attributes": attributes} if attributes else {}),
                    **({"score": box.extra["score"]} if "score" in box.extra else {}),
                })  # fmt: skip
            for shape in item.shapes:
                ann_id += 1
                attributes = {k: v for k, v in shape.attributes.items() if k != "iscrowd"}
                annotations.append({
                    "id": ann_id, "image_id": image_id, "category_id": ids[shape.label.casefold()],
                    **_segment(shape, item.width or 0, item.height or 0),
                    "iscrowd": int(bool(shape.attributes.get("iscrowd"))),
                    **({"attributes": attributes} if attributes else {}),
                    **({"score": shape.extra["score"]} if "score" in shape.extra else {}),
                })  # fmt: skip
            if image_bytes is not None:
                out.writestr(f"images/{file_name}", image_bytes(item))
        body = {"info": {"description": "Labelforge export"}, "licenses": [],
                "categories": categories, "images": images, "annotations": annotations}  # fmt: skip
        out.writestr(f"annotations/instances_{split}.json", json.dumps(body))
