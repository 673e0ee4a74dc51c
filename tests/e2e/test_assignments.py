"""A manager splits a project's unlabelled images between two annotators on the Images tab;
an annotator finds the batch under "My work", starts it, and the labeller's Next walks only
that batch's images (its header counts the images marked done); done images count on the
home page; the manager reassigns a batch."""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Page, expect

from apps.annotations.services import upload_with_tags
from apps.images.models import Batch, Image
from apps.projects.models import Membership, Role
from apps.projects.services import label_create, project_create
from tests.helpers.browser import in_thread, login, off_loop, screenshot
from tests.helpers.training import noisy_png

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "pw-pw-pw-pw"


@in_thread
def team_project():
    users = {n: get_user_model().objects.create_user(n, password=PASSWORD)
             for n in ("lead", "ann", "bob")}  # fmt: skip
    project = project_create(name="Street scenes", user=users["lead"])
    for n in ("ann", "bob"):
        Membership.objects.create(project=project, user=users[n], role=Role.ANNOTATOR)
    label_create(project=project, name="car")
    files = [SimpleUploadedFile(f"scene{i}.png", noisy_png((30 * i, 90, 120), i)) for i in range(6)]
    upload_with_tags(project=project, user=users["lead"], files=files)
    return project


def test_split_among_annotators_then_label_inside_the_batch(new_page) -> None:
    project = off_loop(team_project)
    lead = new_page()
    login(lead, "lead", PASSWORD)
    lead.goto(f"/projects/{project.pk}/#images")
    lead.get_by_test_id("assign-open").click()
    panel = lead.get_by_test_id("assign-panel")
    for who in ("ann", "bob"):
        panel.locator(f"input[value={who}]").check()
    panel.locator("input[name=due]").fill("2026-12-24")
    panel.get_by_test_id("assign-go").click()
    expect(panel.locator(".msg")).to_contain_text(
        "6 images in 2 batches: Batch 1 → ann, Batch 2 → bob"
    )
    expect(panel.get_by_test_id("batch-row")).to_have_count(2)
    screenshot(lead, "assign-panel")
    first = Batch.objects.get(name="Batch 1")
    ids = list(Image.objects.filter(batch=first).order_by("id").values_list("id", flat=True))
    assert len(ids) == 3

    ann: Page = new_page()
    login(ann, "ann", PASSWORD)
    work = ann.get_by_test_id("my-work")
    expect(work).to_be_visible()
    expect(work.get_by_test_id("my-batch")).to_have_count(1)  # bob's is not hers
    expect(work).to_contain_text("0 / 3 done")
    expect(work).to_contain_text("due 2026-12-24")
    screenshot(ann, "home-my-work")
    work.get_by_test_id("my-batch-continue").click()
    ann.wait_for_url(f"**/projects/{project.pk}/label/{ids[0]}/?batch={first.pk}")
    expect(ann.locator("#app")).to_have_attribute("data-state", "ready")
    chip = ann.get_by_test_id("labeller-batch")
    expect(chip).to_have_text("Batch 1 · 0/3 done")
    ann.keyboard.press("m")  # mark done: on to the batch's next image
    expect(ann.locator("#app")).to_have_attribute("data-image-id", str(ids[1]))
    expect(chip).to_have_text("Batch 1 · 1/3 done")
    ann.get_by_test_id("next-image").click()
    expect(ann.locator("#app")).to_have_attribute("data-image-id", str(ids[2]))
    expect(ann.get_by_test_id("next-image")).to_be_disabled()  # the batch ends here
    screenshot(ann, "labeller-in-batch")

    ann.goto("/")
    expect(ann.get_by_test_id("my-batch")).to_contain_text("1 / 3 done")

    # the lead gives Batch 1 to bob: it leaves ann's home
    row = lead.locator(f"[data-testid=batch-row][data-batch='{first.pk}']")
    row.get_by_test_id("batch-assignee").select_option("bob")
    expect(row.get_by_test_id("batch-assignee")).to_have_value("bob")
    ann.reload()
    expect(ann.get_by_test_id("my-work")).to_be_hidden()
    assert off_loop(in_thread(lambda: Batch.objects.get(pk=first.pk).assignee.username)) == "bob"
