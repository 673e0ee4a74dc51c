"""Webhooks against a real HTTP receiver on loopback: HMAC-SHA256 signature, the events the
app emits, retries with backoff on the `default` queue, and the delivery log."""

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from apps.images.services import image_update
from apps.projects.models import Role
from apps.webhooks.models import Delivery
from tests.factories.models import make_version
from tests.helpers.processes import run_worker

pytestmark = pytest.mark.usefixtures("allow_loopback")


class Receiver:
    """Records every POST; answers with the next status in `statuses` (then 200)."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self) -> list[str]:
        return [json.loads(r["body"])["event"] for r in self.requests]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()


def subscribe(world, url, events, who="manager"):
    return world.client(who).post(f"/api/v1/projects/{world.project.pk}/webhooks/",
                                  {"url": url, "events": events}, format="json")  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_signed_delivery_of_image_done_and_model_promoted(world, make_images, receiver) -> None:
    created = subscribe(world, receiver.url, ["image.done", "model.promoted"]).json()
    secret = created["secret"]
    assert len(secret) == 64 and "secret" not in world.client("manager").get(
        f"/api/v1/projects/{world.project.pk}/webhooks/").json()["results"][0]  # fmt: skip
    image = make_images(1)[0]
    assert (
        world.client("annotator")
        .patch(f"/api/v1/images/{image.pk}/", {"status": "done"}, format="json")
        .status_code
        == 200
    )
    image_update(image=image, role=Role.OWNER, data={"split": "val"})  # not an event
    version = make_version(world.project, world.users["owner"])
    world.client("owner").post(f"/api/v1/model-versions/{version.pk}/promote/",
                               {"stage": "production", "reason": "ship it"}, format="json")  # fmt: skip
    run_worker("default", "train")
    assert receiver.events() == ["image.done", "model.promoted"]
    for request in receiver.requests:
        expected = (
            "sha256=" + hmac.new(secret.encode(), request["body"], hashlib.sha256).hexdigest()
        )
        assert request["headers"]["X-Labelforge-Signature"] == expected
        assert request["headers"]["Content-Type"] == "application/json"
    done, promoted = (json.loads(r["body"]) for r in receiver.requests)
    assert (
        done["data"] == {"image": image.pk, "filename": image.filename}
        and done["project"] == world.project.pk
    )
    assert promoted["data"]["version"] == 1 and promoted["data"]["reason"] == "ship it"
    assert promoted["data"]["by"] == "owner" and promoted["data"]["stage"] == "production"
    assert receiver.requests[1]["headers"]["X-Labelforge-Delivery"] == str(promoted["delivery"])
    log = (
        world.client("manager")
        .get(f"/api/v1/webhooks/{created['id']}/deliveries/")
        .json()["results"]
    )
    assert [(d["event"], d["status"], d["attempts"], d["response_status"]) for d in log] == [
        ("model.promoted", "succeeded", 1, 200), ("image.done", "succeeded", 1, 200),
    ]  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_retries_with_backoff_then_success(world, receiver) -> None:
    hook = subscribe(world, receiver.url, ["image.done"]).json()
    receiver.statuses = [500, 503]
    world.client("manager").post(f"/api/v1/webhooks/{hook['id']}/test/")
    run_worker("default")
    delivery = Delivery.objects.get()
    assert (delivery.event, delivery.status, delivery.attempts, delivery.response_status) == (
        "ping",
        "succeeded",
        3,
        200,
    )
    assert delivery.delivered_at is not None and delivery.error == ""
    assert len(receiver.requests) == 3


@pytest.mark.django_db(transaction=True)
def test_gives_up_after_the_last_retry_and_logs_why(world, receiver, settings) -> None:
    hook = subscribe(world, receiver.url, ["image.done"]).json()
    receiver.statuses = [500] * 10
    world.client("manager").post(f"/api/v1/webhooks/{hook['id']}/test/")
    down = subscribe(world, "http://127.0.0.1:9/nothing-listens", ["image.done"]).json()
    world.client("manager").post(f"/api/v1/webhooks/{down['id']}/test/")
    run_worker("default")
    attempts = len(settings.LABELFORGE_WEBHOOK_BACKOFF) + 1
    failed = {d.webhook_id: d for d in Delivery.objects.all()}
    assert (failed[hook["id"]].status, failed[hook["id"]].attempts) == ("failed", attempts)
    assert failed[hook["id"]].error == "HTTP 500 Internal Server Error"
    assert (
        failed[down["id"]].status == "failed" and "Connection refused" in failed[down["id"]].error
    )
    assert failed[down["id"]].response_status is None
    assert len(receiver.requests) == attempts


@pytest.mark.django_db(transaction=True)
def test_inactive_and_unsubscribed_hooks_get_nothing(world, make_images, receiver) -> None:
    hook = subscribe(world, receiver.url, ["model.promoted"]).json()
    off = subscribe(world, receiver.url, ["image.done"]).json()
    world.client("manager").patch(
        f"/api/v1/webhooks/{off['id']}/", {"active": False}, format="json"
    )
    image = make_images(1)[0]
    world.client("annotator").patch(
        f"/api/v1/images/{image.pk}/", {"status": "done"}, format="json"
    )
    run_worker("default")
    assert receiver.requests == [] and not Delivery.objects.exists()
    assert hook["events"] == ["model.promoted"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"url": "ftp://example.com/x", "events": ["image.done"]}, "invalid_url"),
        ({"url": "http://example.com/x", "events": []}, "empty"),
        ({"url": "http://example.com/x", "events": ["image.deleted"]}, "invalid_choice"),
    ],
)
def test_validation(world, body, code) -> None:
    response = world.client("manager").post(
        f"/api/v1/projects/{world.project.pk}/webhooks/", body, format="json"
    )
    assert response.status_code == 400 and response.json()["code"] == code


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 401), ("outsider", 404), ("annotator", 403), ("manager", 201), ("owner", 201)],
)
def test_managers_only(world, who, status) -> None:
    from apps.webhooks.services import webhook_create

    hook = webhook_create(
        project=world.project,
        user=world.users["owner"],
        url="http://example.com/y",
        events=["image.done"],
    )
    assert subscribe(world, "http://example.com/x", ["image.done"], who=who).status_code == status
    client = world.client(who)
    read = 200 if status == 201 else status
    assert client.get(f"/api/v1/projects/{world.project.pk}/webhooks/").status_code == read
    assert client.get(f"/api/v1/webhooks/{hook.pk}/deliveries/").status_code == read
    assert client.post(f"/api/v1/webhooks/{hook.pk}/test/").status_code == (
        202 if status == 201 else status
    )
    assert (
        client.patch(f"/api/v1/webhooks/{hook.pk}/", {"active": False}, format="json").status_code
        == read
    )


@pytest.mark.django_db(transaction=True)
def test_run_succeeded_and_autoannotate_finished(world, tagged_images, receiver) -> None:
    from tests.helpers.training import FAST

    subscribe(world, receiver.url, ["run.succeeded", "run.failed", "autoannotate.finished"])
    body = {"task": "classify", "architecture": "resnet20", "params": FAST}
    run = (
        world.client("manager")
        .post(f"/api/v1/projects/{world.project.pk}/training-runs/", body, format="json")
        .json()
    )
    run_worker("train", "default")
    assert receiver.events() == ["run.succeeded"]
    data = json.loads(receiver.requests[0]["body"])["data"]
    assert (
        data["run"] == run["id"]
        and data["model_version"]
        and "val_accuracy" in data["best_metrics"]
    )
    from apps.annotations.models import Annotation

    Annotation.objects.filter(image=tagged_images[0]).delete()  # one image left to pre-label
    started = world.client("manager").post(f"/api/v1/projects/{world.project.pk}/auto-annotate/",
                                            {"model_version": data["model_version"], "threshold": 0.0},
                                            format="json").json()  # fmt: skip
    run_worker("infer", "default")
    assert receiver.events() == ["run.succeeded", "autoannotate.finished"]
    finished = json.loads(receiver.requests[1]["body"])["data"]
    assert finished["auto_annotation_run"] == started["id"] and finished["status"] == "succeeded"
    assert finished["processed"] == 1 and finished["counts"]["predictions"] == 1
