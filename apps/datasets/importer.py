"""Adding a read dataset (formats.base.Dataset) to a project, a hundred items per
transaction (one at a time where a batch fails, so only a bad item is left out): the image
matched by content or stored, labels matched by name
(case-insensitively) or created, boxes made pixels and clipped to the image, and an
annotation already on the image (same label, same box within 0.01 px, or the same tag) left
alone. So a second import of the same archive creates nothing, and an item whose bytes are
already in the project adds only what that image lacks."""

import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from apps.annotations.models import Annotation, Kind, Review, Source
from apps.annotations.services import annotations_import
from apps.core.exceptions import ApplicationError
from apps.images.imaging import InvalidImage
from apps.images.models import Image, ImageStatus, Split
from apps.images.services import (
    Stored,
    enqueue_thumbnails,
    image_get_or_create,
    images_get_or_create,
)
from apps.projects.models import Label, Project
from apps.projects.services import label_create
from ml.geometry import rings_of, rle_check

from .formats.base import Archive, Box, Dataset, Item, Shape
from .video import Frame

BOX_TOLERANCE = 0.01  # pixels: boxes this close are the same box
THUMBNAIL_BATCH = 200
CHUNK_ITEMS = 100  # items per transaction (and between two checks for a cancel)
CHUNK_PIXELS = 100_000_000  # fewer when they are large: their bytes are held until stored


@dataclass
class ImportReport:
    images_created: int = 0
    images_existing: int = 0
    annotations_created: int = 0
    annotations_existing: int = 0
    boxes_clipped: int = 0
    skipped: int = 0  # annotations not imported (reasons in `errors`)
    images_failed: int = 0
    frames_skipped: int = 0  # a video's frames sampled out or near-identical to the last kept
    labels_created: list[str] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)

    def counts(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "errors"}


class StoredImages:
    """Counts each stored image into the report as created or matched, and queues thumbnails
    for the new ones in batches (flush() at the end)."""

    def __init__(self, report: ImportReport) -> None:
        self.report, self.new = report, []

    def add(self, image: Image, created: bool) -> None:
        if created:
            self.report.images_created += 1
            self.new.append(image.pk)
        else:
            self.report.images_existing += 1
        if len(self.new) >= THUMBNAIL_BATCH:
            self.flush()

    def flush(self) -> None:
        if self.new:
            enqueue_thumbnails(self.new)
            self.new = []


