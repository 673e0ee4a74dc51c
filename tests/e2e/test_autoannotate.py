"""Pre-labelling and integrations in the browser. A manager starts an auto-annotation run from the Models tab,
the runs card follows it live to 100% (the live stack's worker takes the `infer` queue), the
finish toast links to the review queue (predictions, most uncertain first, with uncertainty
bars), and the labeller's review mode accepts one prediction and rejects another with the
keyboard; the reviews are stored and the version page counts them. On the Integrations tab a
webhook is created (its secret shown once), sends a signed test ping to a real receiver, shows
the delivery in its log, is paused and deleted."""

import hashlib
import hmac
import http.server
import json
import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Page, expect

from apps.annotations.models import Annotation
from apps.annotations.services import upload_with_tags
from apps.images.models import Image
from apps.models.models import AutoAnnotationRun
from apps.projects.services import label_create, project_create
from apps.webhooks.models import Webhook
from tests.factories.images import image_bytes
from tests.factories.models import make_version
from tests.helpers.browser import in_thread, login, off_loop, screenshot
from tests.helpers.processes import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "pw-pw-pw-pw"


@in_thread
def birds():
    owner = get_user_model().objects.create_user("olga", password=PASSWORD)
    project = project_create(name="Birds", user=owner)
    for name in ("sparrow", "robin"):
        label_create(project=project, name=name)
    files = [
        SimpleUploadedFile(
            f"bird{i}.png", image_bytes(96, 72, color=(30 + 50 * i, 200 - 40 * i, 90 + 30 * i))
        )
        for i in range(4)
    ]
    upload_with_tags(project=project, user=owner, files=files)
    version = make_version(project, owner)  # resnet20, sparrow/robin, seeded random weights
    return project, version


@in_thread
def predictions(project_id: int) -> list[Annotation]:
    return list(
        Annotation.objects.filter(image__project_id=project_id, model_version__isnull=False)
        .select_related("label")
        .order_by("id")
    )


@in_thread
def run_row(project_id: int) -> AutoAnnotationRun:
    return AutoAnnotationRun.objects.get(project_id=project_id)


@in_thread
def uncertainties(project_id: int) -> list[float | None]:
    return list(Image.objects.filter(project_id=project_id).values_list("uncertainty", flat=True))


def test_prelabel_from_models_tab_then_review_with_the_keyboard(page: Page) -> None:
    project, version = off_loop(birds)
    login(page, "olga", PASSWORD)
    page.goto(f"/projects/{project.pk}/#models")

    # 1. the dialog, opened from the version's row: mode, version, images, threshold
    row = page.locator(f"[data-testid=version-row][data-version-id='{version.pk}']")
    expect(row).to_have_attribute("data-status", "ready")
    row.locator("[data-testid=prelabel-row]").click()
    dialog = page.locator("[data-testid=prelabel-dialog]")
    expect(dialog).to_be_visible()
    expect(dialog.locator("[data-testid=prelabel-mode-classify]")).to_be_checked()
    expect(dialog.locator("[data-testid=prelabel-version]")).to_have_value(str(version.pk))
    expect(dialog.locator("[data-testid=prelabel-scope-unlabelled]")).to_be_checked()
    expect(dialog.locator("[data-testid=prelabel-scope-filter]")).to_be_disabled()
    expect(dialog).to_contain_text("(4)")  # "All images (4)"
    dialog.locator("[data-testid=prelabel-scope-all]").check()
    dialog.locator("[data-testid=prelabel-threshold]").fill("0")  # keep every top-1 tag
    expect(dialog).to_contain_text("≥ 0%")
    screenshot(page, "autoannotate-1-dialog")
    dialog.locator("[data-testid=prelabel-start]").click()
    expect(dialog).to_be_hidden()

    # 2. the runs card follows the run over the websocket to the end
    run = page.locator("[data-testid=autoannotate-row]").first
    expect(run).to_have_attribute("data-status", "succeeded", timeout=120_000)
    expect(run.locator("[data-testid=autoannotate-pct]")).to_have_text("100%")
    expect(run.locator("[data-testid=autoannotate-counts]")).to_contain_text("4 / 4 images")
    expect(run.locator("[data-testid=autoannotate-counts]")).to_contain_text("4 predictions")
    toast = page.locator("[data-testid=toast-action]")
    expect(toast).to_contain_text("finished: 4 predictions on 4 images")
    screenshot(page, "autoannotate-2-run-finished")
    stored = off_loop(run_row, project.pk)
    assert stored.status == "succeeded" and stored.processed == stored.total == 4
    assert stored.counts["predictions"] == 4 and stored.counts["unmapped"] == 0
    made = off_loop(predictions, project.pk)
    assert len(made) == 4
    assert {a.review for a in made} == {"pending"} and {a.source for a in made} == {"model"}
    assert all(a.model_version_id == version.pk and a.kind == "tag" for a in made)

    # 3. the toast's link: images whose predictions await review, most uncertain first
    toast.get_by_role("link").click()
    expect(page.locator("[data-testid=image-order]")).to_have_value("uncertain")
    expect(page.locator("[data-filter=review]")).to_have_value("pending")
    tiles = page.locator("[data-testid=image-tile]")
    expect(tiles).to_have_count(4)
    expect(tiles.locator("[data-testid=uncertainty]")).to_have_count(4)
    shown = [float(u) for u in tiles.locator("[data-testid=uncertainty]").evaluate_all(
        "els => els.map(e => e.dataset.uncertainty)"
    )]  # fmt: skip
    assert shown == sorted(shown, reverse=True)
    assert sorted(round(u, 3) for u in off_loop(uncertainties, project.pk)) == sorted(shown)
    screenshot(page, "autoannotate-3-uncertain-first")

    # 4. the labeller on the most uncertain image: review mode with the keyboard
    tiles.first.dblclick()
    page.wait_for_function("() => window.__labeller && window.__labeller.ready")
    expect(page.locator("[data-testid=review-badge]")).to_have_text("1")
    page.keyboard.press("Shift+R")
    expect(page.locator("[data-testid=review-toggle]")).to_have_attribute("aria-pressed", "true")
    item = page.locator("[data-testid=review-item]")
    expect(item).to_have_count(1)
    expect(item.first).to_have_class("review-item current")
    first_id = int(item.first.get_attribute("data-annotation-id"))
    expect(page.locator("[data-testid=tag-chip][data-review=pending]")).to_have_count(1)
    screenshot(page, "autoannotate-4-review-mode")
    page.keyboard.press("a")  # accept
    expect(page.locator("[data-testid=pending-count]")).to_have_text("0")
    expect(page.locator("[data-testid=tag-chip][data-review=accepted]")).to_have_count(1)
    screenshot(page, "autoannotate-5-accepted")

    # N: the next image that still has a pending prediction (most uncertain first)
    first_image = page.evaluate("() => window.__labeller.imageId")
    page.keyboard.press("n")
    page.wait_for_function(
        "(id) => window.__labeller.imageId !== id && window.__labeller.ready", arg=first_image
    )
    expect(item).to_have_count(1)
    second_id = int(item.first.get_attribute("data-annotation-id"))
    assert second_id != first_id
    page.keyboard.press("r")  # reject: it disappears
    expect(page.locator("[data-testid=pending-count]")).to_have_text("0")
    expect(page.locator("[data-testid=tag-chip].on")).to_have_count(0)
    screenshot(page, "autoannotate-6-rejected")

    # the reviews are stored (and counted on the version page)
    def reviewed() -> dict[int, str]:
        return {a.pk: a.review for a in off_loop(predictions, project.pk)}

    expect(page.locator("[data-testid=save-status]")).to_have_attribute("data-state", "saved")
    page.wait_for_timeout(300)
    states = reviewed()
    assert states[first_id] == "accepted" and states[second_id] == "rejected"
    assert sorted(states.values()) == ["accepted", "pending", "pending", "rejected"]

    page.goto(f"/projects/{project.pk}/models/{version.pk}/")
    stats = page.locator("[data-testid=review-stats]")
    expect(stats.locator("[data-testid=review-accepted]")).to_have_text("1")
    expect(stats.locator("[data-testid=review-rejected]")).to_have_text("1")
    expect(stats.locator("[data-testid=review-pending]")).to_have_text("2")
    expect(stats.locator("[data-testid=revert-predictions]")).to_have_text("Revert 2 pending")
    screenshot(page, "autoannotate-7-version-review-stats")
    page.once("dialog", lambda d: d.accept())
    stats.locator("[data-testid=revert-predictions]").click()
    expect(stats.locator("[data-testid=review-pending]")).to_have_text("0")
    assert sorted(reviewed().values()) == ["accepted", "rejected"]


