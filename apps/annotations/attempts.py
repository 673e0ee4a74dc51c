"""Blind attempts (Attempt): one annotator labels one image on their own, on private copies
of its labels, for a gold check or a consensus. Marking the image done submits the attempt;
moving it back reopens it. Only the attempt's owner hears of either."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from apps.core.broadcast import broadcast_on_commit, project_group
from apps.core.exceptions import Forbidden
from apps.images.batches import batch_changed
from apps.images.models import Image, ImageStatus
from apps.images.selectors import image_mask_blind
from apps.images.serializers import image_event_payload

from .models import Attempt

SUBMITTING = {ImageStatus.DONE: True, ImageStatus.IN_PROGRESS: False, ImageStatus.NEW: False}


@transaction.atomic
def attempt_set_status(*, attempt: Attempt, user: AbstractBaseUser, status: str) -> Image:
    """The owner marks their attempt done (submitted) or not; the image itself is untouched.
    Returns the image as the owner sees it."""
    attempt = (
        Attempt.objects.select_for_update(of=("self",)).select_related("image").get(pk=attempt.pk)
    )
    submit = SUBMITTING.get(ImageStatus(status))
    if submit is None:
        raise Forbidden("Accepting an image you labelled blind is a reviewer's.")
    if submit != (attempt.submitted_at is not None):
        attempt.submitted_at = timezone.now() if submit else None
        attempt.save(update_fields=["submitted_at"])
        if attempt.batch is not None:
            batch_changed(attempt.batch, assigned=False)
    (image,) = image_mask_blind(images=[attempt.image], user=user)
    broadcast_on_commit(project_group(image.project_id), "image.updated",
                        image_event_payload(image), user_id=user.pk)  # fmt: skip
    return image
