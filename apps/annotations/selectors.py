import uuid

from django.db.models import QuerySet

from apps.core.exceptions import NotFound
from apps.images.models import Image
from apps.projects.models import Role
from apps.projects.selectors import AnyUser, require_role

from .models import Annotation, AnnotationEvent, Attempt


def attempt_open(*, image: Image, user: AnyUser) -> Attempt | None:
    """The user's open blind attempt at the image: while there is one, they see and edit
    only their private copies of its labels."""
    if not user.is_authenticated:
        return None
    return Attempt.objects.filter(image=image, user_id=user.pk, closed_at__isnull=True).first()


def annotation_worker(*, image: Image, user: AnyUser) -> AnyUser | None:
    """Whose private copies a write of this user to this image goes to (None: the shared
    labels)."""
    return user if attempt_open(image=image, user=user) is not None else None


def annotation_get_for_user(*, annotation_id: int, user: AnyUser, min_role: Role) -> Annotation:
    """An annotation the user may see: a shared one of their project's (unless they label
    that image blind), or a private copy of their own."""
    annotation = Annotation.everyone.select_related("image").filter(pk=annotation_id).first()
    if annotation is None:
        raise NotFound("Annotation not found.")
    require_role(project_id=annotation.image.project_id, user=user, min_role=min_role)
    worker = annotation_worker(image=annotation.image, user=user)
    if annotation.worker_id != (worker.pk if worker is not None else None):
        raise NotFound("Annotation not found.")
    return annotation


def annotation_get_by_client_id(
    *, image: Image, client_id: uuid.UUID, worker: AnyUser | None = None
) -> Annotation | None:
    return annotation_list(image=image, worker=worker).filter(client_id=client_id).first()


def annotation_list(*, image: Image, worker: AnyUser | None = None) -> QuerySet[Annotation]:
    """The image's shared labels, or (`worker`) that person's private copies."""
    if worker is not None:
        return Annotation.everyone.filter(image=image, worker_id=worker.pk).order_by("id")
    return image.annotations.order_by("id")


def annotation_event_list(*, image: Image) -> QuerySet[AnnotationEvent]:
    return image.annotation_events.select_related("actor").order_by("-id")


def annotation_event_get_for_user(
    *, event_id: int, user: AnyUser, min_role: Role
) -> AnnotationEvent:
    event = AnnotationEvent.objects.filter(pk=event_id).first()
    if event is None:
        raise NotFound("History event not found.")
    require_role(project_id=event.project_id, user=user, min_role=min_role)
    return event