class Receiver(http.server.BaseHTTPRequestHandler):
    """Records every POST (headers and raw body) and answers 200."""

    hits: list[tuple[dict[str, str], bytes]] = []

    def do_POST(self) -> None:  # http.server names it
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        Receiver.hits.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@in_thread
def manager_project():
    user = get_user_model().objects.create_user("mona", password=PASSWORD)
    return project_create(name="Shop", user=user)


@in_thread
def hooks(project_id: int) -> list[Webhook]:
    return list(Webhook.objects.filter(project_id=project_id))


def test_webhook_create_ping_log_pause_delete(page: Page) -> None:
    project = off_loop(manager_project)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/labelforge"
    Receiver.hits.clear()
    try:
        login(page, "mona", PASSWORD)
        page.goto(f"/projects/{project.pk}/#integrations")
        form = page.locator("[data-testid=webhook-new]")
        form.locator("[data-testid=webhook-url]").fill("not a url")
        form.locator("[data-testid=webhook-create]").click()
        expect(form.get_by_role("alert")).to_contain_text("full URL")
        form.locator("[data-testid=webhook-url]").fill(url)
        form.locator("[data-testid='webhook-event-model.promoted']").check()
        form.locator("[data-testid=webhook-create]").click()
        secret = form.locator("[data-testid=webhook-secret-value]").inner_text()
        assert len(secret) >= 20
        row = page.locator("[data-testid=webhook-row]")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("autoannotate.finished")
        (hook,) = off_loop(hooks, project.pk)
        assert hook.url == url and hook.secret == secret and hook.active
        assert hook.events == ["run.succeeded", "model.promoted", "autoannotate.finished"]

        # "Send test": a signed ping reaches the receiver and shows in the log
        row.locator("[data-testid=webhook-test]").click()
        delivery = row.locator("[data-testid=delivery-row]").first
        expect(delivery).to_have_attribute("data-status", "succeeded", timeout=30_000)
        expect(delivery).to_contain_text("ping")
        expect(delivery).to_contain_text("200")
        headers, body = Receiver.hits[-1]
        assert headers["x-labelforge-event"] == "ping"
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        assert headers["x-labelforge-signature"] == f"sha256={expected}"
        assert json.loads(body)["event"] == "ping"
        screenshot(page, "autoannotate-8-webhook-delivered")

        # pause, then delete
        row.locator("[data-testid=webhook-active]").uncheck()
        expect(row).to_have_class("webhook paused")
        assert not off_loop(hooks, project.pk)[0].active
        page.once("dialog", lambda d: d.accept())
        row.locator("[data-testid=webhook-delete]").click()
        expect(page.locator("[data-testid=webhook-row]")).to_have_count(0)
        assert off_loop(hooks, project.pk) == []
    finally:
        server.shutdown()
