"""The Dataset tab in a browser: a manager reads the box statistics and shapes, previews the
small-box clean-up, applies it, and undoes it from History; an annotator sees the plots but
no tools."""

import random

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from apps.annotations.models import Annotation, Kind
from apps.annotations.services import annotation_create
from apps.images.services import image_get_or_create
from apps.projects.models import Membership, Role
from apps.projects.services import label_create, project_create
from tests.datasets.helpers import jpeg
from tests.e2e.test_labeller import drag, open_labeller
from tests.helpers.browser import in_thread, login, off_loop, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "pw-pw-pw-pw"
BOXES = 60
SMALL = 6  # of them under 8x8 px


@in_thread
def scene():
    users = get_user_model()
    ada = users.objects.create_user("ada", password=PASSWORD)
    bob = users.objects.create_user("bob", password=PASSWORD)
    project = project_create(name="Parking lot", user=ada)
    Membership.objects.create(project=project, user=bob, role=Role.ANNOTATOR)
    labels = [label_create(project=project, name=n) for n in ("car", "person")]
    rng = random.Random(3)
    images = [image_get_or_create(project=project, user=ada, name=f"lot-{i}.jpg",
                                  data=jpeg(320, 240, (40 + i * 20, 90, 120)))[0] for i in range(6)]  # fmt: skip
    for n in range(BOXES):
        label = labels[n % 2]
        if n < SMALL:
            w, h = 4, 5
        elif label.name == "car":
            w, h = rng.uniform(60, 90), rng.uniform(30, 45)  # wide
        else:
            w, h = rng.uniform(15, 25), rng.uniform(50, 80)  # tall
        x, y = rng.uniform(0, 320 - w), rng.uniform(0, 240 - h)
        annotation_create(image=images[n % 6], user=ada, kind=Kind.BOX, label_id=label.pk,
                          box={"x": x, "y": y, "w": w, "h": h})  # fmt: skip
    return project


def _boxes(project) -> int:
    return off_loop(in_thread(lambda: Annotation.objects.filter(image__project=project).count()))


def test_statistics_shapes_and_a_clean_up_undone(page: Page) -> None:
    project = off_loop(scene)
    login(page, "ada", PASSWORD)
    page.goto(f"/projects/{project.pk}/#dataset")
    expect(page.get_by_test_id("stat-boxes")).to_contain_text(str(BOXES))
    expect(page.get_by_test_id("hist-width")).to_have_attribute("data-total", str(BOXES))
    expect(page.get_by_test_id("hist-aspect")).to_have_attribute("data-total", str(BOXES))
    expect(page.get_by_test_id("box-scatter")).to_have_attribute("data-points", str(BOXES))
    expect(page.get_by_test_id("label-counts").locator("tr[data-label-id]")).to_have_count(2)
    clusters = page.get_by_test_id("cluster")
    expect(clusters).to_have_count(3)
    expect(page.get_by_test_id("anchor")).to_have_count(9)
    expect(clusters.first.locator(".shape-example").first).to_be_visible()
    screenshot(page, "workbench-stats")

    page.get_by_role("button", name="k = 9").click()
    expect(clusters).to_have_count(9)
    page.locator("[data-mode=fit]").click()
    expect(clusters).to_have_count(9)

    page.get_by_label("Minimum width (px)").fill("8")
    page.get_by_label("Minimum height (px)").fill("8")
    page.get_by_test_id("preview-remove-small-boxes").click()
    expect(page.get_by_test_id("matched-remove-small-boxes")).to_have_text(
        f"Would remove {SMALL} boxes"
    )
    expect(page.locator("[data-tool=remove-small-boxes] [data-testid=tool-example]")).to_have_count(
        SMALL
    )
    assert _boxes(project) == BOXES  # a preview changes nothing
    page.locator("[data-tool=remove-small-boxes]").scroll_into_view_if_needed()
    screenshot(page, "workbench-preview")

    page.get_by_test_id("apply-remove-small-boxes").click()
    expect(page.get_by_test_id("stat-boxes")).to_contain_text(str(BOXES - SMALL))
    operation = page.get_by_test_id("operation").first
    expect(operation).to_contain_text(f"Removed boxes under 8\u00d78 px · {SMALL} boxes changed")
    assert _boxes(project) == BOXES - SMALL
    screenshot(page, "workbench-applied")

    operation.get_by_test_id("undo-operation").click()
    expect(page.get_by_test_id("stat-boxes")).to_contain_text(str(BOXES))
    expect(operation).to_contain_text("undone by ada")
    assert _boxes(project) == BOXES


