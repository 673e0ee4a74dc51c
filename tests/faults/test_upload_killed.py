"""A web process SIGKILLed in the middle of an import (a zip upload; imports run in the
request today): no image row of it is stored, the server's supervisor starts a new process,
the same upload then stores every image exactly once, and `sweep_uploads` removes the files
the killed request had written, and only those."""

import io
import json
import signal
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import psutil
import pytest
from django.conf import settings
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from apps.core.server import web_server_command
from apps.images.models import Image
from tests.factories.images import distinct_images, zip_bytes
from tests.helpers.processes import app_processes, free_port, subprocess_env, wait_until_healthy

IMAGES = 200


def _multipart(name: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
            "Content-Type: application/zip\r\n\r\n").encode()  # fmt: skip
    return (
        head + data + f"\r\n--{boundary}--\r\n".encode(),
        f"multipart/form-data; boundary={boundary}",
    )


def _upload(url: str, token: str, archive: bytes) -> tuple[int, dict]:
    body, content_type = _multipart("batch.zip", archive)
    request = urllib.request.Request(url, data=body, headers={
        "Authorization": f"Token {token}", "Content-Type": content_type})  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _stored(media: Path, project_id: int) -> list[Path]:
    folder = media / "projects" / str(project_id) / "images"
    return sorted(folder.glob("*")) if folder.exists() else []


@pytest.mark.django_db(transaction=True)
def test_a_web_process_killed_mid_import_stores_nothing_and_the_rerun_stores_once(
    world, tmp_path
) -> None:
    media = Path(settings.MEDIA_ROOT)
    archive = zip_bytes(
        {f"{i}.png": d for i, d in enumerate(distinct_images(IMAGES, size=(640, 480)))}
    )
    token = Token.objects.get_or_create(user=world.users["manager"])[0].key
    port = free_port()
    commands = {"web": web_server_command("127.0.0.1", port)[1:]}
    with app_processes(commands, subprocess_env(media), tmp_path) as procs:
        base = f"http://127.0.0.1:{port}"
        wait_until_healthy(base, procs["web"], tmp_path / "web.log")
        url = f"{base}/api/v1/projects/{world.project.pk}/images/"
        outcome: list[object] = []

        def first_try() -> None:
            try:
                outcome.append(_upload(url, token, archive))
            except OSError as exc:  # the connection dies with the process
                outcome.append(exc)

        thread = threading.Thread(target=first_try)
        thread.start()
        deadline = time.monotonic() + 60
        while len(_stored(media, world.project.pk)) < 10:  # the import is under way
            assert time.monotonic() < deadline and thread.is_alive(), outcome
            time.sleep(0.02)
        for child in psutil.Process(procs["web"].pid).children(recursive=True):
            child.send_signal(signal.SIGKILL)  # every web process: no goodbye
        thread.join(30)
        assert outcome and isinstance(outcome[0], OSError), outcome
        assert not Image.objects.filter(project=world.project).exists()  # nothing committed
        orphans = _stored(media, world.project.pk)
        assert 10 <= len(orphans) < IMAGES

        wait_until_healthy(base, procs["web"], tmp_path / "web.log")  # the supervisor restarts
        status, body = _upload(url, token, archive)
        assert status == 201, body
        assert len(body["created"]) == IMAGES and not body["duplicates"]
    images = Image.objects.filter(project=world.project)
    assert images.count() == IMAGES
    assert images.values("sha256").distinct().count() == IMAGES  # each once

    out = io.StringIO()
    call_command("sweep_uploads", "--older-than", "0", stdout=out)
    assert f"deleted {len(orphans)} orphaned" in out.getvalue()
    left = _stored(media, world.project.pk)
    assert {p.name for p in left} == {Path(i.file.name).name for i in images}
    assert all(not p.exists() for p in orphans)
