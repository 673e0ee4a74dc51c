"""Log in, create a project, upload a folder-per-class zip, see the thumbnails."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from apps.annotations.models import Annotation
from apps.images.models import Image
from apps.projects.models import Project
from tests.factories.images import image_bytes, zip_bytes
from tests.helpers.browser import login, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_login_create_project_upload_zip_and_see_thumbnails(page, tmp_path) -> None:
    get_user_model().objects.create_user("maria", password="correct-horse")
    login(page, "maria", "correct-horse")

    page.fill("[name=name]", "Garden birds")
    page.fill("[name=description]", "Spring survey")
    page.get_by_role("button", name="Create project").click()
    page.wait_for_url(re.compile(r"/projects/\d+/$"))
    project = Project.objects.get(name="Garden birds")

    colours = [
        (200, 30, 30),
        (30, 160, 60),
        (40, 60, 200),
        (220, 180, 20),
        (120, 40, 160),
        (20, 170, 170),
    ]
    entries = {
        f"birds/{cls}/{i}.jpg": image_bytes(320, 240, fmt="JPEG", color=colours[n])
        for n, (cls, i) in enumerate(
            [("robin", 1), ("robin", 2), ("wren", 3), ("wren", 4), ("jay", 5), ("jay", 6)]
        )
    }
    archive = tmp_path / "birds.zip"
    archive.write_bytes(zip_bytes(entries))

    page.get_by_role("tab", name="Upload").click()
    page.set_input_files("input[type=file][data-testid=upload-input]", str(archive))
    page.click("[data-testid=upload-start]")
    result = page.locator("[data-testid=upload-result]")
    expect(result).to_have_attribute("data-state", "done", timeout=30_000)
    expect(result).to_contain_text("6 images created")
    for label in ("robin", "wren", "jay"):
        expect(result).to_contain_text(label)
    screenshot(page, "upload-flow-result")
    progress = page.locator("[data-testid=upload-progress]")
    value = progress.get_attribute("value") or progress.get_attribute("aria-valuenow")
    maximum = progress.get_attribute("max") or progress.get_attribute("aria-valuemax") or "100"
    assert value is not None and float(value) == pytest.approx(float(maximum))

    page.get_by_role("tab", name="Images").click()
    tiles = page.locator("[data-testid=image-grid] [data-testid=image-tile]")
    expect(tiles).to_have_count(6, timeout=20_000)
    # thumbnails come from the RQ worker; the page swaps them in without a reload
    expect(page.locator("[data-testid=image-tile] img")).to_have_count(6, timeout=30_000)
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=image-tile] img')].every(i => i.complete && i.naturalWidth > 0)",
        timeout=15_000,
    )
    shot = screenshot(page, "upload-flow-thumbnails")
    assert shot.stat().st_size > 10_000

    assert Image.objects.filter(project=project).exclude(thumbnail="").count() == 6
    tags = Annotation.objects.filter(image__project=project, kind="tag").values_list(
        "label__name", flat=True
    )
    assert sorted(tags) == ["jay", "jay", "robin", "robin", "wren", "wren"]
    assert sorted(project.labels.values_list("name", flat=True)) == ["jay", "robin", "wren"]


def test_wrong_password_shows_error(page) -> None:
    get_user_model().objects.create_user("maria", password="correct-horse")
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "maria")
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]")
    expect(page.get_by_role("alert")).to_contain_text("Wrong username or password")