def test_an_annotator_sees_the_statistics_but_no_tools(page: Page) -> None:
    project = off_loop(scene)
    login(page, "bob", PASSWORD)
    page.goto(f"/projects/{project.pk}/#dataset")
    expect(page.get_by_test_id("stat-boxes")).to_contain_text(str(BOXES))
    expect(page.get_by_test_id("cluster")).to_have_count(3)
    expect(page.locator("[data-tool]")).to_have_count(0)


def test_an_open_labeller_reloads_when_a_tool_changes_its_boxes(page: Page) -> None:
    from apps.datasets.workbench.operations import dataset_tool_run
    from apps.datasets.workbench.table import BoxFilter

    project = off_loop(scene)
    first = off_loop(in_thread(lambda: project.images.order_by("id").first()))
    on_it = off_loop(in_thread(lambda: Annotation.objects.filter(image=first).count()))
    login(page, "bob", PASSWORD)
    page.goto(f"/projects/{project.pk}/label/{first.pk}/")
    items = page.get_by_test_id("box-item")
    expect(items).to_have_count(on_it)
    run = in_thread(lambda: dataset_tool_run(
        project=project, user=project.created_by, kind="remove_small_boxes",
        params={"min_width": 8, "min_height": 8}, filters=BoxFilter(), dry_run=False))  # fmt: skip
    assert off_loop(run)["changed"] == SMALL
    expect(items).to_have_count(on_it - 1)  # image 0 held one of the small boxes


def test_crop_a_turned_region_into_a_new_image_from_the_labeller(page: Page) -> None:
    from apps.images.models import Image

    project = off_loop(scene)
    first = off_loop(in_thread(lambda: project.images.order_by("id").first()))
    login(page, "ada", PASSWORD)
    open_labeller(page, {"project": project, "images": [first]})
    page.keyboard.press("c")
    expect(page.get_by_test_id("tool-crop")).to_have_attribute("aria-pressed", "true")
    drag(page, (20, 20), (300, 220))
    panel = page.get_by_test_id("crop-panel")
    expect(panel).to_be_visible()
    panel.get_by_label("Turn in degrees").fill("10")
    panel.get_by_label("Turn in degrees").press("Tab")
    screenshot(page, "labeller-crop")
    panel.get_by_test_id("crop-create").click()
    expect(panel.get_by_test_id("crop-made")).to_contain_text("lot-0_crop_20_20.jpg")

    made = off_loop(in_thread(lambda: Image.objects.get(source_image=first)))
    assert (made.width, made.height, made.crop["angle"]) == (280, 200, 10)
    assert off_loop(in_thread(lambda: Annotation.objects.filter(image=made).count())) >= 1
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()


def test_an_annotator_has_no_crop_tool(page: Page) -> None:
    project = off_loop(scene)
    first = off_loop(in_thread(lambda: project.images.order_by("id").first()))
    login(page, "bob", PASSWORD)
    open_labeller(page, {"project": project, "images": [first]})
    page.keyboard.press("c")
    expect(page.get_by_test_id("tool-crop")).to_have_count(0)
    expect(page.get_by_test_id("crop-panel")).to_be_hidden()


def test_scale_classes_named_from_the_tab(page: Page) -> None:
    project = off_loop(scene)
    login(page, "ada", PASSWORD)
    page.goto(f"/projects/{project.pk}/#dataset")
    tool = page.locator("[data-tool=scale-classes]")
    tool.get_by_label("Names, smallest ratio first, comma-separated").fill("tall, tiny, wide")
    tool.get_by_test_id("preview-scale-classes").click()
    expect(tool.get_by_test_id("matched-scale-classes")).to_have_text(f"Would name {BOXES} boxes")
    expect(tool).to_contain_text("Classes, smallest ratio first: tall, tiny, wide")
    tool.get_by_test_id("apply-scale-classes").click()
    card = page.get_by_test_id("stat-scale")
    expect(card).to_contain_text("tall 27 · tiny 6 · wide 27")
    expect(card.locator(".stat-value")).to_have_text("0")
    tool.scroll_into_view_if_needed()
    screenshot(page, "workbench-scale-classes")


