"""The predict fast path (apps/models/serving/api/fastpath.py) through the project's ASGI
application, against Django's own handler for the same bytes: a good request is answered
without the view, with the view's JSON and headers; every other request gets exactly the
view's answer."""

import asyncio
import json

import pytest
from asgiref.testing import ApplicationCommunicator
from urllib3 import encode_multipart_formdata

from apps.models.models import ServiceToken, Stage
from apps.models.registry.services import model_version_promote
from apps.models.serving.api.fastpath import PredictFastPath
from apps.models.serving.api.predict import ProjectPredictView
from apps.models.serving.services import service_token_create, service_token_revoke
from project.asgi import application, django_asgi_app
from tests.factories.images import image_bytes
from tests.factories.models import make_version

# the fast path's threads have their own database connections: they see committed rows only
pytestmark = pytest.mark.django_db(transaction=True)

RED = image_bytes(50, 40, fmt="JPEG", color=(200, 30, 30))
Answer = tuple[int, dict[bytes, bytes], bytes]


def call(app, path: str, key: str, fields: list, *, chunk: int = 0, rewrite=None) -> Answer:
    """POST a multipart body (in `chunk`-byte messages, as servers pass large bodies on)."""
    body, content_type = encode_multipart_formdata(fields)
    body = rewrite(body) if rewrite else body
    path, _, query = path.partition("?")
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
        "query_string": query.encode(), "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
        "headers": [(b"host", b"testserver"), (b"authorization", f"Token {key}".encode()),
                    (b"content-type", content_type.encode()),
                    (b"content-length", str(len(body)).encode())],
    }  # fmt: skip

    async def run() -> Answer:
        communicator = ApplicationCommunicator(app, scope)
        pieces = [body[i : i + chunk] for i in range(0, len(body), chunk)] if chunk else [body]
        for i, piece in enumerate(pieces):
            more = i < len(pieces) - 1
            await communicator.send_input(
                {"type": "http.request", "body": piece, "more_body": more}
            )
        start = await communicator.receive_output(60)
        content = b""
        while True:
            message = await communicator.receive_output(60)
            content += message.get("body", b"")
            if not message.get("more_body"):
                break
        await communicator.wait(10)  # the application has finished, nothing left running
        return start["status"], dict(start["headers"]), content

    return asyncio.run(run())


def same_answer(fast: Answer, django: Answer) -> None:
    """Same status, headers (but Content-Length) and JSON (but the time it took)."""
    (status, headers, content), (want_status, want_headers, want_content) = fast, django
    assert status == want_status, content

    def comparable(headers: dict[bytes, bytes]) -> dict[bytes, bytes]:
        return {k.lower(): v for k, v in headers.items() if k.lower() != b"content-length"}

    assert comparable(headers) == comparable(want_headers)
    body, want = json.loads(content), json.loads(want_content)
    if status == 200:
        assert body.pop("inference_ms") > 0 and want.pop("inference_ms") > 0
    assert body == want


@pytest.fixture
def served(world):
    version = make_version(world.project, world.users["owner"])
    model_version_promote(version=version, user=world.users["owner"], stage=Stage.PRODUCTION,
                          reason="first")  # fmt: skip
    _, key = service_token_create(project=world.project, user=world.users["owner"], name="shop")
    return version, key


def without_the_view(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("the fast path should have answered this")

    monkeypatch.setattr(ProjectPredictView, "post", refuse)


def test_a_good_request_is_answered_without_the_view(world, served, monkeypatch) -> None:
    version, key = served
    path = f"/api/v1/projects/{world.project.pk}/predict/?top_k=1"
    fields = [("image", ("red.jpg", RED, "image/jpeg")), ("threshold", "0.5")]
    django = call(django_asgi_app, path, key, fields)
    assert django[0] == 200
    without_the_view(monkeypatch)
    fast = call(application, path, key, fields, chunk=333)
    same_answer(fast, django)
    result = json.loads(fast[2])
    assert result["model_version"]["id"] == version.pk and len(result["predictions"]) == 1
    assert isinstance(application.application_mapping["http"], PredictFastPath)
    assert ServiceToken.objects.get(project=world.project).last_used_at is not None


def test_promotion_and_revocation_reach_it_on_the_next_request(world, served, monkeypatch) -> None:
    version, key = served
    path = f"/api/v1/projects/{world.project.pk}/predict/"
    fields = [("image", ("red.jpg", RED, "image/jpeg"))]
    without_the_view(monkeypatch)
    assert json.loads(call(application, path, key, fields)[2])["model_version"]["id"] == version.pk
    newer = make_version(world.project, world.users["owner"], seed=7)
    model_version_promote(version=newer, user=world.users["owner"], stage=Stage.PRODUCTION,
                          reason="better")  # fmt: skip
    assert json.loads(call(application, path, key, fields)[2])["model_version"]["id"] == newer.pk
    monkeypatch.undo()
    service_token_revoke(token=ServiceToken.objects.get(project=world.project))
    status, _, content = call(application, path, key, fields)
    assert status == 401 and "revoked" in json.loads(content)["detail"]


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        ("unknown key", 401, "authentication_failed"),
        ("another project", 404, "not_found"),
        ("no production model", 409, "no_production_model"),
        ("bad option", 400, "min_value"),
        ("corrupt image", 400, "corrupt_image"),
        ("no image", 400, "no_image"),
        ("oversize image", 413, "too_large"),
        ("a body only Django reads", 200, None),
    ],
)
def test_everything_else_gets_the_views_answer(world, served, settings, case, status, code) -> None:
    _, key = served
    project, query = world.project, ""
    fields = [("image", ("red.jpg", RED, "image/jpeg"))]
    if case == "unknown key":
        key = "lfs_" + "x" * 43
    elif case == "another project":  # one with a model in production, the token's is not it
        project = world.other_project
        model_version_promote(version=make_version(project, world.users["outsider"]),
                              user=world.users["outsider"], stage=Stage.PRODUCTION, reason="x")  # fmt: skip
    elif case == "no production model":
        project = world.other_project
        _, key = service_token_create(project=project, user=world.users["outsider"], name="x")
    elif case == "bad option":
        query = "?top_k=0"
    elif case == "corrupt image":
        fields = [("image", ("half.jpg", RED[: len(RED) // 2], "image/jpeg"))]
    elif case == "no image":
        fields = [("top_k", "2")]
    elif case == "oversize image":
        settings.LABELFORGE_MAX_FILE_BYTES = len(RED) - 1
    path = f"/api/v1/projects/{project.pk}/predict/{query}"
    rewrite = None
    if case == "a body only Django reads":  # lower-case part headers: the fast path declines
        rewrite = lambda body: body.replace(b"Content-Disposition", b"content-disposition")  # noqa: E731
    django = call(django_asgi_app, path, key, fields, rewrite=rewrite)
    fast = call(application, path, key, fields, rewrite=rewrite, chunk=1000)
    assert django[0] == status
    if code:
        assert json.loads(django[2])["code"] == code
        if case == "corrupt image":
            assert "half.jpg" in json.loads(django[2])["detail"]
    same_answer(fast, django)
