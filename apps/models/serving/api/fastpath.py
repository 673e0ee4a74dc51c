"""The predict endpoint's fast path, in front of Django: POST /api/v1/projects/{id}/predict/
with a service token and a multipart body.

That call is what production clients make in a loop, and on a ResNet-18 Django's handling
of it (its ASGI handler's thread hops, the middleware chain, DRF's request and response)
cost ~5 ms of a ~25 ms answer (bench/predict_latency.py). Here such a request is read on the
event loop and answered from one pooled thread with the same parts the view uses: the
service-token cache, the production-model cache, predict_options, inference.predict, DRF's
JSON renderer and the site's security headers.

Only the answer to a good request comes from here. Anything else, and any error on the way
(a bad or revoked token, another project's id, no model in production, a bad option, a bad
image, the database down), goes to Django with the body already read, so every error and
its JSON envelope has one source: the view (apps/models/serving/api/predict.py)."""

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import close_old_connections
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict
from django.utils.http import parse_header_parameters
from rest_framework.renderers import JSONRenderer

from apps.core import csp
from apps.core.gencache import generations
from apps.models.caches import production_cache, token_cache
from apps.models.serving import inference
from apps.models.serving.api.predict import predict_files, predict_options
from apps.models.serving.auth import service_token_for_key
from apps.models.serving.services import PREFIX

log = logging.getLogger(__name__)
PATH = re.compile(r"/api/v1/projects/(\d+)/predict/")
Scope = dict[str, Any]
Message = dict[str, Any]


def response_headers() -> list[tuple[bytes, bytes]]:
    """What the view's 200 carries (DRF's, then the middleware's security headers), less
    Content-Length."""
    headers = {
        "Content-Type": "application/json",
        "Allow": "POST, OPTIONS",
        "X-Frame-Options": settings.X_FRAME_OPTIONS,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": settings.SECURE_REFERRER_POLICY,
        "Cross-Origin-Opener-Policy": settings.SECURE_CROSS_ORIGIN_OPENER_POLICY,
        csp.HEADER: csp.render(settings.LABELFORGE_CSP),
    }
    return [(k.encode(), v.encode()) for k, v in headers.items()]


def _service_key(headers: dict[bytes, bytes]) -> str | None:
    parts = headers.get(b"authorization", b"").split()
    if len(parts) != 2 or parts[0].lower() != b"token" or not parts[1].startswith(PREFIX.encode()):
        return None
    return parts[1].decode("ascii", errors="replace")


def _eligible(scope: Scope) -> tuple[int, str, str, str] | None:
    """(project id, service key, content type, query) for a request this path may answer."""
    match = PATH.fullmatch(scope["path"]) if scope["method"] == "POST" else None
    if match is None:
        return None
    headers = dict(scope["headers"])
    key = _service_key(headers)
    content_type = headers.get(b"content-type", b"").decode("latin-1")
    try:
        length = int(headers.get(b"content-length", b""))
    except ValueError:
        return None
    if key is None or not content_type.startswith("multipart/form-data"):
        return None
    if not 0 < length <= settings.LABELFORGE_MAX_UPLOAD_BYTES or b"transfer-encoding" in headers:
        return None  # Django refuses it (413) or reads it
    query = scope.get("query_string", b"")
    if not query.isascii():
        return None
    return int(match[1]), key, content_type, query.decode()


PLAIN_NAME = re.compile(r"[\w][\w .()+-]{0,199}")
MAX_PARTS, MAX_FIELD_BYTES = 64, 1024  # options are short; Django reads the rest


def plain_form(content_type: str, body: bytes) -> tuple[QueryDict, MultiValueDict] | None:
    """A multipart/form-data body of plain parts (a form-data Content-Disposition with a
    plain name and file name, maybe a Content-Type, nothing else) read as Django's parser
    reads it; None for anything else, which Django's parser then reads (~0.35 ms a call)."""
    mime, params = parse_header_parameters(content_type)
    boundary = params.get("boundary", "")
    if mime != "multipart/form-data" or not 0 < len(boundary) <= 70 or not boundary.isascii():
        return None
    delimiter = b"\r\n--" + boundary.encode()
    end = body.rfind(delimiter + b"--")
    if (
        not (b"\r\n" + body).startswith(delimiter + b"\r\n")
        or end < 0
        or body[end + len(delimiter) + 2 :] not in (b"", b"\r\n")
    ):
        return None
    parts = (b"\r\n" + body[:end]).split(delimiter)[1:]
    if len(parts) > MAX_PARTS or body.count(delimiter[2:]) != len(parts) + 1:
        return None  # the boundary also elsewhere (after a bare LF, say): Django's to read
    fields, files = QueryDict(mutable=True), MultiValueDict()
    for part in parts:
        head, found, content = part.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        if not found or lines[0] != b"" or len(lines) > 3:
            return None
        headers = dict(line.partition(b": ")[::2] for line in lines[1:])
        disposition = headers.pop(b"Content-Disposition", b"")
        headers.pop(b"Content-Type", None)
        try:
            kind, params = parse_header_parameters(disposition.decode())
        except UnicodeDecodeError:
            return None
        name, file_name = params.get("name", ""), params.get("filename")
        if headers or kind != "form-data" or not PLAIN_NAME.fullmatch(name):
            return None
        if file_name is None:
            if len(content) > MAX_FIELD_BYTES:
                return None
            try:
                fields.appendlist(name, content.decode())
            except UnicodeDecodeError:
                return None
        elif PLAIN_NAME.fullmatch(file_name) and file_name == file_name.strip():
            files.appendlist(name, SimpleUploadedFile(file_name, content))
        else:
            return None
    return fields, files


def answer(project_id: int, key: str, content_type: str, query: str, body: bytes) -> bytes | None:
    """The 200's JSON body, or None: Django answers this request."""
    try:
        token_generation, production_generation = generations(
            (token_cache, "all"), (production_cache, project_id)
        )  # one Redis round trip for both caches
        token = service_token_for_key(key, token_generation)
        if token is None or token.project_id != project_id:
            return None
        form = plain_form(content_type, body)
        if form is None:
            return None
        fields, files = form
        options = predict_options(QueryDict(query), fields)
        version = inference.production_version(
            project_id=project_id, task=options.get("task"), generation=production_generation
        )
        inputs = inference.decode_inputs(files=predict_files(files), encoded=[])
        result = inference.predict(version=version, inputs=inputs, top_k=options["top_k"],
                                   threshold=options["threshold"], rle=options["rle"])  # fmt: skip
        return JSONRenderer().render(result)
    except Exception as exc:
        log.debug("predict fast path: Django answers (%r)", exc)
        return None
    finally:
        close_old_connections()  # as after any request: the connection goes back to the pool


class PredictFastPath:
    """ASGI: eligible predict requests answered here, every other HTTP request by `app`."""

    def __init__(self, app: Any, *, threads: int) -> None:
        self.app = app
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="predict")
        self.headers = response_headers()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        eligible = _eligible(scope)
        if eligible is None:
            return await self.app(scope, receive, send)
        chunks, more = [], True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        loop = asyncio.get_running_loop()
        content = await loop.run_in_executor(self.pool, answer, *eligible, body)
        if content is None:
            return await self.app(scope, _replay(body, receive), send)
        length = (b"content-length", str(len(content)).encode())
        await send(
            {"type": "http.response.start", "status": 200, "headers": [*self.headers, length]}
        )
        await send({"type": "http.response.body", "body": content})


def _replay(body: bytes, receive: Any) -> Callable[[], Awaitable[Message]]:
    """A receive() that gives the body already read, then the connection's own messages."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
