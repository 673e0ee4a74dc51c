"""The published OpenAPI contract: generated with no warning, every error documented, lists
as their envelope; URLs no route matches and server errors answer JSON under /api/."""

import json

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.test import Client, RequestFactory

from apps.core.views import server_error


@pytest.fixture(scope="module")
def schema(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("schema") / "schema.json"
    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json",
                 "--file", str(out))  # fmt: skip
    return json.loads(out.read_text())


def test_every_operation_documents_the_errors_it_can_answer(schema) -> None:
    operations = [(path, method, op) for path, ops in schema["paths"].items()
                  for method, op in ops.items()]  # fmt: skip
    assert len(operations) > 60
    for path, method, op in operations:
        responses = op["responses"]
        assert {"401", "403"} <= set(responses), (method, path)
        if "{" in path:
            assert "404" in responses, (method, path)
        if "requestBody" in op:
            assert {"400", "413", "415"} <= set(responses), (method, path)
        error = responses["401"]["content"]["application/json"]["schema"]
        assert error == {"$ref": "#/components/schemas/Error"}


def test_lists_are_documented_as_the_envelope_they_answer(schema) -> None:
    page = schema["paths"]["/api/v1/projects/"]["get"]["responses"]["200"]["content"]
    ref = page["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    component = schema["components"]["schemas"][ref]
    assert ref == "ProjectPage" and set(component["required"]) == {"results", "next"}
    assert component["properties"]["next"]["nullable"] is True


@pytest.mark.django_db
def test_unrouted_api_urls_and_list_bodies_get_json_4xx(world) -> None:
    response = Client().get("/api/v1/images/not-a-number/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert Client().get("/no-such-page/")["Content-Type"].startswith("text/html")
    token = world.client("anonymous").post("/api/v1/auth/token/", [None, None], format="json")
    assert token.status_code == 400, token.content


def test_a_database_outage_is_a_503_with_retry_after() -> None:
    request = RequestFactory().get("/api/v1/projects/")
    try:
        raise OperationalError("connection refused")
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert json.loads(response.content)["code"] == "unavailable"
    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(RequestFactory().get("/api/v1/projects/"))
    assert response.status_code == 500 and json.loads(response.content)["code"] == "server_error"
