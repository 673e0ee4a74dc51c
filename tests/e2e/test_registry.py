"""The model registry in the browser: the Models tab lists versions live, an owner promotes one
to production with a reason (stage badge + audit row), the version page shows the per-class
report and confusion matrix, Try it classifies a dropped image, and two versions compare."""

import io
import json
import re
import time
import urllib.error
import urllib.request

import pytest
from django.contrib.auth import get_user_model
from PIL import Image as PILImage
from playwright.sync_api import Page, expect

from apps.models.models import ModelVersion
from apps.models.registry.services import model_version_promote
from apps.projects.services import project_create
from tests.factories.models import make_version, weights_bytes
from tests.helpers.browser import in_thread, login, off_loop, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CLASSES = ["sparrow", "robin"]


def report(accuracy: float, confusion: list[list[int]]) -> dict:
    """A hand-written held-out report in the shape ml/report.py writes."""
    rows = []
    for c, name in enumerate(CLASSES):
        tp, predicted, support = confusion[c][c], sum(r[c] for r in confusion), sum(confusion[c])
        p = tp / predicted if predicted else None
        r = tp / support if support else None
        f1 = 2 * p * r / (p + r) if p is not None and r is not None and p + r else None
        rows.append({"label": name, "precision": p, "recall": r, "f1": f1, "support": support})
    count = sum(map(sum, confusion))
    return {"split": "test", "count": count, "accuracy": accuracy, "macro_f1": 0.5,
            "per_class": rows, "confusion": confusion}  # fmt: skip


def photo_png() -> bytes:
    from skimage.data import chelsea

    buf = io.BytesIO()
    PILImage.fromarray(chelsea()).resize((300, 200)).save(buf, "PNG")
    return buf.getvalue()


@in_thread
def two_versions():
    owner = get_user_model().objects.create_user("olga", password="pw-pw-pw-pw")
    project = project_create(name="Birds", user=owner)
    # prepare=False: the live stack's worker runs the prepare job, and the page sees it finish
    first = make_version(project, owner, seed=0, prepare=False)
    second = make_version(project, owner, seed=1, prepare=False)
    return project, first, second


@in_thread
def fake_reports(first: ModelVersion, second: ModelVersion) -> None:
    ModelVersion.objects.filter(pk=first.pk).update(metrics=report(0.75, [[6, 0], [3, 3]]))
    ModelVersion.objects.filter(pk=second.pk).update(metrics=report(0.5, [[0, 6], [0, 6]]))


