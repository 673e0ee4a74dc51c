"""Every page of the app, with realistic data, renders without a console error, a failed
request or an error response, and loads nothing from outside the app (it must work offline).

The data: a project with three labels, photo crops tagged by class, boxes on some images, a
member; two finished training runs (each registers a model version, prepared by the live
worker), one promoted to production, an auto-annotation run, a service token and a webhook.
Each page is saved as test-artifacts/page-<name>.png to look at."""

import io
import json
import time
import urllib.request
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage
from playwright.sync_api import Page, Request, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from rest_framework.authtoken.models import Token

from apps.annotations.services import annotation_create, upload_with_tags
from apps.images.models import Image
from apps.models.serving.services import service_token_create
from apps.projects.models import Project, Role
from apps.projects.services import label_create, member_add, project_create
from apps.webhooks.services import webhook_create
from tests.helpers.browser import PageWatch, in_thread, login, off_loop, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "pw-pw-pw-pw"
FINISHED = {"succeeded", "failed", "cancelled", "interrupted"}
# what a tiny classifier trains on in seconds on a CPU
RUN = {"task": "classify", "architecture": "resnet20"}
PARAMS = {"epochs": 4, "batch_size": 8, "image_size": 32, "lr": 0.05}


@dataclass
class Scene:
    project_id: int
    token: str
    labeller_image: int


def png(array: np.ndarray, size: tuple[int, int]) -> bytes:
    buf = io.BytesIO()
    PILImage.fromarray(array).resize(size).save(buf, "PNG")
    return buf.getvalue()


def crops(photo: np.ndarray, n: int, seed: int) -> list[tuple[bytes, tuple[int, int]]]:
    """n different 3:2 crops of a photo (160x120 PNGs) and where each crop starts."""
    rng = np.random.default_rng(seed)
    h, w = photo.shape[:2]
    ch, cw = int(h * 0.8), int(w * 0.8)
    out = []
    for _ in range(n):
        y, x = int(rng.integers(0, h - ch)), int(rng.integers(0, w - cw))
        out.append((png(photo[y : y + ch, x : x + cw], (160, 120)), (x, y)))
    return out


@in_thread
def build_scene() -> Scene:
    from skimage import data

    users = get_user_model().objects
    owner = users.create_user("paula", password=PASSWORD)
    users.create_user("sam", password=PASSWORD)
    project = project_create(
        name="Kitchen table", description="Cat or coffee? Boxes around the cat.", user=owner
    )
    member_add(project=project, username="sam", role=Role.ANNOTATOR)
    cat = label_create(project=project, name="cat", color="#e8590c", hotkey="1")
    coffee = label_create(project=project, name="coffee", color="#7048e8", hotkey="2")
    person = label_create(project=project, name="person", color="#0ca678", hotkey="3")

    for label, photo, seed in ((cat, data.chelsea(), 1), (coffee, data.coffee(), 2)):
        made = crops(photo, 12, seed)
        files = [SimpleUploadedFile(f"{label.name}-{i:02}.png", b) for i, (b, _) in enumerate(made)]
        result = upload_with_tags(project=project, user=owner, files=files, label=label)
        assert not result.errors and len(result.created) == 12, result
        images = list(Image.objects.filter(pk__in=result.created).order_by("id"))
        for i, image in enumerate(images):
            image.split = "val" if i % 4 == 0 else "train"
            image.status = "done" if i < 6 else "in_progress"
            image.save(update_fields=["split", "status"])
        if label == cat:  # the cat's head, roughly, in the first three crops
            for image, (_, (x, y)) in zip(images[:3], made[:3], strict=True):
                box = {"x": max(0, (150 - x) / 2.25), "y": max(0, (20 - y) / 2), "w": 70, "h": 60}
                annotation_create(image=image, user=owner, kind="box", label_id=cat.pk, box=box)
    # a bigger photo with a box for the labeller, and two images nobody has labelled yet
    photos = [("astronaut.png", data.astronaut(), (512, 512)), ("rocket.png", data.rocket(), (640, 427)),
              ("chelsea-full.png", data.chelsea(), (451, 300))]  # fmt: skip
    files = [SimpleUploadedFile(name, png(a, size)) for name, a, size in photos]
    result = upload_with_tags(project=project, user=owner, files=files)
    assert not result.errors, result
    astronaut = Image.objects.get(pk=result.created[0])
    annotation_create(image=astronaut, user=owner, kind="box", label_id=person.pk,
                      box={"x": 140, "y": 20, "w": 230, "h": 300})  # fmt: skip
    service_token_create(project=project, user=owner, name="shop-backend")
    token, _ = Token.objects.get_or_create(user=owner)
    return Scene(project.pk, token.key, astronaut.pk)


