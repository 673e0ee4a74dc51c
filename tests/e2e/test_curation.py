"""The Curation tab in a browser: a manager computes perceptual-hash embeddings (the live
stack's worker takes the `infer` queue; the runs line follows it over the websocket), reads
the near-duplicate groups with the leak across splits, sets a copy aside and undoes it, moves
the leaking group to one split, and orders the image grid by uniqueness."""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Page, expect

from apps.annotations.services import annotation_create, upload_with_tags
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


PHOTO_TAGS = {"chelsea.png": "cat", "chelsea-small.png": "cat", "astronaut.png": "dog",
              "coffee.png": "dog", "rocket.png": "dog", "camera.png": "cat"}  # fmt: skip
# the model's view: it takes the astronaut for a cat (wrong), and the small Chelsea for a dog
OPINIONS = {"chelsea.png": ("cat", 0.97), "chelsea-small.png": ("dog", 0.88),
            "astronaut.png": ("cat", 0.95), "coffee.png": ("dog", 0.9),
            "rocket.png": ("dog", 0.6), "camera.png": ("cat", 0.99)}  # fmt: skip


@in_thread
def judged_photos():
    """The photos, six tagged cat or dog, and a version's predictions stored as its embeddings
    run leaves them (two disagree with the tags), then scored and mapped by the services."""
    import numpy as np

    from apps.models.curation import services
    from apps.models.models import ImageEmbedding
    from apps.projects.services import label_create
    from tests.factories.models import make_version

    ada = get_user_model().objects.create_user("ada", password=PASSWORD)
    project = project_create(name="Pets", user=ada)
    labels = {n: label_create(project=project, name=n) for n in ("cat", "dog")}
    files = [SimpleUploadedFile(name, data) for name, data in _scenes().items()]
    upload_with_tags(project=project, user=ada, files=files)
    version = make_version(project, ada, classes=("cat", "dog"), prepare=False)
    rng = np.random.default_rng(0)
    for image in Image.objects.filter(project=project):
        if image.filename in PHOTO_TAGS:
            annotation_create(image=image, user=ada, kind="tag",
                              label_id=labels[PHOTO_TAGS[image.filename]].pk)  # fmt: skip
        label, p = OPINIONS.get(image.filename, ("cat", 0.5))
        other = "dog" if label == "cat" else "cat"
        ImageEmbedding.objects.create(
            image=image, model_version=version, space=f"version:{version.pk}", dim=8,
            vector=rng.normal(size=8).astype(np.float32).tobytes(),
            predictions=[{"label": label, "confidence": p}, {"label": other, "confidence": 1 - p}],
        )  # fmt: skip
    services.mistakenness_update(project=project, version=version)
    services.map_update(project=project, space=f"version:{version.pk}")
    return project, version


@in_thread
def tag_names(project, filename: str) -> list[str]:
    image = Image.objects.get(project=project, filename=filename)
    return sorted(image.annotations.values_list("label__name", flat=True))


def test_review_likely_label_errors_in_the_labeller_and_fix_one(page: Page) -> None:
    project, version = off_loop(judged_photos)
    login(page, "ada", PASSWORD)
    page.goto(f"/projects/{project.pk}/#curation")
    tiles = page.get_by_test_id("mistake-tile")
    expect(tiles).to_have_count(6)  # the labelled ones, worst first
    expect(tiles.first).to_contain_text("astronaut.png")
    expect(tiles.first).to_contain_text("95%")
    expect(tiles.nth(1)).to_contain_text("chelsea-small.png")
    screenshot(page, "curation-label-errors")

    page.get_by_test_id("mistake-review").click()
    panel = page.get_by_test_id("opinion-panel")
    expect(panel).to_contain_text(f"v{version.version} · resnet20")
    expect(page.get_by_test_id("opinion-score")).to_have_text("95%")
    expect(panel).to_contain_text("The model says “cat” (95%); labelled “dog”.")
    classes = page.get_by_test_id("opinion-class")
    expect(classes.first).to_have_attribute("data-label", "cat")
    expect(page.locator("[data-testid=opinion-class].given")).to_have_attribute("data-label", "dog")
    screenshot(page, "labeller-label-error")

    page.get_by_test_id("opinion-relabel").click()  # swaps the tag through the editor
    expect(page.get_by_test_id("opinion-score")).to_have_text(
        "5%", timeout=10_000
    )  # (1 + 0.05 - 0.95) / 2
    expect(panel).not_to_contain_text("The model says")
    assert off_loop(tag_names, project, "astronaut.png") == ["cat"]

    page.keyboard.press("ArrowRight")  # the next in the queue
    expect(page.get_by_test_id("opinion-score")).to_have_text("88%")
    expect(panel).to_contain_text("The model says “dog” (88%); labelled “cat”.")


def test_the_embedding_map_colours_lassos_and_acts_on_a_selection(page: Page) -> None:
    project, _ = off_loop(judged_photos)
    login(page, "ada", PASSWORD)
    page.goto(f"/projects/{project.pk}/#curation")
    expect(page.get_by_test_id("map-info")).to_contain_text("11 of 11 images · PCA")
    legend = page.get_by_test_id("map-legend")
    expect(legend).to_contain_text("cat 3")
    expect(legend).to_contain_text("dog 3")
    expect(legend).to_contain_text("No label 5")
    page.get_by_test_id("map-colour-by").select_option("mistakenness")
    expect(legend).to_contain_text("Not scored 5")
    expect(legend).to_contain_text("83–100% 2")  # the astronaut (95%) and small Chelsea (88%)  # noqa: RUF001 (the legend's en dash)

    canvas = page.get_by_test_id("map-canvas")
    canvas.evaluate("el => el.scrollIntoView({block: 'center'})")  # all of it on screen
    box = canvas.bounding_box()
    assert box is not None
    x0, y0, x1, y1 = (
        box["x"] + 4,
        box["y"] + 4,
        box["x"] + box["width"] - 4,
        box["y"] + box["height"] - 4,
    )
    page.keyboard.down("Shift")  # a lasso round the whole map (from the right: the toolbar
    page.mouse.move(x1, y0)  # sits top left)
    page.mouse.down()
    for x, y in ((x1, y1), (x0, y1), (x0, y0), (x1 - 2, y0)):  # captured: over the toolbar too
        page.mouse.move(x, y, steps=8)
    page.mouse.up()
    page.keyboard.up("Shift")
    expect(page.get_by_test_id("map-selection-count")).to_have_text("11 images")
    expect(page.get_by_test_id("map-selected-tile")).to_have_count(11)
    screenshot(page, "curation-map")

    selection = page.get_by_test_id("map-selection")
    selection.get_by_test_id("map-gold").click()
    expect(selection.get_by_test_id("curation-change")).to_contain_text("Marked gold: 11 images.")
    assert off_loop(gold_count, project) == 11
    selection.get_by_test_id("curation-undo").click()
    expect(selection.get_by_test_id("curation-change")).to_contain_text(
        "Undone: 11 images put back."
    )
    assert off_loop(gold_count, project) == 0

    selection.get_by_test_id("map-show-grid").click()  # the image list, filtered to them
    expect(page.get_by_test_id("ids-filter-count")).to_have_text("11 on the map")
    expect(page.get_by_test_id("image-tile")).to_have_count(11)
    screenshot(page, "images-chosen-on-the-map")
    page.get_by_test_id("ids-filter-clear").click()
    expect(page.get_by_test_id("ids-filter-count")).to_be_hidden()


@in_thread
def gold_count(project) -> int:
    return Image.objects.filter(project=project, sample_weight__gt=1).count()