def test_registry_promote_inspect_try_and_compare(page: Page) -> None:
    project, first, second = off_loop(two_versions)
    login(page, "olga", "pw-pw-pw-pw")
    page.goto(f"/projects/{project.pk}/#models")

    rows = page.locator("[data-testid=version-row]")
    expect(rows).to_have_count(2)
    row = page.locator(f"[data-testid=version-row][data-version-id='{first.pk}']")
    expect(row.locator("[data-testid=version-link]")).to_have_text("v1")
    # pending -> ready arrives over the websocket (no reload)
    for v in (first, second):
        expect(page.locator(f"[data-version-id='{v.pk}']")).to_have_attribute(
            "data-status", "ready", timeout=180_000
        )
    expect(row.locator("[data-testid=stage-badge]")).to_have_attribute("data-stage", "none")
    screenshot(page, "registry-models-tab")

    # an owner promotes v1 to production: the reason is required, the API answer is inline
    row.locator("[data-testid=stage-actions]").click()
    page.locator("[data-testid=stage-menu]").get_by_role(
        "menuitem", name="Promote to production"
    ).click()
    dialog = page.locator("[data-testid=stage-dialog]")
    expect(dialog).to_be_visible()
    dialog.locator("[data-testid=stage-confirm]").click()
    expect(dialog.get_by_role("alert")).to_contain_text("reason")
    dialog.locator("[data-testid=stage-reason]").fill("Best held-out accuracy, checked by hand")
    screenshot(page, "registry-promote-dialog")
    dialog.locator("[data-testid=stage-confirm]").click()
    expect(dialog).to_be_hidden()
    expect(row.locator("[data-testid=stage-badge]")).to_have_attribute("data-stage", "production")
    expect(page.locator("[data-testid=serving-card]")).to_contain_text("v1")
    audit = page.locator("[data-testid=audit-row]").first
    expect(audit).to_contain_text("Best held-out accuracy, checked by hand")
    expect(audit).to_contain_text("olga")
    expect(audit.locator("[data-testid=audit-to]")).to_have_attribute("data-stage", "production")
    first.refresh_from_db()
    assert first.stage == "production"
    screenshot(page, "registry-promoted")

    # the version page: per-class report and confusion matrix (a hand-written report)
    off_loop(fake_reports, first, second)
    page.goto(f"/projects/{project.pk}/models/{first.pk}/")
    expect(page.locator("[data-testid=stage-badge]").first).to_have_attribute(
        "data-stage", "production"
    )
    per_class = page.locator("[data-testid=class-row]")
    expect(per_class).to_have_count(2)
    expect(per_class.first).to_contain_text("sparrow")
    cells = page.locator("[data-testid=cm-cell]")
    expect(cells).to_have_count(4)
    expect(cells.nth(2)).to_have_attribute(
        "title", re.compile(r"^true robin predicted as sparrow: 3")
    )
    expect(page.locator("[data-testid=version-metrics]")).to_contain_text("75.0%")
    expect(page.locator("[data-testid=stage-history] [data-testid=audit-row]")).to_have_count(1)

    # Try it: an image on the drop zone's file input -> two confidence bars summing to ~100%
    page.locator("[data-testid=try-input]").set_input_files(
        {"name": "cat.png", "mimeType": "image/png", "buffer": photo_png()}
    )
    bars = page.locator("[data-testid=prediction]")
    expect(bars).to_have_count(2, timeout=60_000)
    labels = {bars.nth(i).get_attribute("data-label") for i in range(2)}
    assert labels == set(CLASSES)
    shown = [float(t.rstrip("%")) for t in page.locator(".pred-pct").all_inner_texts()]
    assert abs(sum(shown) - 100) < 0.5, shown
    expect(page.locator("[data-testid=try-meta]")).to_contain_text(re.compile(r"(onnx|torch).* ms"))
    screenshot(page, "registry-version-page")

    # "Fine-tune" opens the New run form with this version as the starting point
    page.locator("[data-testid=fine-tune]").click()
    page.wait_for_url(f"**/projects/{project.pk}/?init_from={first.pk}#training")
    form = page.locator("[data-testid=new-run-form]")
    expect(form.locator("select[name=architecture]")).to_have_value("resnet20")
    expect(form.locator("[data-testid=init-from]")).to_have_value(str(first.pk))

    # compare: tick both versions on the Models tab
    page.goto(f"/projects/{project.pk}/#models")
    expect(rows).to_have_count(2)
    for v in (first, second):
        page.locator(f"[data-version-id='{v.pk}'] [data-testid=pick-version]").check()
    page.locator("[data-testid=compare-button]").click()
    page.wait_for_url(f"**/projects/{project.pk}/models/compare/?a={first.pk}&b={second.pk}")
    accuracy = page.locator("[data-testid=compare-headline] tr[data-metric=accuracy]")
    expect(accuracy.locator("[data-testid=delta]")).to_have_text(
        "\u221225.0 pts"
    )  # a real minus sign
    expect(accuracy.locator("[data-testid=delta]")).to_have_attribute("data-tone", "worse")
    expect(page.locator("[data-testid=compare-class-row]")).to_have_count(2)
    expect(page.locator(".compare-cms [data-testid=cm-cell]")).to_have_count(8)
    screenshot(page, "registry-compare")


def post_image(url: str, key: str, image: bytes) -> tuple[int, dict]:
    """The service-token curl example, in Python: multipart `image`, Authorization: Token."""
    boundary = "labelforge-e2e"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="cat.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + image
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Authorization": f"Token {key}", "Content-Type": f"multipart/form-data; boundary={boundary}",
    })  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@in_thread
def owner_project():
    owner = get_user_model().objects.create_user("ivan", password="pw-pw-pw-pw")
    return project_create(name="Feeder cam", user=owner)


@in_thread
def promote(version_id: int) -> None:
    version = ModelVersion.objects.get(pk=version_id)
    model_version_promote(version=version, user=version.created_by, stage="production",
                          reason="first model")  # fmt: skip


