"""The demo's team workflow, so the Team tab has something to show on a first run: the admin
sent a few digits to review and a reviewer judged them (one sent back with an issue), the
annotator has a batch with two gold checks in it, one already labelled (one right, one
wrong), and two boxed scenes went to the annotator and the reviewer for consensus, both
labelled and submitted, ready to compare and merge."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Q
from django.utils import timezone

from apps.annotations.models import Attempt, Kind
from apps.annotations.services import annotation_create
from apps.images.batches import batch_create
from apps.images.models import GOLD_SAMPLE_WEIGHT, Image
from apps.images.review import image_decide
from apps.images.services import image_update
from apps.projects.models import Label, Project, Role
from apps.team.services import consensus_send

REVIEWED = 6  # digits the admin sent to review; all but one accepted
GOLD = 2


def _submit(image: Image, user: AbstractBaseUser) -> None:
    Attempt.objects.filter(image=image, user=user).update(submitted_at=timezone.now())


def seed_team(*, project: Project, admin: AbstractBaseUser, annotator: AbstractBaseUser,
              reviewer: AbstractBaseUser, labels: dict[str, Label],
              scene_ids: list[int]) -> None:  # fmt: skip
    digits = list(
        project.images.filter(split="train").exclude(pk__in=scene_ids).order_by("id")[: REVIEWED + GOLD + 8]
    )  # fmt: skip
    for n, image in enumerate(digits[:REVIEWED]):
        image = image_update(image=image, role=Role.OWNER, data={"status": "done"}, user=admin)
        issues = [] if n else [{"x": 16.0, "y": 16.0, "comment": "Is this a 7 or a 1?"}]
        image_decide(image=image, user=reviewer, decision="reject" if issues else "accept",
                     issues=issues)  # fmt: skip
    gold = digits[REVIEWED : REVIEWED + GOLD]
    Image.objects.filter(pk__in=[g.pk for g in gold]).update(sample_weight=GOLD_SAMPLE_WEIGHT)
    work = [i.pk for i in digits[REVIEWED + GOLD :]]
    batch_create(project=project, user=admin, image_ids=work, assignee=annotator.get_username(),
                 name="Digits to check", gold=GOLD)  # fmt: skip
    for n, check in enumerate(Image.objects.filter(attempts__user=annotator).order_by("id")):
        truth = check.annotations.filter(kind=Kind.TAG).values_list("label__name", flat=True)[0]
        guess = truth if n == 0 else next(d for d in labels if d != truth)
        annotation_create(image=check, user=annotator, kind=Kind.TAG, label_id=labels[guess].pk,
                          worker=annotator)  # fmt: skip
        _submit(check, annotator)
    scenes = scene_ids[:2]
    consensus_send(project=project, user=admin, image_ids=scenes,
                   annotators=[annotator.get_username(), reviewer.get_username()])  # fmt: skip
    for image in Image.objects.filter(pk__in=scenes).order_by("id"):
        boxes = list(image.annotations.filter(Q(kind=Kind.BOX)).order_by("id"))
        for person, shift in ((annotator, 1.0), (reviewer, -1.0)):
            for k, box in enumerate(boxes):
                if person is reviewer and k == len(boxes) - 1 and image.pk == scenes[-1]:
                    continue  # the reviewer missed one: left out of the merge (1 vote of 2)
                x, y = max(0.0, box.x + shift), max(0.0, box.y + shift)
                annotation_create(
                    image=image, user=person, kind=Kind.BOX, label_id=box.label_id, worker=person,
                    box={"x": x, "y": y, "w": min(box.w, image.width - x), "h": min(box.h, image.height - y)},
                )  # fmt: skip
            _submit(image, person)
