"""A manager imports a COCO archive from the Import & export tab and watches its job end
with a report, then exports the project and downloads the zip."""

import io
import json
import re
import zipfile

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from apps.annotations.models import Annotation
from apps.projects.services import project_create
from tests.datasets.helpers import jpeg
from tests.helpers.browser import in_thread, login, off_loop, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@in_thread
def empty_project():
    user = get_user_model().objects.create_user("ada", password="pw-pw-pw-pw")
    return project_create(name="Street scenes", user=user)


def coco_zip() -> bytes:
    body = {"images": [{"id": 1, "file_name": "a.jpg"}, {"id": 2, "file_name": "b.jpg"}],
            "categories": [{"id": 3, "name": "car"}, {"id": 7, "name": "bike"}],
            "annotations": [
                {"id": 1, "image_id": 1, "category_id": 3, "bbox": [4, 4, 30, 20]},
                {"id": 2, "image_id": 2, "category_id": 7, "bbox": [50, 30, 40, 40]},
                {"id": 3, "image_id": 2, "category_id": 3, "bbox": [2, 2, 9, 9],
                 "segmentation": [[2, 2, 11, 2, 11, 11]]},  # comes in as a polygon
                {"id": 4, "image_id": 1, "category_id": 99, "bbox": [1, 1, 2, 2]}]}  # fmt: skip
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("annotations/instances_val.json", json.dumps(body))
        zf.writestr("images/a.jpg", jpeg(64, 48, (200, 40, 40)))
        zf.writestr("images/b.jpg", jpeg(64, 48, (40, 40, 200)))
    return buf.getvalue()


def test_import_a_coco_archive_then_export_it(page: Page, tmp_path) -> None:
    project = off_loop(empty_project)
    archive = tmp_path / "street.zip"
    archive.write_bytes(coco_zip())
    login(page, "ada", "pw-pw-pw-pw")
    page.goto(f"/projects/{project.pk}/#datasets")
    page.get_by_test_id("import-file").set_input_files(str(archive))
    page.get_by_test_id("import-start").click()
    job = page.get_by_test_id("dataset-job").first
    expect(job).to_have_attribute("data-status", "succeeded", timeout=60_000)
    report = job.get_by_test_id("dataset-job-report")
    expect(report).to_contain_text(
        "COCO · 2 images created · 3 annotations · 1 boxes clipped · 1 skipped"
    )
    job.locator("details summary").click()
    expect(job.locator(".job-errors")).to_contain_text("category id 99")
    assert (
        off_loop(in_thread(lambda: Annotation.objects.filter(image__project=project).count())) == 3
    )
    screenshot(page, "datasets-import-done")

    page.get_by_test_id("export-format").select_option("yolo")
    page.get_by_test_id("export-start").click()
    download = page.get_by_test_id("export-download")
    expect(download).to_be_visible(timeout=60_000)
    screenshot(page, "datasets-export-done")
    with page.expect_download() as info:
        download.click()
    with zipfile.ZipFile(info.value.path()) as zf:
        names = set(zf.namelist())
    assert {"data.yaml", "images/val/a.jpg", "labels/val/b.txt"} <= names


def test_import_frames_from_a_video(page: Page, tmp_path) -> None:
    from tests.datasets.test_video import make_video

    project = off_loop(empty_project)
    clip = tmp_path / "drive.mp4"
    clip.write_bytes(make_video())
    login(page, "ada", "pw-pw-pw-pw")
    page.goto(f"/projects/{project.pk}/#datasets")
    expect(page.get_by_test_id("video-options")).to_be_hidden()
    page.get_by_test_id("import-file").set_input_files(str(clip))
    expect(page.get_by_test_id("video-options")).to_be_visible()
    page.get_by_test_id("video-rate").fill("2")
    page.get_by_test_id("video-dedupe").fill("10")
    screenshot(page, "datasets-video-options")
    page.get_by_test_id("import-start").click()
    job = page.get_by_test_id("dataset-job").first
    expect(job).to_have_attribute("data-status", "succeeded", timeout=60_000)
    expect(job.get_by_test_id("dataset-job-report")).to_contain_text(
        "VIDEO · 4 images created · 0 annotations · 36 frames left out"
    )
    screenshot(page, "datasets-video-done")
    page.goto(f"/projects/{project.pk}/")
    expect(page.get_by_test_id("image-tile")).to_have_count(4, timeout=30_000)
    screenshot(page, "datasets-video-frames")

    # the grid filters by the video and a time range, and each tile shows its frame's time
    page.get_by_label("Filter by video").select_option("drive.mp4")
    expect(page.get_by_test_id("image-tile")).to_have_count(4)
    expect(page.get_by_test_id("frame-time")).to_have_text(["▶ 0:00.0", "▶ 0:01.0", "▶ 0:02.0",
                                                           "▶ 0:03.0"])  # fmt: skip
    page.get_by_label("from s (seconds into the video)").fill("0.5")
    page.get_by_label("to s (seconds into the video)").fill("2.5")
    page.get_by_label("to s (seconds into the video)").press("Enter")
    expect(page.get_by_test_id("image-tile")).to_have_count(2)
    expect(page).to_have_url(re.compile(r"video=drive\.mp4&frame_from=0\.5&frame_to=2\.5"))
    screenshot(page, "images-video-filter")
    page.reload()  # the URL keeps the filter
    expect(page.get_by_test_id("image-tile")).to_have_count(2)
    expect(page.get_by_label("from s (seconds into the video)")).to_have_value("0.5")
