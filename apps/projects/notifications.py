"""The in-app inbox: services notify a member (once per event key); the notification goes
to that member's open sockets in the project (`notification.created`, nobody else's)."""

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from apps.core.broadcast import broadcast_on_commit, project_group

from .models import Notification

INBOX_SIZE = 50


def notification_payload(n: Notification) -> dict[str, Any]:
    return {"id": n.pk, "project": n.project_id, "kind": n.kind, "text": n.text, "url": n.url,
            "created_at": n.created_at.isoformat(), "read": n.read_at is not None}  # fmt: skip


def notify(*, user_id: int, project_id: int, kind: str, key: str, text: str, url: str = "") -> bool:
    """Notify once: False when this (user, kind, key) was already notified."""
    with transaction.atomic():
        n, created = Notification.objects.get_or_create(
            user_id=user_id, kind=kind, key=key,
            defaults={"project_id": project_id, "text": text[:300], "url": url},
        )  # fmt: skip
        if created:
            broadcast_on_commit(project_group(project_id), "notification.created",
                                notification_payload(n), user_id=user_id)  # fmt: skip
    return created


def inbox(*, user_id: int) -> QuerySet[Notification]:
    return Notification.objects.filter(user_id=user_id)


def unread_count(*, user_id: int) -> int:
    return inbox(user_id=user_id).filter(read_at__isnull=True).count()


def mark_read(*, user_id: int, ids: list[int] | None) -> int:
    qs = inbox(user_id=user_id).filter(read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
