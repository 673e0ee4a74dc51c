"""Team statistics on a hand-worked day: what each person sent to review, drew and tagged,
how their work fared in review, what they reviewed, and their active time; per day, as CSV,
and only within the window asked for."""

import csv
import datetime
import io

import pytest
from django.utils import timezone

from apps.annotations.models import AnnotationEvent
from apps.annotations.services import annotation_create
from apps.images.models import ImageEvent
from apps.team.models import LabellingTime

pytestmark = pytest.mark.django_db


def _work(world, make_images) -> None:
    """annotator: tags two images, boxes one, outlines a polygon on the other, sends both; reviewer: sends the first back,
    accepts the second, then accepts the first once sent again."""
    images = make_images(2)
    ann, rev = world.client("annotator"), world.client("reviewer")
    for image in images:
        annotation_create(image=image, user=world.users["annotator"], kind="tag",
                          label_id=world.labels[0].pk)  # fmt: skip
    annotation_create(image=images[0], user=world.users["annotator"], kind="box",
                      label_id=world.labels[1].pk, box={"x": 1, "y": 1, "w": 5, "h": 5})  # fmt: skip
    annotation_create(image=images[1], user=world.users["annotator"], kind="polygon",
                      label_id=world.labels[1].pk, polygon=[[1, 1], [6, 1], [6, 6]])  # fmt: skip
    for image in images:
        ann.patch(f"/api/v1/images/{image.pk}/", {"status": "done"}, format="json")
    decide = f"/api/v1/images/{images[0].pk}/decision/"
    issue = {"x": 2, "y": 2, "comment": "robin, not sparrow"}
    assert (
        rev.post(decide, {"decision": "reject", "issues": [issue]}, format="json").status_code
        == 200
    )
    assert rev.post(f"/api/v1/images/{images[1].pk}/decision/", {"decision": "accept"},
                    format="json").status_code == 200  # fmt: skip
    ann.patch(f"/api/v1/images/{images[0].pk}/", {"status": "done"}, format="json")
    assert rev.post(decide, {"decision": "accept"}, format="json").status_code == 200
    for seconds in (30, 30, 45):
        assert ann.post(f"/api/v1/projects/{world.project.pk}/activity/", {"seconds": seconds},
                        format="json").status_code == 200  # fmt: skip


def test_per_member_figures_on_a_hand_worked_day(world, make_images) -> None:
    _work(world, make_images)
    response = world.client("manager").get(f"/api/v1/projects/{world.project.pk}/team-stats/")
    assert response.status_code == 200, response.json()
    rows = {r["username"]: r for r in response.json()}
    assert set(rows) == {"annotator", "reviewer", "manager", "owner"}  # every member, idle too
    ann = rows["annotator"]
    assert (ann["images_done"], ann["boxes"], ann["tags"], ann["shapes"]) == (2, 1, 2, 1)
    assert (ann["accepted"], ann["rejected"], ann["rejection_rate"]) == (2, 1, 0.3333)
    assert ann["active_seconds"] == 105 and ann["gold_agreement"] is None and ann["member"]
    assert rows["reviewer"]["reviewed"] == 3 and rows["reviewer"]["images_done"] == 0
    assert rows["manager"]["images_done"] == 0 and rows["manager"]["rejection_rate"] is None
    assert response.json()[0]["username"] == "annotator"  # busiest first

    today = timezone.localdate().isoformat()
    daily = world.client("owner").get(f"/api/v1/projects/{world.project.pk}/team-stats/daily/")
    by = {(r["day"], r["username"]): r for r in daily.json()}
    assert by[(today, "annotator")]["images_done"] == 2 and by[(today, "reviewer")]["reviewed"] == 3
    assert by[(today, "annotator")]["active_seconds"] == 105

    exported = world.client("manager").get(f"/api/v1/projects/{world.project.pk}/team-stats/csv/")
    assert exported["Content-Type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(exported.content.decode())))
    annotator = next(r for r in table if r["username"] == "annotator")
    assert annotator["day"] == today and annotator["boxes"] == "1" and annotator["rejected"] == "1"


def test_the_window_leaves_older_work_out(world, make_images) -> None:
    _work(world, make_images)
    long_ago = timezone.now() - datetime.timedelta(days=10)
    ImageEvent.objects.update(created_at=long_ago)
    AnnotationEvent.objects.update(created_at=long_ago)
    LabellingTime.objects.update(day=long_ago.date())
    url = f"/api/v1/projects/{world.project.pk}/team-stats/"
    recent = {r["username"]: r for r in world.client("manager").get(f"{url}?days=7").json()}
    assert recent["annotator"]["images_done"] == 0 and recent["annotator"]["active_seconds"] == 0
    older = {r["username"]: r for r in world.client("manager").get(f"{url}?days=30").json()}
    assert older["annotator"]["images_done"] == 2 and older["annotator"]["active_seconds"] == 105
    assert world.client("manager").get(f"{url}?days=0").status_code == 400


def test_active_time_reports_are_capped(world) -> None:
    url = f"/api/v1/projects/{world.project.pk}/activity/"
    ann = world.client("annotator")
    too_long = ann.post(url, {"seconds": 3600}, format="json")
    assert too_long.status_code == 400 and LabellingTime.objects.count() == 0
    assert ann.post(url, {"seconds": 120}, format="json").json() == {"today": 120}
    LabellingTime.objects.update(seconds=24 * 3600 - 10)
    assert ann.post(url, {"seconds": 60}, format="json").json() == {"today": 24 * 3600}
    assert world.client("outsider").post(url, {"seconds": 5}, format="json").status_code == 404
