"""Human review: annotation -> review (marked done) -> done (a reviewer accepts), or back to
annotation with issues pinned to the image (a reviewer rejects). Each step is in the image's
history, on the websocket, a webhook event, and a rejection lands in the annotator's inbox;
resolving an issue is recorded. Due-day reminders for batches come once, and only when
work is left."""

import datetime

import django_rq
import pytest
from channels.db import database_sync_to_async
from rq.registry import ScheduledJobRegistry

from apps.images.batches import batch_due_notify
from apps.images.models import Batch, Image, ImageEvent, Issue
from apps.projects.models import Membership, Notification, Role
from apps.webhooks.models import Delivery
from apps.webhooks.services import webhook_create
from tests.helpers.ws import connect, quiet, receive

pytestmark = pytest.mark.django_db

ISSUE = {"x": 5, "y": 6, "comment": "missing robin here"}


def _decide(world, image, decision, issues=(), who="reviewer"):
    return world.client(who).post(f"/api/v1/images/{image.pk}/decision/",
                                  {"decision": decision, "issues": list(issues)}, format="json")  # fmt: skip


def _submit(world, image, who="annotator"):
    response = world.client(who).patch(f"/api/v1/images/{image.pk}/", {"status": "done"},
                                       format="json")  # fmt: skip
    assert response.status_code == 200, response.json()
    return response.json()


def test_stages_annotation_review_done_with_a_rejection_between(world, make_images) -> None:
    webhook_create(project=world.project, user=world.users["owner"],
                   url="https://example.com/hook", events=["image.accepted", "image.rejected"])  # fmt: skip
    image = make_images(1)[0]
    annotator = world.client("annotator")
    assert annotator.get(f"/api/v1/images/{image.pk}/").json()["stage"] == "annotation"
    assert _submit(world, image)["stage"] == "review"
    queue = annotator.get(f"/api/v1/projects/{world.project.pk}/images/?stage=review").json()
    assert [r["id"] for r in queue["results"]] == [image.pk]

    rejected = _decide(world, image, "reject", [ISSUE, {"x": 0, "y": 0, "comment": "box",
                                                        "annotation_id": 77}])  # fmt: skip
    assert rejected.status_code == 200, rejected.json()
    body = rejected.json()
    assert body["image"]["stage"] == "annotation" and body["image"]["status"] == "in_progress"
    assert [i["comment"] for i in body["issues"]] == ["missing robin here", "box"]
    assert body["issues"][0]["created_by"] == "reviewer" and not body["issues"][0]["resolved"]
    assert body["issues"][1]["annotation_id"] == 77
    # back with the annotator: in their inbox, with a link to the image
    inbox = annotator.get("/api/v1/notifications/").json()
    assert inbox["unread"] == 1 and inbox["results"][0]["kind"] == "image.rejected"
    assert "missing robin here" in inbox["results"][0]["text"]
    assert inbox["results"][0]["url"] == f"/projects/{world.project.pk}/label/{image.pk}/"
    assert world.client("manager").get("/api/v1/notifications/").json()["unread"] == 0
    open_issues = f"/api/v1/projects/{world.project.pk}/images/?open_issues=true"
    assert [r["id"] for r in annotator.get(open_issues).json()["results"]] == [image.pk]

    # the annotator resolves both (twice is no second record), sends it again, it is accepted
    for issue in body["issues"]:
        for _ in range(2):
            done = annotator.patch(f"/api/v1/issues/{issue['id']}/", {"resolved": True},
                                   format="json")  # fmt: skip
            assert done.status_code == 200 and done.json()["resolved_by"] == "annotator"
    assert annotator.get(open_issues).json()["results"] == []
    _submit(world, image)
    accepted = _decide(world, image, "accept")
    assert accepted.status_code == 200 and accepted.json()["image"]["stage"] == "done"

    history = annotator.get(f"/api/v1/images/{image.pk}/events/").json()["results"]
    assert [(e["action"], e["actor"]) for e in reversed(history)] == [
        ("status", "annotator"), ("rejected", "reviewer"), ("resolved", "annotator"),
        ("resolved", "annotator"), ("status", "annotator"), ("accepted", "reviewer"),
    ]  # fmt: skip
    assert history[0]["annotator"] == "annotator" and history[0]["status_after"] == "reviewed"
    assert [d.event for d in Delivery.objects.order_by("id")] == ["image.rejected",
                                                                  "image.accepted"]  # fmt: skip
    assert Delivery.objects.order_by("id").first().payload["data"]["issues"] == [
        "missing robin here",
        "box",
    ]


def test_who_may_decide_and_when(world, make_images) -> None:
    image = make_images(1)[0]
    # not waiting for review yet: 409, nothing stored
    early = _decide(world, image, "accept")
    assert early.status_code == 409 and early.json()["code"] == "not_in_review"
    _submit(world, image)
    assert _decide(world, image, "accept", who="annotator").status_code == 403
    assert _decide(world, image, "accept", who="outsider").status_code == 404
    # an annotator cannot accept through the image either, nor reopen an accepted one
    patch = world.client("annotator").patch(f"/api/v1/images/{image.pk}/",
                                            {"status": "reviewed"}, format="json")  # fmt: skip
    assert patch.status_code == 403
    assert _decide(world, image, "accept", who="manager").status_code == 200  # managers review
    reopen = world.client("annotator").patch(f"/api/v1/images/{image.pk}/",
                                             {"status": "in_progress"}, format="json")  # fmt: skip
    assert reopen.status_code == 403
    assert _decide(world, image, "reject", [ISSUE]).status_code == 409  # accepted already
    assert Issue.objects.count() == 0


