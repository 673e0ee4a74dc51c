"""Writes for images: uploads (files and zip archives), edits, random splits, thumbnails."""

import random
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction

from apps.core.broadcast import broadcast_on_commit, project_group
from apps.core.exceptions import ApplicationError, Forbidden
from apps.core.jobs import enqueue_on_commit
from apps.core.storage import storage_save
from apps.projects.models import Label, Project, Role
from apps.projects.services import label_get_or_create
from apps.webhooks.services import webhook_emit

from .archives import ArchiveLimits, InvalidArchive, Layout, is_zip, iter_entries, open_zip
from .imaging import DecodedImage, InvalidImage, decode_image, make_thumbnail
from .models import Image, ImageAction, ImageEvent, ImageStatus, Split
from .serializers import image_event_payload

# (image, its labels, the uploader): writes the image's tags, in the image's transaction
TagWriter = Callable[[Image, list[Label], AbstractBaseUser], None]


@dataclass
class UploadResult:
    created: list[int] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)
    labels_created: list[str] = field(default_factory=list)

    def error(self, file: str, detail: str, code: str) -> None:
        self.errors.append({"file": file, "detail": detail, "code": code})


def image_get_or_create(
    *, project: Project, user: AbstractBaseUser | None, name: str, data: bytes
) -> tuple[Image, bool]:
    """The project's image with these bytes' content, stored now if it has none (a dataset
    import's images; the caller queues thumbnails for the new ones, enqueue_thumbnails).
    Raises InvalidImage for bytes that are not a safe image."""
    decoded = decode_image(data, max_pixels=settings.LABELFORGE_MAX_IMAGE_PIXELS)
    existing = project.images.filter(sha256=decoded.sha256).first()
    if existing is not None:
        return existing, False
    image = _unsaved_image(project, user, name, decoded)
    try:
        with transaction.atomic():
            image.save(force_insert=True)
    except IntegrityError:  # the same content arrived concurrently
        default_storage.delete(image.file.name)
        return project.images.get(sha256=decoded.sha256), False
    return image, True


@dataclass
class Stored:
    """What images_get_or_create made of one file: its image, or why it is not one."""

    image: Image | None
    created: bool = False
    error: InvalidImage | None = None


def images_get_or_create(
    *, project: Project, user: AbstractBaseUser | None, files: list[tuple[str, bytes]]
) -> list[Stored]:
    """image_get_or_create for many (name, bytes) at once: one query matches them all by
    content, one insert stores the new ones, and bytes seen earlier in the list match that
    image. Raises IntegrityError (the new files deleted) when the same content arrived
    concurrently: the caller goes one by one instead."""
    decoded: list[DecodedImage | InvalidImage] = []
    for _, data in files:
        try:
            decoded.append(decode_image(data, max_pixels=settings.LABELFORGE_MAX_IMAGE_PIXELS))
        except InvalidImage as exc:
            decoded.append(exc)
    shas = [d.sha256 for d in decoded if not isinstance(d, InvalidImage)]
    known = {image.sha256: image for image in project.images.filter(sha256__in=shas)}
    new: dict[str, Image] = {}
    results = []
    for (name, _), d in zip(files, decoded, strict=True):
        if isinstance(d, InvalidImage):
            results.append(Stored(None, error=d))
        elif d.sha256 in known or d.sha256 in new:
            results.append(Stored(known.get(d.sha256) or new[d.sha256]))
        else:
            new[d.sha256] = _unsaved_image(project, user, name, d)
            results.append(Stored(new[d.sha256], created=True))
    try:
        with transaction.atomic():
            Image.objects.bulk_create(new.values())
    except IntegrityError:
        for image in new.values():
            default_storage.delete(image.file.name)
        raise
    return results


def _unsaved_image(
    project: Project, user: AbstractBaseUser | None, name: str, decoded: DecodedImage
) -> Image:
    """An Image for these bytes, its file already in storage."""
    path = storage_save(
        f"projects/{project.pk}/images/{uuid.uuid4().hex}.{decoded.extension}",
        ContentFile(decoded.content),
    )
    return Image(
        project=project, file=path, filename=name[:255], width=decoded.width,
        height=decoded.height, format=decoded.format, size_bytes=len(decoded.content),
        sha256=decoded.sha256, uploaded_by=user,
    )  # fmt: skip


def enqueue_thumbnails(image_ids: list[int]) -> None:
    enqueue_on_commit("default", "apps.images.jobs.image_thumbnails_make", image_ids=image_ids)


