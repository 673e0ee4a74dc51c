"""Three people, one image: a manager assigns it, the annotator labels it and marks it done,
a reviewer opens the review queue and sends it back with an issue pinned where a car is
missing; the annotator is notified, sees the pin on the canvas, adds the box, marks the
issue fixed and sends the image again; the reviewer accepts it."""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Page, expect

from apps.annotations.models import Annotation
from apps.annotations.services import upload_with_tags
from apps.images.batches import batch_create
from apps.images.models import Image, ImageEvent, Issue
from apps.projects.models import Membership, Role
from apps.projects.services import label_create, project_create
from apps.team.models import LabellingTime
from tests.factories.images import distinct_images
from tests.helpers.browser import in_thread, login, off_loop, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "pw-pw-pw-pw"


@in_thread
def team():
    users = {n: get_user_model().objects.create_user(n, password=PASSWORD)
             for n in ("lead", "ann", "rev")}  # fmt: skip
    project = project_create(name="Street scenes", user=users["lead"])
    Membership.objects.create(project=project, user=users["ann"], role=Role.ANNOTATOR)
    Membership.objects.create(project=project, user=users["rev"], role=Role.REVIEWER)
    label_create(project=project, name="car")
    files = [SimpleUploadedFile(f"street{i}.png", data)
             for i, data in enumerate(distinct_images(2, size=(120, 80)))]  # fmt: skip
    upload_with_tags(project=project, user=users["lead"], files=files)
    ids = list(Image.objects.filter(project=project).order_by("id").values_list("id", flat=True))
    batch = batch_create(project=project, user=users["lead"], image_ids=ids, assignee="ann")
    return project, ids, batch


def to_screen(page: Page, x: float, y: float) -> tuple[float, float]:
    point = page.evaluate("([x, y]) => window.__labeller.imageToScreen(x, y)", [x, y])
    return point["x"], point["y"]


