"""Polygons and masks in the labeller: made by one user (through the API), they appear live
on another's canvas, holes left open (the pixels inside a hole are the image's own), and an
edit of the rings follows. Then the tools, with two users live: a polygon drawn, its vertex
dragged, converted to a mask, painted with the brush and cut with the eraser; the assist."""

import io

import numpy as np
import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage
from PIL import ImageDraw
from playwright.sync_api import Page, expect

from apps.annotations.models import Annotation
from apps.annotations.services import annotation_create, annotation_update, upload_with_tags
from apps.images.models import Image
from apps.projects.models import Membership, Role
from apps.projects.services import label_create, project_create
from ml.geometry import mask_rle
from tests.helpers.browser import in_thread, login, off_loop, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse"
OUTLINE = [[100, 100], [500, 100], [500, 400], [100, 400]]
HOLE = [[250, 200], [350, 200], [350, 300], [250, 300]]


@in_thread
def scene():
    users = {
        n: get_user_model().objects.create_user(n, password=PASSWORD) for n in ("alice", "bob")
    }
    project = project_create(name="Fields", user=users["alice"])
    Membership.objects.create(project=project, user=users["bob"], role=Role.ANNOTATOR)
    label = label_create(project=project, name="field", color="#ffd400")
    picture = PILImage.new("RGB", (800, 600), (30, 60, 90))
    ImageDraw.Draw(picture).ellipse((580, 180, 720, 320), fill=(230, 200, 40))  # a yellow disc
    buf = io.BytesIO()
    picture.save(buf, "PNG")
    files = [SimpleUploadedFile("field.png", buf.getvalue())]
    upload_with_tags(project=project, user=users["alice"], files=files)
    return project, Image.objects.get(project=project), label, users


def _open(new_page, project, image, name: str) -> Page:
    """A signed-in labeller on the image, loaded."""
    page = new_page()
    login(page, name, PASSWORD)
    page.goto(f"/projects/{project.pk}/label/{image.pk}/")
    page.wait_for_function("() => window.__labeller && window.__labeller.ready")
    return page


def _pixel(page: Page, x: float, y: float) -> list[int]:
    """The canvas pixel under image point (x, y), RGB."""
    return page.evaluate("""([x, y]) => {
        const p = window.__labeller.imageToScreen(x, y);
        const canvas = document.querySelector("[data-testid=labeller-canvas]");
        const r = canvas.getBoundingClientRect(), k = canvas.width / r.width;
        const d = canvas.getContext("2d").getImageData(Math.round((p.x - r.left) * k), Math.round((p.y - r.top) * k), 1, 1).data;
        return [d[0], d[1], d[2]];
    }""", [x, y])  # fmt: skip


def _differs(a: list[int], b: list[int]) -> bool:
    return max(abs(u - v) for u, v in zip(a, b, strict=True)) > 12


def test_polygons_and_masks_appear_live_with_their_holes(new_page) -> None:
    project, image, label, users = off_loop(scene)
    pages = {name: _open(new_page, project, image, name) for name in ("alice", "bob")}
    alice = pages["alice"]
    alice.wait_for_timeout(300)  # the first frames are drawn
    inside, in_hole, in_mask = (
        _pixel(alice, 150, 150),
        _pixel(alice, 300, 250),
        _pixel(alice, 650, 500),
    )

    pixels = np.zeros((600, 800), np.uint8)
    pixels[450:560, 600:720] = 1

    def make():
        bob = users["bob"]
        polygon = annotation_create(image=image, user=bob, kind="polygon", label_id=label.pk,
                                    polygon=[OUTLINE, HOLE])  # fmt: skip
        annotation_create(image=image, user=bob, kind="mask", label_id=label.pk,
                          mask=mask_rle(pixels).json())  # fmt: skip
        return polygon

    polygon = off_loop(in_thread(make))
    for page in pages.values():
        page.wait_for_function("() => window.__labeller.shapes().length === 2 && window.__labeller.shapesDrawn === 2",
                               timeout=10_000)  # fmt: skip
    alice.wait_for_timeout(200)  # the frame after the change
    assert _differs(_pixel(alice, 150, 150), inside)  # tinted inside the outline
    assert not _differs(_pixel(alice, 300, 250), in_hole)  # the hole stays open
    assert _differs(_pixel(alice, 650, 500), in_mask)  # the mask's pixels
    screenshot(alice, "labeller-polygon-and-mask")
    stats = new_page()  # the Dataset tab counts them
    login(stats, "alice", PASSWORD)
    stats.goto(f"/projects/{project.pk}/#dataset")
    expect(stats.get_by_test_id("stat-polygons")).to_contain_text("1")
    expect(stats.get_by_test_id("stat-masks")).to_contain_text("1")
    screenshot(stats, "dataset-tab-shapes")

    moved = [[x + 150, y] for x, y in OUTLINE]
    off_loop(in_thread(lambda: annotation_update(annotation_id=polygon.pk, user=users["bob"],
                                                 version=polygon.version, data={"polygon": moved})))  # fmt: skip
    alice.wait_for_function("(x) => window.__labeller.shapes().some((s) => s.rings && s.rings[0][0][0] === x)",
                            arg=250, timeout=10_000)  # fmt: skip
    alice.wait_for_timeout(200)
    assert not _differs(_pixel(alice, 150, 150), inside)  # no longer under the polygon


