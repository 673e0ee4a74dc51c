"""Writes for projects, labels and memberships."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from apps.core.broadcast import project_group, revoke_on_commit
from apps.core.exceptions import ApplicationError, Conflict
from apps.images.models import Image

from .models import Label, Membership, Project, Role

User = get_user_model()

LABEL_PALETTE = [
    "#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4",
    "#42d4f4", "#f032e6", "#bfef45", "#fabed4", "#469990",
]  # fmt: skip


@transaction.atomic
def project_create(*, name: str, description: str = "", user: AbstractBaseUser) -> Project:
    project = Project.objects.create(name=name, description=description, created_by=user)
    Membership.objects.create(project=project, user=user, role=Role.OWNER)
    return project


def project_update(*, project: Project, data: dict[str, Any]) -> Project:
    for field in ("name", "description"):
        if field in data:
            setattr(project, field, data[field])
    project.save()
    return project


@transaction.atomic
def project_delete(*, project: Project) -> None:
    """Delete the project with its images, annotations and stored files (files after commit)."""
    images = Image.objects.filter(project=project)
    paths = [p for pair in images.values_list("file", "thumbnail") for p in pair if p]
    project.delete()  # cascades: images and their annotations, labels, runs, versions
    transaction.on_commit(lambda: _delete_files(paths))


def _delete_files(paths: list[str]) -> None:
    for path in paths:
        default_storage.delete(path)


def _next_free_hotkey(project: Project) -> str:
    used = set(project.labels.values_list("hotkey", flat=True))
    return next((str(k) for k in range(1, 10) if str(k) not in used), "")


def label_create(
    *, project: Project, name: str, color: str | None = None, hotkey: str | None = None
) -> Label:
    name = name.strip()
    if not name:
        raise ApplicationError("Label name must not be empty.", code="invalid_label")
    count = project.labels.count()
    try:
        with transaction.atomic():
            return Label.objects.create(
                project=project,
                name=name,
                color=color or LABEL_PALETTE[count % len(LABEL_PALETTE)],
                hotkey=_next_free_hotkey(project) if hotkey is None else hotkey,
            )
    except IntegrityError as exc:
        raise Conflict(
            "A label with this name or hotkey already exists in the project.", code="duplicate"
        ) from exc


def label_get_or_create(*, project: Project, name: str) -> Label:
    label = project.labels.filter(name=name.strip()).first()
    return label or label_create(project=project, name=name)


def label_update(*, label: Label, data: dict[str, Any]) -> Label:
    for field in ("name", "color", "hotkey"):
        if field in data:
            setattr(label, field, data[field])
    try:
        with transaction.atomic():
            label.save()
    except IntegrityError as exc:
        raise Conflict(
            "A label with this name or hotkey already exists in the project.", code="duplicate"
        ) from exc
    return label


def label_delete(*, label: Label) -> None:
    used = label.annotations.count()
    if used:
        raise Conflict(
            f"Label '{label.name}' is used by {used} annotation(s); delete or relabel them first.",
            code="label_in_use",
        )
    label.delete()


def member_add(*, project: Project, username: str, role: Role) -> Membership:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise ApplicationError(f"No user named '{username}'.", code="unknown_user")
    try:
        with transaction.atomic():
            return Membership.objects.create(project=project, user=user, role=role)
    except IntegrityError as exc:
        raise Conflict(f"'{username}' is already a member.", code="duplicate") from exc


def _lock_memberships(project_id: int) -> None:
    """Serialise role changes in one project so two demotions cannot remove every owner."""
    list(Membership.objects.select_for_update().filter(project_id=project_id).values("id"))


def _ensure_another_owner(membership: Membership) -> None:
    others = Membership.objects.filter(project_id=membership.project_id, role=Role.OWNER).exclude(
        pk=membership.pk
    )
    if membership.role == Role.OWNER and not others.exists():
        raise Conflict("A project must keep at least one owner.", code="last_owner")


@transaction.atomic
def member_update(*, membership: Membership, role: Role) -> Membership:
    _lock_memberships(membership.project_id)
    if role != Role.OWNER:
        _ensure_another_owner(membership)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def member_remove(*, membership: Membership) -> None:
    _lock_memberships(membership.project_id)
    _ensure_another_owner(membership)
    membership.delete()
    revoke_on_commit(project_group(membership.project_id), membership.user_id)
