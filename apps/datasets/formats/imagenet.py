"""Folder-per-class (ImageNet's layout, torchvision's ImageFolder): <class>/<image>, or
<split>/<class>/<image> to keep splits. No annotation file: each image is tagged with its
folder's class (datumaro's no_label/ holds images without one)."""

import posixpath
import zipfile
from collections.abc import Callable

from .base import Archive, Dataset, FormatError, Item, split_name

NAME = "imagenet"
NO_LABEL = "no_label"  # datumaro's folder for an image without a class


def _layout(archive: Archive) -> tuple[str, bool] | None:
    """(wrapping folder prefix, whether a split folder comes first) or None."""
    images = list(archive.images())
    if not images or len(images) != len(
        [p for p in archive.paths if not p.lower().endswith(".txt")]
    ):
        return None
    for prefix in ("", *{p.split("/")[0] + "/" for p in images}):
        parts = [p[len(prefix) :].split("/") for p in images if p.startswith(prefix)]
        if len(parts) != len(images):
            continue
        if all(len(r) == 3 and split_name(r[0]) for r in parts):
            return prefix, True
        if all(len(r) == 2 for r in parts):
            return prefix, False
    return None


def detect(archive: Archive) -> bool:
    return _layout(archive) is not None


def read(archive: Archive) -> Dataset:
    layout = _layout(archive)
    if layout is None:
        raise FormatError("Not a folder-per-class archive: every image must be in "
                          "<class>/ or <split>/<class>/.")  # fmt: skip
    prefix, with_splits = layout
    dataset = Dataset(NAME, [])
    for image in archive.images(prefix.rstrip("/")):
        parts = image[len(prefix) :].split("/")
        split = split_name(parts[0]) if with_splits else None
        tags = [] if parts[-2] == NO_LABEL else [parts[-2]]
        dataset.items.append(Item(name=parts[-1], path=image, split=split, tags=tags))
    return dataset


def write(
    dataset: Dataset, out: zipfile.ZipFile, image_bytes: Callable[[Item], bytes] | None
) -> None:
    """<split>/<class>/<image> when any image has a split, else <class>/<image>; an image
    with several tags goes in each class's folder, one without any is left out."""
    with_splits = any(item.split for item in dataset.items)
    listed = []
    for item in dataset.items:
        for tag in item.tags:
            folder = posixpath.join(item.split or "train", tag) if with_splits else tag
            if image_bytes is None:  # the layout is the labels: without images, a list of it
                listed.append(f"{folder}/{item.name}")
            else:
                out.writestr(f"{folder}/{item.name}", image_bytes(item))
    if image_bytes is None:
        out.writestr("files.txt", "".join(f"{line}\n" for line in listed))