def _to_screen(page: Page, x: float, y: float) -> tuple[float, float]:
    point = page.evaluate("([x, y]) => window.__labeller.imageToScreen(x, y)", [x, y])
    return point["x"], point["y"]


def test_draw_a_polygon_that_another_user_sees_then_select_and_delete_it(new_page) -> None:
    project, image, *_ = off_loop(scene)
    pages = {name: _open(new_page, project, image, name) for name in ("alice", "bob")}
    alice, bob = pages["alice"], pages["bob"]
    alice.keyboard.press("p")
    for x, y in ((120, 110), (420, 130), (460, 380), (150, 360)):
        alice.mouse.click(*_to_screen(alice, x, y))
    screenshot(alice, "labeller-polygon-drawing")
    alice.keyboard.press("Enter")
    bob.wait_for_function("() => window.__labeller.shapes().length === 1", timeout=10_000)
    rings = bob.evaluate("() => window.__labeller.shapes()[0].rings")
    assert len(rings) == 1 and len(rings[0]) == 4
    assert rings[0][0] == pytest.approx([120, 110], abs=2) and rings[0][2] == pytest.approx(
        [460, 380], abs=2
    )

    def stored():
        return [(a.kind, len(a.polygon[0])) for a in Annotation.objects.filter(image=image)]

    assert off_loop(in_thread(stored)) == [("polygon", 4)]
    alice.keyboard.press("v")
    expect(alice.get_by_test_id("tool-select")).to_have_attribute("aria-pressed", "true")
    expect(alice.get_by_test_id("tool-polygon")).to_have_attribute("aria-pressed", "false")
    alice.mouse.click(*_to_screen(alice, 300, 250))  # inside: selects it
    expect(alice.get_by_test_id("status-hint")).to_contain_text("Del deletes")
    screenshot(alice, "labeller-polygon-selected")
    alice.keyboard.press("Delete")
    bob.wait_for_function("() => window.__labeller.shapes().length === 0", timeout=10_000)
    alice.keyboard.press("Control+z")  # undo brings it back, for both
    bob.wait_for_function("() => window.__labeller.shapes().length === 1", timeout=10_000)


def test_the_assist_outlines_the_object_in_a_box(new_page) -> None:
    project, image, *_ = off_loop(scene)
    page = _open(new_page, project, image, "alice")
    page.keyboard.press("w")
    page.mouse.move(*_to_screen(page, 560, 160))
    page.mouse.down()
    page.mouse.move(*_to_screen(page, 740, 340), steps=6)
    page.mouse.up()
    page.wait_for_function(
        "() => window.__labeller.interaction.draft?.closed === true", timeout=10_000
    )
    expect(page.get_by_test_id("status-hint")).to_contain_text("outlined by GrabCut in")
    screenshot(page, "labeller-assist-proposal")
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.__labeller.shapes().length === 1", timeout=10_000)

    def stored():
        (a,) = Annotation.objects.filter(image=image)
        return a.kind, a.x, a.y, a.w, a.h

    deadline = 50
    while deadline and not off_loop(
        in_thread(lambda: Annotation.objects.filter(image=image).exists())
    ):
        page.wait_for_timeout(100)
        deadline -= 1
    kind, x, y, w, h = off_loop(in_thread(stored))
    assert kind == "polygon"
    assert (x, y, w, h) == pytest.approx((580, 180, 140, 140), abs=6)  # the disc's box