def test_the_aspect_tool_previews_in_the_labeller(page: Page) -> None:
    from apps.datasets.workbench.operations import dataset_tool_run
    from apps.datasets.workbench.table import BoxFilter

    project = off_loop(scene)
    first = off_loop(in_thread(lambda: project.images.order_by("id")[1]))  # holds persons
    person = off_loop(in_thread(lambda: project.labels.get(name="person")))
    dry = in_thread(lambda: dataset_tool_run(
        project=project, user=None, kind="normalize_aspect", params={"ratio": 0.25},
        filters=BoxFilter(label=person.pk, image=first.pk), dry_run=True))  # fmt: skip
    grown = off_loop(dry)["matched"]
    assert grown > 0
    login(page, "ada", PASSWORD)
    page.goto(f"/projects/{project.pk}/label/{first.pk}/?preview=normalize-aspect"
              f"&label={person.pk}&ratio=0.25")  # fmt: skip
    expect(
        page.get_by_text(f"Preview: {grown} boxes of this label would grow to 1:4")
    ).to_be_visible()
    screenshot(page, "labeller-aspect-preview")
    assert _boxes(project) == BOXES  # a preview only


def test_the_aspect_tool_takes_a_shape_cluster(page: Page) -> None:
    project = off_loop(scene)
    login(page, "ada", PASSWORD)
    page.goto(f"/projects/{project.pk}/#dataset")
    expect(page.get_by_test_id("cluster")).to_have_count(3)
    tool = page.locator("[data-tool=normalize-aspect]")
    tool.get_by_label("Boxes of shape cluster").select_option(index=1)  # the tallest shapes
    tool.get_by_label("Target width part").fill("1")
    tool.get_by_label("Target height part").fill("4")
    tool.get_by_test_id("preview-normalize-aspect").click()
    expect(tool.get_by_test_id("matched-normalize-aspect")).to_contain_text("Would grow")
    tool.get_by_test_id("apply-normalize-aspect").click()
    expect(page.get_by_test_id("operation").first).to_contain_text("Grew boxes to 1:4")


@in_thread
def _versions(project):
    from tests.factories.models import make_version

    owner = project.created_by
    detector = make_version(project, owner, architecture="fasterrcnn_mobilenet_v3_large_fpn",
                            classes=("tall", "tiny", "wide"), image_size=96)  # fmt: skip
    return detector, make_version(project, owner, classes=("car", "person"))


@in_thread
def _run_of(project):
    from apps.models.models import AutoAnnotationRun, TrainingRun

    return TrainingRun.objects.filter(project=project).first(), AutoAnnotationRun.objects.filter(
        project=project
    ).first()


