"""The Curation tab in a browser: a manager computes perceptual-hash embeddings (the live
stack's worker takes the `infer` queue; the runs line follows it over the websocket), reads
the near-duplicate groups with the leak across splits, sets a copy aside and undoes it, moves
the leaking group to one split, and orders the image grid by uniqueness."""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Page, expect

from apps.annotations.services import upload_with_tags
from apps.images.models import Image
from apps.projects.services import project_create
from tests.helpers.browser import in_thread, login, off_loop, screenshot
from tests.models.curation.test_curation import _scenes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "pw-pw-pw-pw"


@in_thread
def photos():
    ada = get_user_model().objects.create_user("ada", password=PASSWORD)
    project = project_create(name="Street photos", user=ada)
    files = [SimpleUploadedFile(name, data) for name, data in _scenes().items()]
    upload_with_tags(project=project, user=ada, files=files)
    Image.objects.filter(project=project, filename="coffee-q25.jpg").update(split="val")
    return project


@in_thread
def excluded(project) -> list[str]:
    return list(
        Image.objects.filter(project=project, excluded=True).values_list("filename", flat=True)
    )


def test_find_copies_set_one_aside_undo_and_fix_the_leak(page: Page) -> None:
    project = off_loop(photos)
    login(page, "ada", PASSWORD)
    page.goto(f"/projects/{project.pk}/#curation")
    expect(page.get_by_test_id("dup-count")).to_contain_text("No embeddings in this space yet")
    page.get_by_test_id("embed-start").click()
    run = page.get_by_test_id("embed-run").first
    expect(run).to_have_attribute("data-status", "succeeded", timeout=120_000)
    expect(run).to_contain_text("Perceptual hash: 11 computed, 0 already there")

    count = page.get_by_test_id("dup-count")
    expect(count).to_contain_text("3 groups of near-duplicates, 6 of 11 images")
    expect(count).to_contain_text("1 group across splits")
    groups = page.get_by_test_id("dup-group")
    expect(groups).to_have_count(3)
    leak = page.locator("[data-testid=dup-group].leak")
    expect(leak.get_by_test_id("dup-leak")).to_have_text("crosses splits: Unassigned, Val")
    screenshot(page, "curation-duplicates")

    page.get_by_test_id("dup-threshold").fill("0")  # the live count follows the slider
    expect(count).not_to_contain_text("3 groups")
    page.get_by_test_id("dup-threshold").fill(str(6 / 64))
    expect(groups).to_have_count(3)

    first = groups.first
    first.get_by_test_id("dup-keep-first").click()
    expect(page.get_by_test_id("curation-change").first).to_contain_text("Set aside: 1 image.")
    expect(first.locator(".dup-tile.excluded")).to_have_count(1)
    assert len(off_loop(excluded, project)) == 1
    page.get_by_test_id("curation-undo").first.click()
    expect(page.get_by_test_id("curation-change").first).to_contain_text(
        "Undone: 1 image put back."
    )
    expect(page.locator(".dup-tile.excluded")).to_have_count(0)
    assert off_loop(excluded, project) == []

    leak = page.locator("[data-testid=dup-group].leak")
    leak.get_by_label("Move the group to split").select_option("val")
    leak.get_by_test_id("dup-move").click()
    expect(page.locator("[data-testid=dup-group].leak")).to_have_count(0)
    expect(count).not_to_contain_text("across splits")
    screenshot(page, "curation-leak-fixed")

    page.goto(f"/projects/{project.pk}/?order=uniqueness#images")
    expect(page.get_by_test_id("image-order")).to_have_value("uniqueness")
    expect(page.get_by_test_id("image-tile")).to_have_count(11)
    screenshot(page, "images-by-uniqueness")