def test_import_a_checkpoint_then_serve_it_with_a_service_token(page: Page, live_stack) -> None:
    project = off_loop(owner_project)
    login(page, "ivan", "pw-pw-pw-pw")
    page.goto(f"/projects/{project.pk}/#models")
    expect(page.locator(".models-empty")).to_be_visible()

    form = page.locator("[data-testid=import-form]")
    form.locator("[data-testid=import-arch]").select_option("resnet20")
    form.locator("[data-testid=import-weights]").set_input_files(
        {"name": "birds.pt", "mimeType": "application/octet-stream",
         "buffer": weights_bytes("resnet20", 2, image_size=32)}
    )  # fmt: skip
    form.locator("[data-testid=import-classes]").fill("sparrow\nrobin")
    form.locator("input[name=image_size]").fill("32")
    form.get_by_role("button", name="Import").click()
    expect(form.get_by_role("alert")).to_contain_text("Imported as v1")
    row = page.locator("[data-testid=version-row]")
    expect(row).to_have_count(1)
    expect(row).to_have_attribute("data-status", "ready", timeout=180_000)
    expect(row.locator("[data-testid=version-status]")).to_contain_text("ONNX")
    version = ModelVersion.objects.get(project=project)
    assert version.classes == CLASSES and version.image_size == 32

    tokens = page.locator("[data-testid=service-tokens]")
    tokens.locator("[data-testid=token-name]").fill("shop-backend")
    tokens.get_by_role("button", name="Create token").click()
    key = tokens.locator("[data-testid=token-key]").inner_text()
    assert key.startswith("lfs_")
    curl = tokens.locator("[data-testid=token-curl]").inner_text()
    predict_url = f"{live_stack}/api/v1/projects/{project.pk}/predict/"
    assert f"Token {key}" in curl and predict_url in curl
    expect(tokens.locator("[data-testid=token-row]")).to_contain_text("never used")
    screenshot(page, "registry-import-and-token")

    # what the curl example does: no production model yet (409), then the promoted one answers
    status, body = post_image(predict_url, key, photo_png())
    assert status == 409 and body["code"] == "no_production_model", body
    off_loop(promote, version.pk)
    expect(row.locator("[data-testid=stage-badge]")).to_have_attribute("data-stage", "production")
    status, body = post_image(predict_url, key, photo_png())
    assert status == 200, body
    assert {p["label"] for p in body["predictions"]} == set(CLASSES)

    page.once("dialog", lambda d: d.accept())
    tokens.get_by_role("button", name="Revoke").click()
    expect(tokens.locator("[data-testid=token-row]")).to_contain_text("revoked")
    assert post_image(predict_url, key, photo_png())[0] == 401


SEGMENT_REPORT = {
    "split": "val", "count": 20, "map": 0.449, "map50": 0.743, "box_map": 0.395,
    "box_map50": 0.70, "per_class": [
        {"label": "sparrow", "ap": 0.52, "ap50": 0.81, "support": 14},
        {"label": "robin", "ap": 0.38, "ap50": 0.68, "support": 12},
    ],
}  # fmt: skip


@in_thread
def segment_version():
    owner = get_user_model().objects.create_user("sela", password="pw-pw-pw-pw")
    project = project_create(name="Shapes", user=owner)
    # the live stack's worker prepares it; the report is written once that is over, or the
    # prepare job's save would put the import's empty metrics back
    version = make_version(project, owner, architecture="maskrcnn_resnet18_fpn", image_size=80,
                           prepare=False)  # fmt: skip
    for _ in range(1200):
        version.refresh_from_db()
        if version.status != "pending":
            break
        time.sleep(0.1)
    ModelVersion.objects.filter(pk=version.pk).update(metrics=SEGMENT_REPORT)
    return project, version


def test_segment_version_page_shows_mask_map(page: Page) -> None:
    """A Mask R-CNN version (its held-out report hand-written as ml/holdout.py writes one):
    mask mAP cards, mask AP per class, the ONNX button off with torch's reason; the Pre-label
    dialog offers it as "Segment (polygons)"."""
    project, version = off_loop(segment_version)
    assert version.status == "ready" and version.task == "segment", version.error
    login(page, "sela", "pw-pw-pw-pw")
    page.goto(f"/projects/{project.pk}/models/{version.pk}/")
    cards = page.locator("[data-testid=version-metrics]")
    expect(cards).to_contain_text("Mask mAP@.5")
    expect(cards).to_contain_text("74.3%")
    expect(cards).to_contain_text("Box mAP@.5:.95")
    expect(page.locator("[data-testid=per-class]")).to_contain_text("Mask average precision")
    expect(page.locator("[data-testid=class-row]")).to_have_count(2)
    expect(page.locator(".pill.task-segment").first).to_have_text("Segment")
    screenshot(page, "registry-segment-version")
    page.locator("[data-testid=try-input]").set_input_files(  # its (untrained) outlines, if any
        {"name": "cat.png", "mimeType": "image/png", "buffer": photo_png()}
    )
    expect(page.get_by_test_id("box-count")).to_be_visible(timeout=60_000)
    expect(page.locator("[data-testid=try-meta]")).to_contain_text("torch")
    screenshot(page, "registry-segment-try-it")
    page.goto(f"/projects/{project.pk}/#models")  # Pre-label offers it for polygons
    expect(page.locator("[data-testid=version-row]")).to_have_attribute("data-status", "ready")
    page.get_by_test_id("prelabel-open").click()
    dialog = page.locator("[data-testid=prelabel-dialog]")
    expect(dialog.get_by_test_id("prelabel-mode-segment")).to_be_checked()
    expect(dialog.get_by_test_id("prelabel-mode-detect")).to_be_disabled()
    expect(dialog.get_by_test_id("prelabel-version")).to_have_value(str(version.pk))
    screenshot(page, "prelabel-dialog-segment")