def test_assign_label_reject_with_an_issue_fix_and_accept(new_page) -> None:
    project, ids, batch = off_loop(team)
    image = ids[0]

    ann = new_page()
    login(ann, "ann", PASSWORD)
    expect(ann.get_by_test_id("inbox-count")).to_have_text("1")  # the batch assigned
    ann.get_by_test_id("my-batch-continue").click()
    ann.wait_for_url(f"**/label/{image}/?batch={batch.pk}")
    expect(ann.locator("#app")).to_have_attribute("data-state", "ready")
    expect(ann.get_by_test_id("issues-panel")).to_be_hidden()  # nothing to review yet
    ann.keyboard.press("1")  # tag "car"
    expect(ann.get_by_test_id("save-status")).to_have_attribute("data-state", "saved")
    ann.keyboard.press("m")  # done: on to the batch's next image, this one waits for review
    expect(ann.locator("#app")).to_have_attribute("data-image-id", str(ids[1]))

    rev = new_page()
    login(rev, "rev", PASSWORD)
    rev.goto(f"/projects/{project.pk}/#images")
    expect(rev.get_by_test_id("review-queue")).to_be_visible()
    screenshot(rev, "images-tab-review-queue")
    rev.get_by_test_id("review-queue").click()
    rev.wait_for_url(f"**/label/{image}/?stage=review")
    expect(rev.locator("#app")).to_have_attribute("data-state", "ready")
    panel = rev.get_by_test_id("issues-panel")
    expect(panel.get_by_test_id("image-stage")).to_have_text("Waiting for review")
    rev.get_by_test_id("review-reject").click()  # no issue yet: arms the pin
    rev.mouse.click(*to_screen(rev, 70, 30))
    rev.get_by_test_id("issue-comment").fill("missing car here")
    expect(rev.get_by_test_id("issue-pin")).to_have_count(1)
    expect(panel.get_by_test_id("review-accept")).to_be_disabled()
    screenshot(rev, "review-reject-with-issue")
    panel.get_by_test_id("review-reject").click()  # "Send back (1)"
    expect(panel.get_by_test_id("image-stage")).to_contain_text("Being labelled · 1 open issue")

    # the annotator is told at once (her labeller's socket), and finds the pin on the image
    expect(ann.get_by_test_id("inbox-count")).to_have_text("2")
    ann.get_by_test_id("inbox-open").click()
    item = ann.locator("[data-testid=inbox-item][data-kind='image.rejected']")
    expect(item).to_contain_text("rev sent street0.png back: missing car here")
    screenshot(ann, "inbox-open")
    item.locator("a").click()
    ann.wait_for_url(f"**/label/{image}/")
    expect(ann.locator("#app")).to_have_attribute("data-state", "ready")
    expect(ann.get_by_test_id("issue-pin")).to_have_count(1)
    expect(ann.get_by_test_id("issue-row")).to_contain_text("missing car here — rev")
    expect(ann.get_by_test_id("inbox-count")).to_be_hidden()  # read when opened
    screenshot(ann, "labeller-issue-for-annotator")
    ann.keyboard.press("b")
    ann.mouse.move(*to_screen(ann, 55, 18))
    ann.mouse.down()
    ann.mouse.move(*to_screen(ann, 85, 42), steps=6)
    ann.mouse.up()
    expect(ann.get_by_test_id("save-status")).to_have_attribute("data-state", "saved")
    ann.get_by_test_id("issue-resolve").click()
    expect(ann.get_by_test_id("issue-row")).to_contain_text("fixed by ann")
    expect(ann.get_by_test_id("issue-pin")).to_have_count(0)
    ann.keyboard.press("m")

    # the reviewer's page follows the fix live; the image is back in the queue: accept it
    expect(panel.locator(".issue-row.resolved")).to_have_count(1)
    expect(panel.get_by_test_id("image-stage")).to_have_text("Waiting for review")
    panel.get_by_test_id("review-accept").click()
    expect(rev.get_by_test_id("image-stage")).to_have_text("Accepted")

    def outcome():
        events = ImageEvent.objects.filter(image_id=image).order_by("id")
        return (Image.objects.get(pk=image).status, [(e.action, e.actor.username) for e in events],
                Issue.objects.get(image_id=image).resolved_by.username,
                Annotation.objects.filter(image_id=image, kind="box").count())  # fmt: skip

    status, history, resolver, boxes = off_loop(in_thread(outcome))
    assert status == "reviewed" and resolver == "ann" and boxes == 1
    assert history == [("status", "ann"), ("rejected", "rev"), ("resolved", "ann"),
                       ("status", "ann"), ("accepted", "rev")]  # fmt: skip

    # ann's labeller reports her active time when the tab is hidden (and every 30 s)
    for _ in range(6):  # she keeps working a few seconds on the next image
        ann.mouse.wheel(0, 1)
        ann.wait_for_timeout(500)
    ann.evaluate("""() => {
        Object.defineProperty(document, "visibilityState", { value: "hidden", configurable: true });
        document.dispatchEvent(new Event("visibilitychange"));
    }""")
    seconds = in_thread(lambda: sum(LabellingTime.objects.filter(user__username="ann")
                                    .values_list("seconds", flat=True)))  # fmt: skip
    expect(ann.get_by_test_id("save-status")).to_have_attribute("data-state", "saved")
    for _ in range(50):
        if off_loop(seconds) > 0:
            break
        ann.wait_for_timeout(100)
    assert off_loop(seconds) >= 2

    # the lead's Team tab: who did what
    lead = new_page()
    login(lead, "lead", PASSWORD)
    lead.goto(f"/projects/{project.pk}/#team")
    row = lead.locator("[data-testid=team-row][data-user=ann]")
    expect(row).to_contain_text("ann")
    cells = row.locator("td")
    expect(cells.nth(1)).to_have_text("1")  # images done (sent twice: one image)
    expect(cells.nth(2)).to_have_text("1")  # boxes
    expect(cells.nth(4)).to_have_text("0")  # polygons and masks
    expect(cells.nth(6)).to_have_text("1 (50%)")  # sent back once of two decisions
    expect(lead.locator("[data-testid=team-row][data-user=rev] td").nth(7)).to_have_text("2")
    expect(lead.get_by_test_id("team-bar")).to_have_count(1)
    screenshot(lead, "team-tab")
    exported = lead.request.get(lead.get_by_test_id("team-csv").get_attribute("href"))
    assert exported.ok and exported.text().splitlines()[0].startswith("day,username,images_done")