def archive_limits() -> ArchiveLimits:
    return ArchiveLimits(
        max_entries=settings.LABELFORGE_MAX_ZIP_ENTRIES,
        max_uncompressed_bytes=settings.LABELFORGE_MAX_ZIP_UNCOMPRESSED_BYTES,
        max_file_bytes=settings.LABELFORGE_MAX_FILE_BYTES,
    )


class _Importer:
    """Stores one request's files. Each image is all-or-nothing; an archive that turns out
    unsafe halfway is rolled back whole, and the files it had stored are removed."""

    def __init__(self, *, project: Project, user: AbstractBaseUser, tag: Label | None,
                 write_tags: TagWriter | None) -> None:  # fmt: skip
        self.project = project
        self.user = user
        self.tag = tag
        self.write_tags = write_tags
        self.result = UploadResult()
        self.stored: list[str] = []
        self.seen: dict[str, str] = {}

    def add_image(self, name: str, data: bytes, class_name: str | None = None) -> None:
        try:
            decoded = decode_image(data, max_pixels=settings.LABELFORGE_MAX_IMAGE_PIXELS)
        except InvalidImage as exc:
            self.result.error(name, exc.detail, exc.code)
            return
        existing = (
            self.project.images.filter(sha256=decoded.sha256).values_list("id", flat=True).first()
        )
        if existing is not None or decoded.sha256 in self.seen:
            self.result.duplicates.append(
                {"file": name, "existing": existing, "same_as": self.seen.get(decoded.sha256)}
            )
            return
        path = storage_save(
            f"projects/{self.project.pk}/images/{uuid.uuid4().hex}.{decoded.extension}",
            ContentFile(decoded.content),
        )
        self.stored.append(path)
        try:
            with transaction.atomic():
                image = Image.objects.create(
                    project=self.project,
                    file=path,
                    filename=name[:255],
                    width=decoded.width,
                    height=decoded.height,
                    format=decoded.format,
                    size_bytes=len(decoded.content),
                    sha256=decoded.sha256,
                    uploaded_by=self.user,
                )
                labels = [self.tag] if self.tag else []
                if class_name:
                    labels.append(self._class_label(class_name))
                if labels:
                    if self.write_tags is None:
                        raise ValueError("image_upload: tags to write but no write_tags given")
                    unique = list({label.pk: label for label in labels}.values())
                    self.write_tags(image, unique, self.user)
        except IntegrityError:  # the same content arrived concurrently
            default_storage.delete(path)
            self.result.duplicates.append({"file": name, "existing": None, "same_as": None})
            return
        self.seen[decoded.sha256] = name
        self.result.created.append(image.pk)

    def _class_label(self, class_name: str) -> Label:
        before = self.project.labels.filter(name=class_name).exists()
        label = label_get_or_create(project=self.project, name=class_name)
        if not before:
            self.result.labels_created.append(label.name)
        return label

    def add_archive(self, name: str, upload: UploadedFile, layout: Layout) -> None:
        mark = (len(self.result.created), len(self.result.duplicates), len(self.result.errors))
        stored_before = len(self.stored)
        try:
            with transaction.atomic():
                archive = open_zip(upload)
                for entry, data in iter_entries(archive, layout=layout, limits=archive_limits()):
                    self.add_image(f"{name}/{entry.path}", data, entry.class_name)
        except InvalidArchive as exc:
            for path in self.stored[stored_before:]:
                default_storage.delete(path)
            del self.stored[stored_before:]
            del self.result.created[mark[0] :]
            del self.result.duplicates[mark[1] :]
            del self.result.errors[mark[2] :]
            self.seen = {k: v for k, v in self.seen.items() if not v.startswith(f"{name}/")}
            self.result.error(
                name, f"Archive rejected, nothing imported from it: {exc.detail}", exc.code
            )

    def rollback_files(self) -> None:
        for path in self.stored:
            default_storage.delete(path)


def image_upload(
    *,
    project: Project,
    user: AbstractBaseUser,
    files: Iterable[UploadedFile],
    label: Label | None = None,
    layout: Layout = "auto",
    write_tags: TagWriter | None = None,
) -> UploadResult:
    """Store the files (images, zip archives) as images. Each image's tags (`label`, and the
    class its archive folder names) are handed to `write_tags` inside the image's
    transaction: annotations.services.upload_with_tags passes the annotations app's writer."""
    importer = _Importer(project=project, user=user, tag=label, write_tags=write_tags)
    try:
        with transaction.atomic():
            for upload in files:
                name = upload.name or "upload"
                if upload.size is not None and upload.size > settings.LABELFORGE_MAX_FILE_BYTES:
                    importer.result.error(
                        name,
                        f"File is {upload.size:,} bytes; the limit is "
                        f"{settings.LABELFORGE_MAX_FILE_BYTES:,}.",
                        "too_large",
                    )
                    continue
                head = upload.read(8)
                upload.seek(0)
                if is_zip(name, head):
                    importer.add_archive(name, upload, layout)
                else:
                    importer.add_image(name, upload.read())
            if importer.result.created:
                enqueue_thumbnails(list(importer.result.created))
    except BaseException:
        importer.rollback_files()
        raise
    return importer.result


