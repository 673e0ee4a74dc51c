import re

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient


@pytest.mark.django_db
def test_token_for_valid_credentials_authenticates_api_calls() -> None:
    get_user_model().objects.create_user("ada", password="s3cret-pass")
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/", {"username": "ada", "password": "s3cret-pass"}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/projects/").status_code == 200


@pytest.mark.django_db
def test_token_refused_for_wrong_password_with_json_error() -> None:
    get_user_model().objects.create_user("ada", password="s3cret-pass")
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "ada", "password": "nope"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "authorization" and "credentials" in body["detail"]


@pytest.mark.django_db
def test_bad_token_is_401() -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token deadbeef")
    response = client.get("/api/v1/projects/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


@pytest.mark.django_db
def test_browser_login_then_pages_and_csrf_enforced(client) -> None:
    get_user_model().objects.create_user("ada", password="s3cret-pass")
    assert client.get("/").status_code == 302  # login required
    login = client.post("/accounts/login/", {"username": "ada", "password": "s3cret-pass"})
    assert login.status_code == 302
    assert client.get("/").status_code == 200
    csrf_client = APIClient(enforce_csrf_checks=True)
    csrf_client.login(username="ada", password="s3cret-pass")
    refused = csrf_client.post("/api/v1/projects/", {"name": "x"}, format="json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]


@pytest.mark.django_db
def test_openapi_schema_and_docs(client) -> None:
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    for path in ("/api/v1/projects/{project_id}/images/", "/api/v1/annotations/{annotation_id}/"):
        assert path in text
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["/api/docs/", "/api/redoc/"])
def test_api_docs_load_every_asset_from_this_server(client, page) -> None:
    """Offline, a CDN link is a blank page: every script and stylesheet is ours and served."""
    html = client.get(page).content.decode()
    assets = re.findall(r"""(?:src|href)=["']([^"']+\.(?:js|css|png))["']""", html)
    assert any(a.endswith(".js") for a in assets), html
    for asset in assets:
        assert asset.startswith("/static/"), f"{page} loads {asset} from elsewhere"
        response = client.get(asset)
        assert response.status_code == 200, asset
