import uuid

from django.db.models import QuerySet

from apps.core.exceptions import NotFound
from apps.images.models import Image
from apps.projects.models import Role
from apps.projects.selectors import AnyUser, require_role

from .models import Annotation, AnnotationEvent


def annotation_get_for_user(*, annotation_id: int, user: AnyUser, min_role: Role) -> Annotation:
    annotation = Annotation.objects.select_related("image").filter(pk=annotation_id).first()
    if annotation is None:
        raise NotFound("Annotation not found.")
    require_role(project_id=annotation.image.project_id, user=user, min_role=min_role)
    return annotation


def annotation_get_by_client_id(*, image: Image, client_id: uuid.UUID) -> Annotation | None:
    return image.annotations.filter(client_id=client_id).first()


def annotation_list(*, image: Image) -> QuerySet[Annotation]:
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