def test_train_on_scale_classes_then_prelabel_with_a_classifier_per_class(page: Page) -> None:
    """The two-stage pipeline from the browser: the New run form trains a detector on scale
    classes or a classifier on one class's crops (the data check follows the choice), and
    Pre-label sends a classifier per detector class."""
    project = off_loop(scene)
    login(page, "ada", PASSWORD)
    page.goto(f"/projects/{project.pk}/#dataset")
    tool = page.locator("[data-tool=scale-classes]")
    tool.get_by_label("Names, smallest ratio first, comma-separated").fill("tall, tiny, wide")
    tool.get_by_test_id("preview-scale-classes").click()
    tool.get_by_test_id("apply-scale-classes").click()
    expect(page.get_by_test_id("stat-scale")).to_contain_text("tall 27 · tiny 6 · wide 27")

    page.goto(f"/projects/{project.pk}/#training")
    form = page.get_by_test_id("new-run-form")
    source = form.get_by_test_id("train-source")
    expect(source.locator("option")).to_have_text(["Image tags", "Box crops, by box label",
        "Box crops of scale class “tall” (27)", "Box crops of scale class “tiny” (6)",
        "Box crops of scale class “wide” (27)"])  # fmt: skip
    source.select_option("crops:wide")
    check = form.get_by_test_id("data-check")
    expect(check).to_contain_text("27 box crops")  # every wide box is a car: nothing to tell
    expect(check).to_contain_text("A classifier needs images of at least two classes.")
    expect(form.get_by_role("button", name="Start training")).to_be_disabled()
    source.select_option("crops")
    expect(check).to_contain_text(f"{BOXES} box crops")
    expect(check).to_contain_text("2 classes")
    form.locator("select[name=task]").select_option("detect")
    expect(source).to_have_value("boxes")
    source.select_option("scale_classes")
    expect(check).to_contain_text("6 images")
    expect(check).to_contain_text("3 classes")
    form.locator("select[name=architecture]").select_option("retinanet_resnet50_fpn")
    form.locator("details.advanced summary").click()
    anchors = form.locator("select[name=anchors]")
    expect(anchors).to_be_enabled()
    anchors.select_option("data")
    screenshot(page, "training-form-scale-classes")
    form.get_by_role("button", name="Start training").click()
    page.wait_for_url(f"**/projects/{project.pk}/runs/*/")
    run, _ = off_loop(_run_of, project)
    assert (run.snapshot.source, run.snapshot.classes) == (
        "scale_classes",
        ["tall", "tiny", "wide"],
    )
    assert len(run.params["anchors"]) == 9  # from the data, at the run's image size

    detector, classifier = off_loop(_versions, project)
    page.goto(f"/projects/{project.pk}/#models")
    row = page.locator(f"[data-testid=version-row][data-version-id='{detector.pk}']")
    row.locator("[data-testid=prelabel-row]").click()
    dialog = page.get_by_test_id("prelabel-dialog")
    dialog.get_by_test_id("prelabel-mode-two_stage").check()
    dialog.get_by_test_id("prelabel-classifier").select_option("none")
    per_class = dialog.get_by_test_id("prelabel-per-class")
    per_class.locator("summary").click()
    expect(per_class.locator("select")).to_have_count(3)
    dialog.get_by_label("Classifier for “wide” boxes").select_option(str(classifier.pk))
    dialog.get_by_test_id("prelabel-scope-all").check()
    screenshot(page, "autoannotate-per-class")
    dialog.get_by_test_id("prelabel-start").click()
    expect(dialog).to_be_hidden()
    _, started = off_loop(_run_of, project)
    assert started.classifiers == {"wide": classifier.pk} and started.classifier_version is None


@in_thread
def shape_scene():
    """One image: a 2 px² polygon, a large one, and a mask with a 3-pixel speck."""
    import numpy as np

    from ml.geometry import mask_rle

    ada = get_user_model().objects.create_user("ada", password=PASSWORD)
    project = project_create(name="Fields", user=ada)
    field = label_create(project=project, name="field")
    image = image_get_or_create(project=project, user=ada, name="farm.jpg",
                                data=jpeg(320, 240, (90, 140, 60)))[0]  # fmt: skip
    pixels = np.zeros((240, 320), np.uint8)
    pixels[120:200, 40:160] = 1
    pixels[30, 250:253] = 1  # the speck
    for shape in ({"polygon": [[10, 10], [12, 10], [12, 12]]},
                  {"polygon": [[180, 40], [300, 40], [300, 200], [180, 200]]},
                  {"mask": mask_rle(pixels).json()}):  # fmt: skip
        kind = "polygon" if "polygon" in shape else "mask"
        annotation_create(image=image, user=ada, kind=kind, label_id=field.pk, **shape)
    return project


def test_small_shapes_previewed_applied_and_undone(page: Page) -> None:
    project = off_loop(shape_scene)
    login(page, "ada", PASSWORD)
    page.goto(f"/projects/{project.pk}/#dataset")
    tool = page.locator("[data-tool=remove-small-shapes]")
    page.get_by_label("Minimum area (px²)").fill("10")
    page.get_by_test_id("preview-remove-small-shapes").click()
    expect(page.get_by_test_id("matched-remove-small-shapes")).to_have_text(
        "Would clean 2 shapes (3 mask pixels wiped)"
    )
    expect(tool.get_by_test_id("tool-example")).to_have_count(1)
    tool.scroll_into_view_if_needed()
    screenshot(page, "workbench-shapes-preview")
    assert _boxes(project) == 3  # a preview changes nothing

    page.get_by_test_id("apply-remove-small-shapes").click()
    operation = page.get_by_test_id("operation").first
    expect(operation).to_contain_text("Removed polygons and mask specks under 10 px² · 2 shapes")
    assert _boxes(project) == 2
    operation.get_by_test_id("undo-operation").click()
    expect(operation).to_contain_text("undone by ada (2 shapes back")
    assert _boxes(project) == 3
