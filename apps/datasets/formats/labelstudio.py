"""Label Studio's JSON export: a list of tasks, each with `data.image` (a URL or a path; its
file name finds the image, without the 8-character prefix Label Studio gives uploads) and
`annotations[].result[]`: `rectanglelabels` in percent of the image (rotated boxes are
skipped), `choices` as tags. Polygons, brushes and keypoints are counted as skipped, and
`predictions` are not imported."""

import json
import posixpath
import re
import zipfile
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urlsplit

from .base import Archive, Box, Dataset, FormatError, Item

NAME = "labelstudio"
UPLOAD_PREFIX = re.compile(r"^[0-9a-f]{8}-")
SKIPPED_TYPES = ("polygonlabels", "brushlabels", "keypointlabels", "ellipselabels")


def _tasks(archive: Archive) -> tuple[str, list[dict[str, Any]]] | None:
    for path in archive.matching(".json"):
        try:
            data = json.loads(archive.text(path))
        except (ValueError, FormatError):
            continue
        if (
            isinstance(data, list)
            and data
            and all(isinstance(t, dict) and isinstance(t.get("data"), dict) for t in data)
        ):
            return path, data
    return None


def detect(archive: Archive) -> bool:
    return _tasks(archive) is not None


def _file_name(url: str) -> str:
    path = unquote(urlsplit(url).path)
    if "?d=" in url:  # local storage: /data/local-files/?d=folder/a.jpg
        path = unquote(url.split("?d=", 1)[1])
    return posixpath.basename(path)


def read(archive: Archive) -> Dataset:
    found = _tasks(archive)
    if found is None:
        raise FormatError("No Label Studio JSON export (a list of tasks with data.image).")
    path, tasks = found
    dataset = Dataset(NAME, [])
    for task in tasks:
        url = next((v for v in task["data"].values() if isinstance(v, str)), "")
        name = _file_name(url)
        entry = archive.find(name, near=path, folders=("images",))
        if entry is None and UPLOAD_PREFIX.match(name):
            entry = archive.find(UPLOAD_PREFIX.sub("", name), near=path, folders=("images",))
        item = Item(
            name=UPLOAD_PREFIX.sub("", name) if entry is None else posixpath.basename(entry),
            path=entry,
        )
        for annotation in task.get("annotations") or []:
            if isinstance(annotation, dict) and not annotation.get("was_cancelled"):
                for result in annotation.get("result") or []:
                    _result(result, item)
        if task.get("predictions"):
            item.skipped.append(f"task {task.get('id')}: predictions are not imported")
        dataset.items.append(item)
    return dataset


def _result(result: Any, item: Item) -> None:
    kind = str(result.get("type", "")).lower() if isinstance(result, dict) else ""
    value = result.get("value") if isinstance(result, dict) else None
    if not isinstance(value, dict):
        return
    if kind == "choices":
        item.tags.extend(str(c) for c in value.get("choices") or [])
    elif kind == "rectanglelabels":
        labels = value.get("rectanglelabels") or []
        if value.get("rotation"):
            item.skipped.append(f"{item.name}: a rotated box (rotation {value['rotation']})")
            return
        try:
            x, y, w, h = (float(value[k]) / 100 for k in ("x", "y", "width", "height"))
        except (KeyError, TypeError, ValueError):
            item.skipped.append(f"{item.name}: a rectangle without x/y/width/height")
            return
        for label in labels:
            item.boxes.append(Box(str(label), x, y, w, h, normalized=True))
        width, height = result.get("original_width"), result.get("original_height")
        if isinstance(width, int) and isinstance(height, int):
            item.width, item.height = width, height
    elif kind in SKIPPED_TYPES:
        item.skipped.append(f"{item.name}: {kind} (segmentation is not supported yet)")


def write(
    dataset: Dataset, out: zipfile.ZipFile, image_bytes: Callable[[Item], bytes] | None
) -> None:
    """tasks.json (boxes in percent, tags as choices) and images/ when included."""
    tasks = []
    for number, item in enumerate(dataset.items, start=1):
        w, h = item.width or 1, item.height or 1
        result: list[dict[str, Any]] = []
        for i, box in enumerate(item.boxes):
            sx, sy = (100.0, 100.0) if box.normalized else (100 / w, 100 / h)
            result.append({"id": f"{number}-{i}", "type": "rectanglelabels", "from_name": "label",
                           "to_name": "image", "original_width": item.width, "original_height": item.height,
                           "value": {"x": box.x * sx, "y": box.y * sy, "width": box.w * sx,
                                     "height": box.h * sy, "rotation": 0,
                                     "rectanglelabels": [box.label]}})  # fmt: skip
        if item.tags:
            result.append({"type": "choices", "from_name": "choice", "to_name": "image",
                           "value": {"choices": list(item.tags)}})  # fmt: skip
        tasks.append({"id": number, "data": {"image": f"images/{item.name}"},
                      "annotations": [{"id": number, "result": result}] if result else []})  # fmt: skip
        if image_bytes is not None:
            out.writestr(f"images/{item.name}", image_bytes(item))
    out.writestr("tasks.json", json.dumps(tasks, ensure_ascii=False))
