"""The Content Security Policy in real Chromium: the pages that test_pages_clean does not visit
(ReDoc, the admin) run under it with no violation (the watch fails a test on any console
error, and a CSP violation is one), and a violation does show, so a clean page means
something."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from tests.helpers.browser import PageWatch, in_thread, off_loop, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "pw-pw-pw-pw"


def assert_policy(response, docs: bool = False) -> None:
    assert response is not None and response.ok
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self';" in policy, policy
    assert ("'unsafe-inline'" in policy) == docs, policy  # app pages: no inline style at all
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"


def test_a_violation_shows_as_a_console_error(page: Page, page_watch: PageWatch) -> None:
    assert_policy(page.goto("/accounts/login/"))
    page.evaluate("""() => { const s = document.createElement('script');
        s.textContent = 'window.__ran = true'; document.body.append(s); }""")
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.__ran === undefined")
    problems, page_watch.problems[:] = list(page_watch.problems), []
    assert any("Content Security Policy" in p for p in problems), problems


def test_swagger_ui_runs_under_the_docs_policy(page: Page, page_watch: PageWatch) -> None:
    assert_policy(page.goto("/api/docs/"), docs=True)
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Labelforge API")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=30_000)
    page.locator(".swagger-ui .opblock-summary").first.click()
    page.wait_for_load_state("networkidle")
    screenshot(page, "csp-api-docs")
    page_watch.check("/api/docs/")


# ReDoc 2 always shows a logo from its CDN; the policy blocks it (and ReDoc then hides it)
@pytest.mark.allowed_failures(r"https://cdn\.redoc\.ly/redoc/logo-mini\.svg")
def test_redoc_runs_under_the_docs_policy(page: Page, page_watch: PageWatch) -> None:
    assert_policy(page.goto("/api/redoc/"), docs=True)
    expect(page.locator("redoc h1").first).to_contain_text("Labelforge API", timeout=30_000)
    expect(page.locator("[role=search] input, .search-input").first).to_be_visible()
    page.locator("[role=search] input, .search-input").first.fill("projects")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)
    screenshot(page, "csp-api-redoc")
    page_watch.check("/api/redoc/")


@in_thread
def make_staff() -> None:
    get_user_model().objects.create_superuser("root", password=PASSWORD)


# the admin's pages name no icon, so Chromium may ask for /favicon.ico (there is none)
@pytest.mark.allowed_failures(r"/favicon\.ico\]$")
def test_admin_runs_under_the_site_policy(page: Page, page_watch: PageWatch) -> None:
    off_loop(make_staff)
    assert_policy(page.goto("/admin/login/"))
    page.fill("input[name=username]", "root")
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#site-name")).to_be_visible()
    for path in ("/admin/", "/admin/auth/user/", "/admin/auth/user/add/"):
        assert_policy(page.goto(path))
        page.wait_for_load_state("networkidle")
        page_watch.check(path)
    screenshot(page, "csp-admin")
