"""Gold checks and consensus in the browser: a lead sends two images to two annotators for
consensus from the Assign panel; one labels hers blind in the labeller (the image's old tag
and the other's labels are hidden from her) and marks it done; a reviewer compares both on
the Team tab and merges them into the image's labels; the lead reads the gold-check scores
of an annotator whose batch held a gold image."""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.annotations.models import Annotation, Attempt
from apps.annotations.services import annotation_create, upload_with_tags
from apps.images.batches import batch_create
from apps.images.models import Batch, Image
from apps.projects.models import Membership, Role
from apps.projects.services import label_create, project_create
from tests.factories.images import distinct_images
from tests.helpers.browser import in_thread, login, off_loop, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "pw-pw-pw-pw"


@in_thread
def team():
    users = {n: get_user_model().objects.create_user(n, password=PASSWORD)
             for n in ("lead", "ann", "bob", "rev")}  # fmt: skip
    project = project_create(name="Depot", user=users["lead"])
    for name in ("ann", "bob"):
        Membership.objects.create(project=project, user=users[name], role=Role.ANNOTATOR)
    Membership.objects.create(project=project, user=users["rev"], role=Role.REVIEWER)
    car, bus = label_create(project=project, name="car"), label_create(project=project, name="bus")
    files = [SimpleUploadedFile(f"depot{i}.png", data)
             for i, data in enumerate(distinct_images(4, size=(120, 80)))]  # fmt: skip
    upload_with_tags(project=project, user=users["lead"], files=files)
    gold, c1, c2, work = Image.objects.filter(project=project).order_by("id")
    lead = users["lead"]
    annotation_create(image=gold, user=lead, kind="tag", label_id=car.pk)
    annotation_create(image=gold, user=lead, kind="box", label_id=car.pk,
                      box={"x": 10, "y": 10, "w": 40, "h": 30})  # fmt: skip
    Image.objects.filter(pk=gold.pk).update(sample_weight=4.0, status="reviewed")
    for image in (c1, c2):  # an earlier guess, which the consensus replaces
        annotation_create(image=image, user=lead, kind="tag", label_id=bus.pk)
    batch_create(project=project, user=lead, image_ids=[work.pk], assignee="ann", gold=1)
    return project, users, {"gold": gold.pk, "c1": c1.pk, "c2": c2.pk}, (car, bus)


def to_screen(page: Page, x: float, y: float) -> tuple[float, float]:
    point = page.evaluate("([x, y]) => window.__labeller.imageToScreen(x, y)", [x, y])
    return point["x"], point["y"]


@in_thread
def label_blind(username, image_id, rows):
    """What an annotator labels through the API, done in-process: private copies, submitted."""
    user = get_user_model().objects.get(username=username)
    image = Image.objects.get(pk=image_id)
    for kind, label_id, box in rows:
        annotation_create(image=image, user=user, kind=kind, label_id=label_id, box=box,
                          worker=user)  # fmt: skip
    Attempt.objects.filter(image=image, user=user).update(submitted_at=timezone.now())


@in_thread
def shapes_blind(image_id, label_id):
    """A polygon from ann and a mask of nearly the same pentagon (2 px off) from bob."""
    from ml.geometry import polygon_rle

    image = Image.objects.get(pk=image_id)
    pentagon = [[70, 12], [108, 12], [112, 40], [90, 66], [68, 40]]
    shifted = [[x + 2, y + 2] for x, y in pentagon]
    for name, kind, shape in (("ann", "polygon", pentagon),
                              ("bob", "mask", polygon_rle([shifted], 80, 120).json())):  # fmt: skip
        user = get_user_model().objects.get(username=name)
        annotation_create(image=image, user=user, kind=kind, label_id=label_id, worker=user,
                          **{kind: shape})  # fmt: skip