@in_thread
def add_webhook(project_id: int) -> None:
    project = Project.objects.get(pk=project_id)
    webhook_create(project=project, user=project.created_by, url="https://erp.example.com/hooks/labelforge",
                   events=["run.succeeded", "model.promoted"])  # fmt: skip


def api(base: str, token: str, method: str, path: str, body: dict | None = None) -> Any:
    """The REST API as a script uses it (token auth); not through the browser, so these
    requests are not the pages' own."""
    request = urllib.request.Request(
        f"{base}{path}",
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def wait_for(base: str, token: str, path: str, *, until: set[str], timeout: float) -> dict:
    """Poll a job's detail URL until its `status` is one of `until`."""
    deadline = time.monotonic() + timeout
    while True:
        value = api(base, token, "GET", path)
        if value["status"] in until:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {path}: {value}")
        time.sleep(1)


def train_two_versions(base: str, scene: Scene) -> tuple[dict, list[dict]]:
    """Two runs through the API (the live worker trains them); each registers a version."""
    started = []
    for seed, lr in ((0, 0.05), (1, 0.02)):
        body = {**RUN, "params": {**PARAMS, "lr": lr, "seed": seed}}
        path = f"/api/v1/projects/{scene.project_id}/training-runs/"
        started.append(api(base, scene.token, "POST", path, body)["id"])
    runs, versions = [], []
    for run_id in started:
        run = wait_for(base, scene.token, f"/api/v1/training-runs/{run_id}/", until=FINISHED,
                       timeout=600)  # fmt: skip
        assert run["status"] == "succeeded", run
        path = f"/api/v1/model-versions/{run['model_version']['id']}/"
        version = wait_for(base, scene.token, path, until={"ready", "failed"}, timeout=300)
        assert version["status"] == "ready", version
        runs.append(run)
        versions.append(version)
    return runs[0], versions


def prelabel(base: str, scene: Scene, version_id: int) -> None:
    path = f"/api/v1/projects/{scene.project_id}/auto-annotate/"
    run = api(base, scene.token, "POST", path, {"model_version": version_id, "threshold": 0.0})
    done = wait_for(base, scene.token, f"/api/v1/auto-annotation-runs/{run['id']}/",
                    until=FINISHED, timeout=120)  # fmt: skip
    assert done["status"] == "succeeded", done


UNLOADED = """(sel) => [...document.querySelectorAll(sel)]
    .filter((i) => i.getAttribute('src') && !(i.complete && i.naturalWidth > 0))
    .map((i) => `${i.currentSrc || i.src} loading=${i.loading}`)"""


def images_loaded(page: Page, selector: str = "img") -> None:
    """Every <img> with a src has loaded (a broken or never-loading one fails, named; an
    empty placeholder such as Try it's preview is skipped)."""
    try:
        page.wait_for_function(f"(sel) => ({UNLOADED})(sel).length === 0", arg=selector,
                               timeout=30_000)  # fmt: skip
    except PlaywrightTimeout:
        raise AssertionError(f"images not loaded: {page.evaluate(UNLOADED, selector)}") from None


def settle(page: Page) -> None:
    """Rendered data can still have fetches, images and chart frames in flight."""
    page.wait_for_load_state("networkidle")
    images_loaded(page)


def shot(page: Page, watch: PageWatch, name: str) -> None:
    settle(page)
    screenshot(page, f"page-{name}")  # first: a broken page is worth looking at
    watch.check(name)


def test_every_page_renders_clean(page: Page, page_watch: PageWatch, live_stack: str) -> None:
    scene = off_loop(build_scene)
    run, versions = train_two_versions(live_stack, scene)
    v1, v2 = versions
    api(live_stack, scene.token, "POST", f"/api/v1/model-versions/{v1['id']}/promote/",
        {"stage": "production", "reason": "Best validation accuracy so far"})  # fmt: skip
    prelabel(live_stack, scene, v1["id"])
    off_loop(add_webhook, scene.project_id)
    pid = scene.project_id

    outside: list[str] = []

    def same_origin(request: Request) -> None:
        if not request.url.startswith((live_stack, "data:", "blob:")):
            outside.append(request.url)

    page.context.on("request", same_origin)

    # login (every page runs under the site's Content Security Policy: a violation would be
    # a console error, and the watch fails the test on one)
    csp = page.goto("/accounts/login/").headers["content-security-policy"]
    assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp, csp
    expect(page.locator("input[name=username]")).to_be_visible()
    shot(page, page_watch, "login")

    # project list
    login(page, "paula", PASSWORD)
    expect(page.locator("[data-testid=project-card]")).to_have_count(1)
    expect(page.locator("[data-testid=project-card]")).to_contain_text("Kitchen table")
    shot(page, page_watch, "projects")

    # the project page, tab by tab
    assert "content-security-policy" in page.goto(f"/projects/{pid}/").headers
    expect(page.locator("#live")).to_have_attribute("data-state", "live")
    expect(page.locator("#stat-images")).to_have_text("27")
    tiles = page.locator("[data-testid=image-grid] [data-testid=image-tile]")
    expect(tiles.first).to_be_visible()
    expect(tiles.locator("img").first).to_be_visible(timeout=30_000)
    images_loaded(page, "[data-testid=image-tile] img")
    shot(page, page_watch, "project-images")

    def tab(name: str, panel: str | None = None) -> None:
        page.get_by_role("tab", name=name).first.click()
        expect(page.locator(f"[data-panel={panel or name.lower()}]")).to_be_visible()

    tab("Upload")
    expect(page.locator("[data-testid=upload-dropzone]")).to_be_visible()
    shot(page, page_watch, "project-upload")

    tab("Labels")
    table = page.locator("[data-testid=label-table]")
    for name in ("cat", "coffee", "person"):
        expect(table).to_contain_text(name)
    shot(page, page_watch, "project-labels")

    tab("Members")
    expect(page.locator("[data-testid=member-table]")).to_contain_text("sam")
    expect(page.locator("[data-testid=member-table]")).to_contain_text("paula")
    shot(page, page_watch, "project-members")

    tab("Split")
    expect(page.locator("[data-testid=split-start]")).to_be_visible()
    shot(page, page_watch, "project-split")

    tab("Import & export", "datasets")
    expect(page.locator("[data-testid=import-form]")).to_be_visible()
    expect(page.locator("[data-testid=dataset-jobs]")).to_contain_text("No imports or exports yet")
    shot(page, page_watch, "project-datasets")

    tab("Training")
    runs = page.locator("[data-testid=run-row]")
    expect(runs).to_have_count(2)
    expect(page.locator("[data-testid=new-run-form]")).to_be_visible()
    shot(page, page_watch, "project-training")

    tab("Models")
    rows = page.locator("[data-testid=version-row]")
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("data-status", "ready")
    expect(page.locator("[data-testid=serving-card]")).to_contain_text("v1")
    expect(page.locator("[data-testid=autoannotate-row]").first).to_have_attribute(
        "data-status", "succeeded"
    )
    expect(page.locator("[data-testid=token-row]")).to_contain_text("shop-backend")
    expect(page.locator("[data-testid=audit-row]").first).to_contain_text("Best validation")
    shot(page, page_watch, "project-models")

    tab("Integrations")
    expect(page.locator("[data-testid=webhook-row]")).to_have_count(1)
    expect(page.locator("[data-testid=webhook-row]")).to_contain_text("erp.example.com")
    shot(page, page_watch, "project-integrations")

    # the labeller, on the photo with a box
    page.goto(f"/projects/{pid}/label/{scene.labeller_image}/")
    page.wait_for_function("() => window.__labeller && window.__labeller.ready")
    expect(page.locator("[data-testid=box-item]")).to_have_count(1)
    expect(page.locator(".lab-statusbar .live")).to_have_attribute("data-state", "live")
    shot(page, page_watch, "labeller")

    # a finished run
    page.goto(f"/projects/{pid}/runs/{run['id']}/")
    expect(page.locator("[data-testid=run-status]")).to_have_attribute("data-status", "succeeded")
    chart = page.locator("[data-testid=chart-train-loss]")
    expect(chart).not_to_have_attribute("data-points", "0")
    expect(page.locator("[data-testid=run-model-version]")).to_contain_text("v1")
    expect(page.locator("[data-testid=run-log]")).to_contain_text("Registered model version")
    shot(page, page_watch, "run")

    # a model version (trained: its held-out report, confusion matrix)
    page.goto(f"/projects/{pid}/models/{v1['id']}/")
    expect(page.locator("[data-testid=stage-badge]").first).to_have_attribute(
        "data-stage", "production"
    )
    expect(page.locator("[data-testid=class-row]")).to_have_count(2)
    expect(page.locator("[data-testid=cm-cell]")).to_have_count(4)
    expect(page.locator("[data-testid=review-stats]")).to_be_visible()
    shot(page, page_watch, "model")

    # compare the two versions
    page.goto(f"/projects/{pid}/models/compare/?a={v1['id']}&b={v2['id']}")
    expect(page.locator("[data-testid=compare-headline]")).to_be_visible()
    expect(page.locator("[data-testid=compare-class-row]")).to_have_count(2)
    expect(page.locator(".compare-cms [data-testid=cm-cell]")).to_have_count(8)
    shot(page, page_watch, "compare")

    # the API docs: Swagger UI from static files, the schema from /api/schema/
    assert "'unsafe-inline'" in page.goto("/api/docs/").headers["content-security-policy"]
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Labelforge API")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=30_000)
    shot(page, page_watch, "api-docs")

    assert not outside, f"requests outside the app (the pages must work offline): {outside}"