def _mask_area(page: Page) -> int:
    """Pixels set in the one mask on the page's canvas, decoded in the page."""
    return page.evaluate("""() => {
        const m = window.__labeller.shapes().find((s) => s.kind === "mask");
        return m ? window.__labeller.maskArea(m.mask) : -1;
    }""")  # fmt: skip


def _drag(page: Page, points: list[tuple[float, float]]) -> None:
    page.mouse.move(*_to_screen(page, *points[0]))
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(*_to_screen(page, x, y), steps=4)
    page.mouse.up()


def test_edit_a_polygon_then_paint_and_erase_its_mask_live(new_page) -> None:
    project, image, *_ = off_loop(scene)
    pages = {name: _open(new_page, project, image, name) for name in ("alice", "bob")}
    alice, bob = pages["alice"], pages["bob"]
    alice.keyboard.press("p")
    for x, y in ((100, 100), (300, 100), (300, 300), (100, 300), (100, 100)):
        alice.mouse.click(*_to_screen(alice, x, y))
    bob.wait_for_function("() => window.__labeller.shapes().length === 1", timeout=10_000)
    expect(bob.get_by_test_id("shape-item")).to_contain_text("4 pts")  # listed in the panel
    alice.keyboard.press("v")
    alice.mouse.click(*_to_screen(alice, 200, 200))  # select it: its vertices show
    _drag(alice, [(300, 300), (360, 340)])  # drag a vertex
    screenshot(alice, "labeller-polygon-vertex-dragged")
    bob.wait_for_function("() => { const r = window.__labeller.shapes()[0].rings[0];"
                          " return Math.abs(r[2][0] - 360) < 2 && Math.abs(r[2][1] - 340) < 2; }",
                          timeout=10_000)  # fmt: skip
    _drag(alice, [(200, 100), (200, 60)])  # a mid-edge dot: a new vertex
    five = "() => window.__labeller.shapes()[0].rings[0].length === 5"
    bob.wait_for_function(five, timeout=10_000)

    alice.keyboard.press("x")  # to a mask
    bob.wait_for_function("() => window.__labeller.shapes().map((s) => s.kind).join() === 'mask'",
                          timeout=10_000)  # fmt: skip
    converted = _mask_area(bob)
    # the square, the dragged corner, the new tip
    assert 200 * 200 < converted < 200 * 200 + 60 * 240
    alice.keyboard.press("k")
    alice.keyboard.press("]")  # a larger brush: radius 10 -> 13
    _drag(alice, [(450, 450), (600, 450)])  # paint a stroke away from the shape
    bob.wait_for_function("(n) => window.__labeller.shapes()[0].mask && "
                          "window.__labeller.maskArea(window.__labeller.shapes()[0].mask) > n",
                          arg=converted + 150 * 20, timeout=10_000)  # fmt: skip
    screenshot(bob, "labeller-mask-painted-seen-live")
    expect(bob.get_by_test_id("shape-item")).to_contain_text("px")
    painted = _mask_area(bob)
    alice.keyboard.press("e")
    _drag(alice, [(150, 200), (250, 200)])  # erase a band through the square
    bob.wait_for_function("(n) => window.__labeller.maskArea(window.__labeller.shapes()[0].mask) < n",
                          arg=painted - 100 * 20, timeout=10_000)  # fmt: skip
    screenshot(alice, "labeller-mask-erased")
    alice.keyboard.press("Control+z")  # undo the stroke, for both
    bob.wait_for_function("(n) => window.__labeller.maskArea(window.__labeller.shapes()[0].mask) === n",
                          arg=painted, timeout=10_000)  # fmt: skip

    def stored():
        (a,) = Annotation.objects.filter(image=image)
        return a.kind, a.mask["size"], a.x, a.w

    kind, size, x, w = off_loop(in_thread(stored))
    assert (kind, size) == ("mask", [600, 800])
    assert x == pytest.approx(100, abs=1) and x + w == pytest.approx(613, abs=2)