class ProjectImporter:
    def __init__(self, project: Project, user: AbstractBaseUser | None, archive: Archive,
                 dataset: Dataset, report: ImportReport) -> None:  # fmt: skip
        self.project, self.user, self.archive = project, user, archive
        self.dataset, self.report = dataset, report
        self.labels: dict[str, Label] = {}
        self.stored = StoredImages(report)

    def prepare_labels(self) -> None:
        """Every label the dataset names, matched or created up front (its colour and hotkey
        from the file when it has them and they are free)."""
        existing = {label.name.casefold(): label for label in self.project.labels.all()}
        specs = {spec.name.casefold(): spec for spec in self.dataset.labels}
        for name in self.dataset.label_names():
            key = name.strip().casefold()
            if not key or key in self.labels:
                continue
            label = existing.get(key)
            if label is None:
                spec = specs.get(key)
                label = self._create_label(name.strip(), spec.color if spec else "",
                                           spec.hotkey if spec else "")  # fmt: skip
                self.report.labels_created.append(label.name)
            self.labels[key] = label

    def _create_label(self, name: str, color: str, hotkey: str) -> Label:
        taken = set(self.project.labels.values_list("hotkey", flat=True))
        return label_create(project=self.project, name=name, color=color or None,
                            hotkey=hotkey if hotkey and hotkey not in taken else None)  # fmt: skip

    def add_many(self, items: list[Item]) -> None:
        """Several items in one transaction: one query matches their images by content, one
        insert stores the new ones, one their annotations. When that fails (the same image
        arriving concurrently, a box refused), each item is added alone, so only a bad one
        is left out."""
        ready = [item for item in items if self._readable(item)]
        files = [(item.path or "", self.archive.read(item.path or "")) for item in ready]
        stored: list[Stored] = []
        try:
            with transaction.atomic():
                stored = images_get_or_create(project=self.project, user=self.user, files=files)
                self._fill([(item, s.image, s.created) for item, s in zip(ready, stored, strict=True)
                            if s.image is not None])  # fmt: skip
        except (IntegrityError, ApplicationError):
            for s in stored:  # rolled back: their files go too
                if s.created and s.image is not None:
                    default_storage.delete(s.image.file.name)
            for item, data in zip(ready, files, strict=True):
                self._add_one(item, data[1])
            return
        for item, s in zip(ready, stored, strict=True):
            if s.image is None:
                self._failed(item.path or item.name, s.error.detail if s.error else "")
            else:
                self.stored.add(s.image, s.created)

    def _readable(self, item: Item) -> bool:
        """Notes what the item skipped; False when its image is not in the archive."""
        for reason in item.skipped:
            self._skip(item.name, reason)
        if item.path is None:
            self._failed(item.name, "the image is not in the archive")
            return False
        return True

    def _add_one(self, item: Item, data: bytes) -> None:
        try:
            with transaction.atomic():
                image, created = image_get_or_create(project=self.project, user=self.user,
                                                     name=item.path or "", data=data)  # fmt: skip
                self._fill([(item, image, created)])
        except (InvalidImage, ApplicationError) as exc:  # that image only, rolled back
            self._failed(item.path or item.name, exc.detail)
            return
        self.stored.add(image, created)

    def _failed(self, name: str, detail: str) -> None:
        self.report.images_failed += 1
        self.report.errors.append({"file": name, "detail": detail})

    def _skip(self, name: str, reason: str) -> None:
        self.report.skipped += 1
        if len(self.report.errors) < 1000:
            self.report.errors.append({"file": name, "detail": reason})

    def _fill(self, added: list[tuple[Item, Image, bool]]) -> None:
        """Each image's fields from its item (split, and status and weight for a new one) and
        the annotations it lacks."""
        have: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for row in Annotation.objects.filter(image__in=[image for _, image, _ in added]).values(
            "image_id", "label_id", "kind", "x", "y", "w", "h", "polygon", "mask"
        ):
            have[row.pop("image_id")].append(row)
        changed: dict[tuple[str, ...], dict[int, Image]] = defaultdict(dict)
        batch = []
        for item, image, created in added:
            fields = self._image_fields(image, item, created)
            if fields:
                changed[fields][image.pk] = image
            rows = self._rows(image, item, have[image.pk])
            if rows:
                batch.append((image, rows))
        for fields, images in changed.items():
            Image.objects.bulk_update(images.values(), fields)
        if batch:
            self.report.annotations_created += annotations_import(
                project=self.project, user=self.user, batch=batch
            )

    def _image_fields(self, image: Image, item: Item, created: bool) -> tuple[str, ...]:
        """Sets them on `image`; the names of those that changed."""
        fields = []
        if item.split in Split.values and (created or image.split == Split.UNASSIGNED):
            image.split = item.split
            fields.append("split")
        if created:
            status, weight = item.extra.get("status"), item.extra.get("sample_weight")
            if status in ImageStatus.values:
                image.status = status
                fields.append("status")
            if isinstance(weight, int | float) and 0 < weight <= 100:
                image.sample_weight = float(weight)
                fields.append("sample_weight")
        return tuple(fields)

    def _rows(self, image: Image, item: Item, have: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The item's annotations that `have` (the image's, updated here) lacks."""
        rows: list[dict[str, Any]] = []
        tag_extra = item.extra.get("tag_extra", [])
        for i, name in enumerate(item.tags):
            label = self.labels[name.strip().casefold()]
            if any(a["kind"] == Kind.TAG and a["label_id"] == label.pk for a in have):
                self.report.annotations_existing += 1
                continue
            rows.append(_row(label, None, tag_extra[i] if i < len(tag_extra) else {}, {}))
            have.append({"label_id": label.pk, "kind": Kind.TAG})
        for box in item.boxes:
            label = self.labels[box.label.strip().casefold()]
            geometry = self._pixels(image, item, box)
            if geometry is None:
                continue
            if any(a["kind"] == Kind.BOX and a["label_id"] == label.pk and
                   all(abs(a[k] - geometry[k]) <= BOX_TOLERANCE for k in "xywh") for a in have):  # fmt: skip
                self.report.annotations_existing += 1
                continue
            rows.append(_row(label, geometry, box.extra, box.attributes))
            have.append({"label_id": label.pk, "kind": Kind.BOX, **geometry})
        for shape in item.shapes:
            label = self.labels[shape.label.strip().casefold()]
            found = self._shape(image, item, shape)
            if found is None:
                continue
            kind, value = found
            if any(
                a["kind"] == kind and a["label_id"] == label.pk and a[kind] == value for a in have
            ):
                self.report.annotations_existing += 1
                continue
            rows.append(
                {**_row(label, None, shape.extra, shape.attributes), "kind": kind, kind: value}
            )
            have.append({"label_id": label.pk, "kind": kind, kind: value})
        return rows

    def _shape(self, image: Image, item: Item, shape: Shape) -> tuple[str, Any] | None:
        """(kind, its value in this image's pixels) for a polygon or mask; None (skipped) for
        one that does not fit the image."""
        if shape.mask is not None:
            rle = rle_check(shape.mask)
            if (rle.height, rle.width) != (image.height, image.width):
                self._skip(item.name, f"a {shape.label} mask of {rle.width}x{rle.height} on the "
                                      f"{image.width}x{image.height} image")  # fmt: skip
                return None
            return Kind.MASK, rle.json()
        sx, sy = (image.width, image.height) if shape.normalized else (1.0, 1.0)
        try:
            rings = rings_of([[[min(max(x * sx, 0.0), image.width), min(max(y * sy, 0.0), image.height)]
                               for x, y in ring] for ring in shape.polygon or []])  # fmt: skip
        except ValueError as exc:
            self._skip(item.name, f"a {shape.label} polygon: {exc}")
            return None
        return Kind.POLYGON, [[list(p) for p in ring] for ring in rings]

    def _pixels(self, image: Image, item: Item, box: Box) -> dict[str, float] | None:
        """The box in this image's pixels, clipped to it; None (skipped) when nothing is left."""
        sx, sy = (image.width, image.height) if box.normalized else (1.0, 1.0)
        x1, y1, x2, y2 = box.x * sx, box.y * sy, (box.x + box.w) * sx, (box.y + box.h) * sy
        if not all(math.isfinite(v) for v in (x1, y1, x2, y2)):
            self._skip(item.name, f"a {box.label} box with coordinates that are not numbers")
            return None
        cx1, cy1 = min(max(x1, 0.0), image.width), min(max(y1, 0.0), image.height)
        cx2, cy2 = min(max(x2, 0.0), image.width), min(max(y2, 0.0), image.height)
        if cx2 - cx1 < 0.5 or cy2 - cy1 < 0.5:
            self._skip(item.name, f"a {box.label} box of no area inside the "
                                  f"{image.width}x{image.height} image")  # fmt: skip
            return None
        if (cx1, cy1, cx2, cy2) != (x1, y1, x2, y2):
            self.report.boxes_clipped += 1
        return {"x": cx1, "y": cy1, "w": cx2 - cx1, "h": cy2 - cy1}


def _row(label: Label, box: dict[str, float] | None, extra: dict[str, Any],
         attributes: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    """An annotation for annotations_import; source, score and review only as the file says
    them (a Labelforge export), else a person's."""
    source = Source.MODEL if extra.get("source") == Source.MODEL else Source.HUMAN
    return {"kind": Kind.BOX if box else Kind.TAG, "label_id": label.pk, "box": box,
            "source": source, "attributes": attributes,
            "score": extra.get("score") if isinstance(extra.get("score"), int | float) else None,
            "review": extra.get("review") if extra.get("review") in Review.values else None}  # fmt: skip


def import_dataset(*, project: Project, user: AbstractBaseUser | None, archive: Archive,
                   dataset: Dataset, report: ImportReport,
                   progress: Callable[[int, int], bool]) -> bool:  # fmt: skip
    """Add every item; `progress(done, total)` is called after each one and returns False to
    stop (a cancel). True when every item was taken."""
    importer = ProjectImporter(project, user, archive, dataset, report)
    importer.prepare_labels()
    total, done = len(dataset.items), 0
    try:
        for chunk in _chunks(dataset.items):
            importer.add_many(chunk)
            done += len(chunk)
            if not progress(done, total):
                return False
        return True
    finally:
        importer.stored.flush()


def _chunks(items: list[Item]) -> Iterable[list[Item]]:
    """CHUNK_ITEMS at a time, fewer where the file says their images are large."""
    chunk: list[Item] = []
    pixels = 0
    for item in items:
        chunk.append(item)
        pixels += (item.width or 0) * (item.height or 0)
        if len(chunk) >= CHUNK_ITEMS or pixels >= CHUNK_PIXELS:
            yield chunk
            chunk, pixels = [], 0
    if chunk:
        yield chunk


def import_frames(*, project: Project, user: AbstractBaseUser | None, video_name: str,
                  frames: Iterable[Frame], report: ImportReport,
                  progress: Callable[[int, int], bool]) -> bool:  # fmt: skip
    """Store each kept frame as an image named after the video and its time, with
    `source_video` and `frame_time` set; a frame whose bytes the project has (a second import
    of the same video) is matched. False when a cancel stopped it."""
    stem = video_name.rsplit("/", 1)[-1].rsplit(".", 1)[0] or "video"
    stored = StoredImages(report)
    try:
        for frame in frames:
            if frame.jpeg is None:
                report.frames_skipped += 1
            else:
                with transaction.atomic():
                    image, created = image_get_or_create(
                        project=project, user=user, name=f"{stem}_{frame.time:010.3f}s.jpg",
                        data=frame.jpeg,
                    )  # fmt: skip
                    if created:
                        image.source_video, image.frame_time = video_name[:255], frame.time
                        image.save(update_fields=["source_video", "frame_time"])
                stored.add(image, created)
            if not progress(frame.read, frame.total):
                return False
        return True
    finally:
        stored.flush()
