"""Every response carries the security headers: the site's Content Security Policy (the API
docs their own, still without inline script), nosniff, frame-ancestors 'none' with
X-Frame-Options DENY, and a Referrer-Policy; no page shell needs an inline script or style."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from apps.core.csp import render


def directives(header: str) -> dict[str, list[str]]:
    out = {}
    for part in filter(None, (p.strip() for p in header.split(";"))):
        name, *values = part.split()
        out[name] = values
    return out


@pytest.fixture
def signed_in(db) -> Client:
    user = get_user_model().objects.create_user("ada", password="pw-pw-pw-pw")
    client = Client()
    client.force_login(user)
    return client


def assert_common(response) -> dict[str, list[str]]:
    assert response["X-Content-Type-Options"] == "nosniff"
    if not response.get("Content-Type", "").startswith("text/javascript"):  # static files
        assert response["X-Frame-Options"] == "DENY"  # (a script cannot be framed anyway)
    assert response["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin")
    policy = directives(response["Content-Security-Policy"])
    assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]
    assert policy["script-src"] == ["'self'"], policy  # never inline, never eval
    return policy


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/api/v1/projects/", "/healthz", "/static/build/app.js", "/nope/"]
)
def test_anonymous_responses_carry_the_site_policy(client, settings, path) -> None:
    response = client.get(path)
    policy = assert_common(response)
    assert response["Content-Security-Policy"] == render(settings.LABELFORGE_CSP)
    assert policy["default-src"] == ["'self'"] and policy["style-src"] == ["'self'"]


@pytest.mark.parametrize("path", ["/", "/api/schema/"])
def test_signed_in_pages_carry_the_site_policy(signed_in, settings, path) -> None:
    response = signed_in.get(path)
    assert response.status_code == 200
    assert_common(response)
    assert response["Content-Security-Policy"] == render(settings.LABELFORGE_CSP)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_api_docs_have_their_own_policy_and_no_inline_script(client, settings, path) -> None:
    response = client.get(path)
    assert response.status_code == 200
    policy = assert_common(response)
    assert response["Content-Security-Policy"] == render(settings.LABELFORGE_CSP_API_DOCS)
    assert "'unsafe-inline'" in policy["style-src"]
    html = response.content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all("src=" in attrs and not body.strip() for attrs, body in scripts), html
    assert "fonts.googleapis.com" not in html


@pytest.mark.django_db
def test_the_swagger_setup_script_is_served_from_here(client) -> None:
    html = client.get("/api/docs/").content.decode()
    (script,) = re.findall(r'<script src="(/api/docs/\?[^"]*script[^"]*)"', html)
    response = client.get(script.replace("&amp;", "&"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in response.content


def test_page_shells_need_no_inline_script_or_style(signed_in) -> None:
    """The app's templates (the CSP allows no inline <script> or <style>): a json_script
    block is data, not run."""
    for path in ("/", "/accounts/login/"):
        html = signed_in.get(path).content.decode()
        assert "<style" not in html
        for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S):
            assert "src=" in attrs or 'type="application/json"' in attrs, (path, attrs, body)


@pytest.mark.django_db
def test_only_debug_error_pages_go_without_a_policy(client, settings) -> None:
    """Django's DEBUG error pages are inline styles and scripts; nothing else is exempt."""
    assert "Content-Security-Policy" in client.get("/nope/")
    settings.DEBUG = True
    assert "Content-Security-Policy" not in client.get("/nope/")
    assert "Content-Security-Policy" in client.get("/accounts/login/")
