"""A manager starts a tiny run from the project page and watches the loss chart move live."""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Page, expect

from apps.annotations.services import upload_with_tags
from apps.images.models import Image
from apps.models.models import TrainingRun
from apps.projects.services import label_create, project_create
from tests.helpers.browser import in_thread, login, off_loop, screenshot
from tests.helpers.training import noisy_png

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@in_thread
def colours_project():
    user = get_user_model().objects.create_user("mia", password="pw-pw-pw-pw")
    project = project_create(name="Colours", user=user)
    for name, color in (("red", (200, 40, 40)), ("blue", (40, 60, 200))):
        label = label_create(project=project, name=name)
        files = [SimpleUploadedFile(f"{name}{i}.png", noisy_png(color, i)) for i in range(16)]
        upload_with_tags(project=project, user=user, files=files, label=label)
    ids = list(Image.objects.filter(project=project).order_by("id").values_list("id", flat=True))
    Image.objects.filter(pk__in=ids[::4]).update(split="val")
    Image.objects.filter(project=project, split="unassigned").update(split="train")
    return project


def test_start_a_run_and_watch_the_chart_update(page: Page) -> None:
    project = off_loop(colours_project)

    login(page, "mia", "pw-pw-pw-pw")
    page.goto(f"/projects/{project.pk}/#training")
    form = page.locator("[data-testid=new-run-form]")
    form.locator("select[name=task]").select_option("classify")
    form.locator("select[name=architecture]").select_option("resnet20")
    for name, value in (("epochs", "40"), ("batch_size", "8"), ("image_size", "32")):
        form.locator(f"input[name={name}]").fill(value)
    form.locator("details.advanced summary").click()
    expect(form.locator("input[name=num_workers]")).to_have_value("-1")  # from the host
    # (the live stack's worker registered before this test flushed Redis: it is not listed)
    expect(form.get_by_test_id("workers-online")).to_contain_text("training worker")
    expect(form.get_by_test_id("run-worker")).to_have_value("")  # any worker
    expect(form.locator("input[name=gpus]")).to_have_value("1")  # one process unless asked
    screenshot(page, "training-new-run-form")
    form.get_by_role("button", name="Start training").click()
    page.wait_for_url(f"**/projects/{project.pk}/runs/*/")
    run = TrainingRun.objects.get(project=project)
    assert run.params["epochs"] == 40 and run.params["batch_size"] == 8

    chart = page.locator("[data-testid=chart-train-loss]")
    status = page.locator("[data-testid=run-status]")
    expect(status).to_have_attribute("data-status", "running", timeout=60_000)
    page.wait_for_function(
        "() => Number(document.querySelector('[data-testid=chart-train-loss]').dataset.points) > 5",
        timeout=60_000,
    )
    first = int(chart.get_attribute("data-points"))
    screenshot(page, "training-run-live")
    # the chart keeps moving while the run trains, with no reload
    page.wait_for_function(
        f"() => Number(document.querySelector('[data-testid=chart-train-loss]').dataset.points) > {first}",
        timeout=60_000,
    )
    expect(status).to_have_attribute("data-status", "succeeded", timeout=300_000)
    expect(chart).to_have_attribute("data-points", str(run.params["epochs"] * 3), timeout=10_000)
    run.refresh_from_db()
    assert run.status == "succeeded" and run.step == 120
    screenshot(page, "training-run-done")