@pytest.mark.parametrize(
    ("issues", "code"),
    [
        ([], "issues_required"),
        ([{"x": 500, "y": 1, "comment": "off the image"}], "issue_outside_image"),
        ([{"x": 1, "y": 1, "comment": ""}], "invalid"),
        ([{"x": 1, "comment": "no y"}], "required"),
    ],
)
def test_bad_rejections_store_nothing(world, make_images, issues, code) -> None:
    image = make_images(1)[0]
    _submit(world, image)
    response = _decide(world, image, "reject", issues)
    assert response.status_code == 400 and response.json()["code"] in {code, "blank"}, (
        response.json()
    )
    assert Image.objects.get(pk=image.pk).status == "done"
    assert Issue.objects.count() == 0 and not ImageEvent.objects.exclude(action="status").exists()


def test_reviewer_role_sits_between_annotator_and_manager(world, make_images) -> None:
    assert Role.ANNOTATOR < Role.REVIEWER < Role.MANAGER
    reviewer = world.client("reviewer")
    members = reviewer.get(f"/api/v1/projects/{world.project.pk}/members/").json()["results"]
    assert {m["username"]: m["role"] for m in members}["reviewer"] == "reviewer"
    assert reviewer.post(f"/api/v1/projects/{world.project.pk}/labels/", {"name": "x"},
                         format="json").status_code == 403  # fmt: skip
    owner = world.client("owner")
    membership = Membership.objects.get(user=world.users["annotator"], project=world.project)
    promoted = owner.patch(f"/api/v1/projects/{world.project.pk}/members/{membership.pk}/",
                           {"role": "reviewer"}, format="json")  # fmt: skip
    assert promoted.status_code == 200 and promoted.json()["role"] == "reviewer"


def test_inbox_read_and_due_day_reminders(
    world, make_images, django_capture_on_commit_callbacks
) -> None:
    webhook_create(project=world.project, user=world.users["owner"],
                   url="https://example.com/hook", events=["batch.due"])  # fmt: skip
    images = make_images(2)
    due = datetime.date.today() + datetime.timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        made = world.client("manager").post(
            f"/api/v1/projects/{world.project.pk}/batches/",
            {"image_ids": [i.pk for i in images], "assignee": "annotator", "due": due.isoformat()},
            format="json",
        )
    batch = Batch.objects.get(pk=made.json()["id"])
    # the reminder waits in RQ's scheduler for the morning of the due day
    registry = ScheduledJobRegistry(queue=django_rq.get_queue("default"))
    jobs = [registry.get_scheduled_time(j) for j in registry.get_job_ids()]
    assert any(t.date() == due for t in jobs), jobs

    annotator = world.client("annotator")
    inbox = annotator.get("/api/v1/notifications/").json()
    assert [n["kind"] for n in inbox["results"]] == ["batch.assigned"]
    assert batch_due_notify(batch_id=batch.pk, due="2000-01-01") is False  # the date moved
    assert batch_due_notify(batch_id=batch.pk, due=due.isoformat()) is True
    assert batch_due_notify(batch_id=batch.pk, due=due.isoformat()) is False  # once
    assert Delivery.objects.filter(event="batch.due").count() == 1
    inbox = annotator.get("/api/v1/notifications/").json()
    assert inbox["unread"] == 2 and "due today (2 of 2 images left)" in inbox["results"][0]["text"]

    read = annotator.post("/api/v1/notifications/read/", {"ids": [inbox["results"][0]["id"]]},
                          format="json")  # fmt: skip
    assert read.json() == {"read": 1}
    assert annotator.get("/api/v1/notifications/").json()["unread"] == 1
    assert annotator.post("/api/v1/notifications/read/", {}, format="json").json() == {"read": 1}
    assert world.client("anonymous").post("/api/v1/notifications/read/", {},
                                          format="json").status_code == 401  # fmt: skip
    # nobody is reminded of a finished batch
    Image.objects.filter(pk__in=[i.pk for i in images]).update(status="done")
    Notification.objects.all().delete()
    assert batch_due_notify(batch_id=batch.pk, due=due.isoformat()) is False


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_decisions_reach_the_socket_and_notifications_only_their_user(
    world, make_images
) -> None:
    images = await database_sync_to_async(make_images)(1)
    await database_sync_to_async(_submit)(world, images[0])
    annotator, manager = await connect(world, "annotator"), await connect(world, "manager")
    for communicator in (annotator, manager):
        await communicator.connect()
        await receive(communicator)  # hello
    response = await database_sync_to_async(_decide)(world, images[0], "reject", [ISSUE])
    assert response.status_code == 200
    seen = {"annotator": [], "manager": []}
    for who, communicator in (("annotator", annotator), ("manager", manager)):
        expected = 3 if who == "annotator" else 2
        for _ in range(expected):
            seen[who].append(await receive(communicator))
        assert await quiet(communicator)
    kinds = {who: sorted(e["type"] for e in events) for who, events in seen.items()}
    assert kinds["manager"] == ["image.updated", "issues.changed"]
    assert kinds["annotator"] == ["image.updated", "issues.changed", "notification.created"]
    issues = next(e for e in seen["manager"] if e["type"] == "issues.changed")["payload"]
    assert issues["image"] == images[0].pk and issues["issues"][0]["comment"] == ISSUE["comment"]
    for communicator in (annotator, manager):
        await communicator.disconnect()