IMAGE_FIELD_ROLES = {"status": Role.ANNOTATOR, "split": Role.MANAGER, "sample_weight": Role.MANAGER}


def image_update(
    *, image: Image, role: Role, data: dict[str, Any], user: AbstractBaseUser | None = None
) -> Image:
    """Change status, split or weight. Accepting (`reviewed`) or moving an accepted image
    back is a reviewer's; each status change goes into the image's history."""
    changed = [name for name in IMAGE_FIELD_ROLES if name in data]
    for name in changed:
        if role < IMAGE_FIELD_ROLES[name]:
            raise Forbidden(f"Changing '{name}' needs the {IMAGE_FIELD_ROLES[name].label} role.")
    before = image.status
    after = data.get("status", before)
    if after != before and ImageStatus.REVIEWED in (before, after) and role < Role.REVIEWER:
        raise Forbidden("Accepting an image, or reopening an accepted one, is a reviewer's.")
    for name in changed:
        setattr(image, name, data[name])
    if changed:
        with transaction.atomic():
            image.save(update_fields=[*changed, "updated_at"])
            image_broadcast_updated(image=image)
            if after != before:
                ImageEvent.objects.create(
                    project_id=image.project_id, image=image, action=ImageAction.STATUS,
                    status_before=before, status_after=after, actor=user,
                )  # fmt: skip
            if "status" in changed and image.status == ImageStatus.DONE:
                webhook_emit(project_id=image.project_id, event="image.done",
                             data={"image": image.pk, "filename": image.filename})  # fmt: skip
    return image


def image_uncertainty_set(*, images: list[Image]) -> None:
    """Store each image's `uncertainty` as set on the objects (pre-labelling's margin)."""
    Image.objects.bulk_update(images, ["uncertainty"])


def image_mark_in_progress(*, image: Image) -> None:
    """First annotation on a new image moves it to in_progress."""
    if image.status == ImageStatus.NEW:
        Image.objects.filter(pk=image.pk, status=ImageStatus.NEW).update(
            status=ImageStatus.IN_PROGRESS
        )
        image.status = ImageStatus.IN_PROGRESS
        image_broadcast_updated(image=image)


def image_broadcast_updated(*, image: Image) -> None:
    broadcast_on_commit(
        project_group(image.project_id), "image.updated", image_event_payload(image)
    )


def image_split_random(
    *, project: Project, ratios: dict[str, float], seed: int, only_unassigned: bool = True
) -> dict[str, int]:
    """Assign splits at random in the given proportions, reproducibly for a seed."""
    names = [Split.TRAIN, Split.VAL, Split.TEST]
    weights = [max(0.0, float(ratios.get(name, 0))) for name in names]
    if sum(weights) <= 0:
        raise ApplicationError("Split ratios must add up to more than 0.", code="invalid_ratios")
    qs = project.images.all()
    if only_unassigned:
        qs = qs.filter(split=Split.UNASSIGNED)
    ids = sorted(qs.values_list("id", flat=True))
    random.Random(seed).shuffle(ids)
    total = sum(weights)
    counts = [round(len(ids) * w / total) for w in weights[:-1]]
    counts.append(len(ids) - sum(counts))
    assigned: dict[str, int] = {}
    start = 0
    with transaction.atomic():
        for name, count in zip(names, counts, strict=True):
            chunk = ids[start : start + count]
            start += count
            for i in range(0, len(chunk), 5000):
                Image.objects.filter(pk__in=chunk[i : i + 5000]).update(split=name)
            assigned[str(name)] = len(chunk)
        broadcast_on_commit(project_group(project.pk), "images.split", assigned)
    return assigned


def image_thumbnail_make(*, image: Image) -> bool:
    if image.thumbnail and default_storage.exists(image.thumbnail.name):
        return False
    with default_storage.open(image.file.name, "rb") as fh:
        data = make_thumbnail(fh.read(), size=settings.LABELFORGE_THUMBNAIL_SIZE)
    path = default_storage.save(
        f"projects/{image.project_id}/thumbs/{uuid.uuid4().hex}.jpg", ContentFile(data)
    )
    with transaction.atomic():
        image.thumbnail.name = path
        image.save(update_fields=["thumbnail", "updated_at"])
        image_broadcast_updated(image=image)
    return True
