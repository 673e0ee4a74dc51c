"""Human review: an image goes annotation -> review (an annotator marks it done) -> done (a
reviewer accepts it). A reviewer may instead reject it with issues pinned to points (or
boxes) of the image; it goes back to annotation, to the annotator who sent it, who sees the
issues on the canvas and resolves them. Decisions and resolutions go into the image's
history (ImageEvent), over the websocket (`image.updated`, `issues.changed`), to webhooks
(`image.accepted`, `image.rejected`) and, for a rejection, to the annotator's inbox.
"""

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from apps.core.broadcast import broadcast_on_commit, project_group
from apps.core.exceptions import ApplicationError, Conflict
from apps.projects.notifications import notify
from apps.webhooks.services import webhook_emit

from .models import Batch, Image, ImageAction, ImageEvent, ImageStatus, Issue, Stage
from .selectors import image_issues
from .serializers import IssueSerializer
from .services import image_broadcast_updated

MAX_ISSUES = 100


def image_annotator(image: Image) -> int | None:
    """Whose work the image is: who last sent it to review, else its batch's assignee."""
    sends = ImageEvent.objects.filter(
        image=image, action=ImageAction.STATUS, status_after=ImageStatus.DONE,
        actor__isnull=False,
    )  # fmt: skip
    sent = sends.values_list("actor_id", flat=True).first()
    if sent is not None:
        return sent
    batches = Batch.objects.filter(pk=image.batch_id)
    return batches.values_list("assignee_id", flat=True).first() if image.batch_id else None


def _issues_changed(image: Image) -> None:
    rows = IssueSerializer(image_issues(image=image), many=True).data
    broadcast_on_commit(project_group(image.project_id), "issues.changed",
                        {"image": image.pk, "issues": rows})  # fmt: skip


def _checked_issues(image: Image, issues: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if len(issues) > MAX_ISSUES:
        raise ApplicationError(f"issues: at most {MAX_ISSUES}.", code="too_many_issues")
    for n, issue in enumerate(issues):
        if not (0 <= issue["x"] <= image.width and 0 <= issue["y"] <= image.height):
            raise ApplicationError(
                f"issues[{n}]: ({issue['x']}, {issue['y']}) is outside the "
                f"{image.width}x{image.height} image.", code="issue_outside_image",
            )  # fmt: skip
    return issues


def image_decide(*, image: Image, user: AbstractBaseUser, decision: str,
                 issues: list[dict[str, Any]]) -> Image:  # fmt: skip
    """Accept or reject an image waiting for review (409 not_in_review otherwise)."""
    issues = _checked_issues(image, issues)
    if decision == "reject" and not issues:
        raise ApplicationError(
            "A rejection needs at least one issue: say what to fix, and where.",
            code="issues_required",
        )
    with transaction.atomic():
        image = Image.objects.select_for_update().get(pk=image.pk)
        if image.stage != Stage.REVIEW:
            raise Conflict(f"The image is not waiting for review (its stage is {image.stage}).",
                           code="not_in_review")  # fmt: skip
        annotator = image_annotator(image)
        before = image.status
        image.status = ImageStatus.REVIEWED if decision == "accept" else ImageStatus.IN_PROGRESS
        image.save(update_fields=["status", "updated_at"])
        event = ImageEvent.objects.create(
            project_id=image.project_id, image=image, status_before=before,
            status_after=image.status, actor=user, annotator_id=annotator,
            action=ImageAction.ACCEPTED if decision == "accept" else ImageAction.REJECTED,
        )  # fmt: skip
        Issue.objects.bulk_create(
            Issue(project_id=image.project_id, image=image, created_by=user, **issue)
            for issue in issues
        )
        image_broadcast_updated(image=image)
        if issues:
            _issues_changed(image)
        data = {"image": image.pk, "filename": image.filename, "reviewer": user.get_username(),
                "issues": [issue["comment"] for issue in issues]}  # fmt: skip
        webhook_emit(project_id=image.project_id, event=f"image.{event.action}", data=data)
        if decision == "reject" and annotator is not None and annotator != user.pk:
            notify(
                user_id=annotator, project_id=image.project_id, kind="image.rejected",
                key=str(event.pk), url=f"/projects/{image.project_id}/label/{image.pk}/",
                text=f"{user.get_username()} sent {image.filename} back: "
                + "; ".join(issue["comment"] for issue in issues),
            )  # fmt: skip
    return image


def issue_set_resolved(*, issue: Issue, user: AbstractBaseUser, resolved: bool) -> Issue:
    """Mark an issue fixed (or open again); recorded in the image's history."""
    with transaction.atomic():
        issue = Issue.objects.select_for_update().select_related("image").get(pk=issue.pk)
        if (issue.resolved_at is not None) == resolved:
            return issue  # already so: nothing to record
        issue.resolved_at = timezone.now() if resolved else None
        issue.resolved_by = user if resolved else None
        issue.save(update_fields=["resolved_at", "resolved_by"])
        ImageEvent.objects.create(
            project_id=issue.project_id, image=issue.image, issue=issue, actor=user,
            action=ImageAction.RESOLVED if resolved else ImageAction.REOPENED,
            status_before=issue.image.status, status_after=issue.image.status,
        )  # fmt: skip
        _issues_changed(issue.image)
    return issue