def test_consensus_merge_and_gold_scores(new_page) -> None:
    project, _, ids, (car, bus) = off_loop(team)

    lead = new_page()
    login(lead, "lead", PASSWORD)
    lead.goto(f"/projects/{project.pk}/#images")
    lead.locator("select[name=label]").select_option(str(bus.pk))  # the two with a guess
    expect(lead.get_by_test_id("image-count")).to_contain_text("2")
    lead.get_by_test_id("assign-open").click()
    panel = lead.get_by_test_id("assign-panel")
    for who in ("ann", "bob"):
        panel.locator(f"input[value={who}]").check()
    panel.get_by_test_id("assign-consensus").click()
    expect(panel.locator(".msg")).to_contain_text("Sent to ann, bob for consensus in 2 batches")
    screenshot(lead, "assign-panel-consensus")
    consensus = off_loop(in_thread(lambda: Batch.objects.get(name__startswith="Consensus",
                                                             assignee__username="ann").pk))  # fmt: skip

    ann = new_page()
    login(ann, "ann", PASSWORD)
    expect(ann.get_by_test_id("my-batch")).to_have_count(
        2
    )  # her batch (a gold check in it), the consensus
    ann.goto(f"/projects/{project.pk}/label/{ids['c1']}/?batch={consensus}")
    expect(ann.locator("#app")).to_have_attribute("data-state", "ready")
    hidden = ann.request.get(f"/api/v1/images/{ids['c1']}/annotations/").json()["results"]
    assert hidden == []  # blind: the old "bus" guess is not hers to see
    ann.keyboard.press("b")
    ann.mouse.move(*to_screen(ann, 20, 20))
    ann.mouse.down()
    ann.mouse.move(*to_screen(ann, 60, 50), steps=6)
    ann.mouse.up()
    ann.keyboard.press("Escape")  # nothing selected: 1 tags the image
    ann.keyboard.press("1")  # tag "car"
    expect(ann.get_by_test_id("save-status")).to_have_attribute("data-state", "saved")
    screenshot(ann, "labeller-consensus-blind")
    ann.keyboard.press("m")  # done: her attempt is submitted; on to the batch's next image
    expect(ann.locator("#app")).to_have_attribute("data-image-id", str(ids["c2"]))
    off_loop(label_blind, "bob", ids["c1"], [("tag", car.pk, None),
                                   ("box", car.pk, {"x": 22, "y": 20, "w": 40, "h": 30})])  # fmt: skip
    off_loop(shapes_blind, ids["c1"], bus.pk)
    off_loop(label_blind, "ann", ids["gold"], [("tag", car.pk, None),
                                     ("box", car.pk, {"x": 12, "y": 10, "w": 40, "h": 30})])  # fmt: skip

    rev = new_page()
    login(rev, "rev", PASSWORD)
    rev.goto(f"/projects/{project.pk}/#team")
    row = rev.locator(f"[data-testid=consensus-row][data-image='{ids['c1']}']")
    expect(row).to_contain_text("2 / 2")
    expect(rev.locator(f"[data-testid=consensus-row][data-image='{ids['c2']}']")).to_contain_text(
        "0 / 2"
    )
    row.get_by_test_id("consensus-open").click()
    view = rev.get_by_test_id("consensus-view")
    expect(view.get_by_test_id("consensus-box")).to_have_count(2)  # ann's and bob's
    expect(view.get_by_test_id("consensus-merged")).to_have_count(1)  # fused into one
    expect(view.get_by_test_id("consensus-tags")).to_contain_text("car")
    expect(view.get_by_test_id("consensus-shape")).to_have_count(2)  # ann's polygon, bob's mask
    expect(view.locator("[data-testid=consensus-shape][data-kind=polygon]")).to_have_count(1)
    expect(view.get_by_test_id("consensus-merged-shape")).to_have_attribute("data-kind", "mask")
    expect(view.get_by_test_id("consensus-shapes")).to_contain_text("1 shape kept (bus: mask, 2")
    expect(view).to_contain_text("Replaces the image's 1 label")
    rev.wait_for_function("() => document.querySelector('.consensus-figure img')?.naturalWidth > 0")
    screenshot(rev, "team-consensus-compare")
    rev.once("dialog", lambda dialog: dialog.accept())
    view.get_by_test_id("consensus-merge").click()
    card = rev.get_by_test_id("consensus-card")
    expect(card.locator(".msg")).to_contain_text(
        "merged 1 tag, 1 box and 1 shape from ann, bob, replacing 1 label"
    )
    expect(card.get_by_test_id("consensus-row")).to_have_count(1)  # c2 is still out

    def merged():
        rows = Annotation.objects.filter(image_id=ids["c1"]).order_by("kind")
        return Image.objects.get(pk=ids["c1"]).status, [(a.kind, a.label.name, a.x) for a in rows]

    status, rows = off_loop(in_thread(merged))
    assert status == "reviewed" and rows[2] == ("tag", "car", None)
    assert rows[1][:2] == ("mask", "bus")  # a polygon and a mask: their voted pixels, a mask
    assert rows[0][:2] == ("box", "car") and rows[0][2] == pytest.approx(21, abs=0.6)

    lead.goto(f"/projects/{project.pk}/#team")
    gold = lead.locator("[data-testid=gold-row][data-user=ann]")
    expect(gold).to_contain_text("ann")
    expect(gold.locator("td").nth(2)).to_have_text("100%")  # tag right, box matched (IoU 0.9)
    lead.get_by_test_id("gold-card").scroll_into_view_if_needed()
    screenshot(lead, "team-gold-and-consensus")
