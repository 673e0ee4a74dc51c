"""A quiet project websocket stays open: the real uvicorn server, the real Redis channel layer
and a real websocket client, held for longer than every timeout in the path (redis-py's socket
timeout, channels-redis's 5 s blocking read, uvicorn's 20 s pings, presence's 60 s TTL)."""

import asyncio
import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import websockets
from asgiref.sync import sync_to_async
from rest_framework.authtoken.models import Token

from apps.annotations.services import annotation_create
from apps.core.server import web_server_command
from tests.helpers.processes import free_port, subprocess_env, wait_until_healthy

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

ROOT = Path(__file__).resolve().parents[2]
QUIET_SECONDS = 65


@pytest.fixture
def live_web(tmp_path, settings) -> Iterator[str]:
    settings.MEDIA_ROOT = tmp_path / "media"
    port = free_port()
    log = open(tmp_path / "web.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        web_server_command("127.0.0.1", port),
        cwd=ROOT,
        env=subprocess_env(settings.MEDIA_ROOT),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    wait_until_healthy(f"http://127.0.0.1:{port}", proc, tmp_path / "web.log")
    yield f"127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)
    log.close()
    server_log = (tmp_path / "web.log").read_text()
    assert "Traceback" not in server_log, server_log


async def test_a_quiet_socket_stays_open_and_still_gets_events(world, make_images, live_web):
    image = (await sync_to_async(make_images)(1))[0]
    token, _ = await sync_to_async(Token.objects.get_or_create)(user=world.users["annotator"])
    url = f"ws://{live_web}/ws/projects/{world.project.pk}/?token={token.key}"
    async with websockets.connect(url, origin="http://127.0.0.1", open_timeout=10) as ws:
        hello = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert hello["type"] == "hello"
        started = time.monotonic()
        # Nothing is sent either way for over a minute; only presence may arrive.
        while (left := QUIET_SECONDS - (time.monotonic() - started)) > 0:
            try:
                event = json.loads(await asyncio.wait_for(ws.recv(), left))
            except TimeoutError:
                break
            assert event["type"] == "presence.state", event
        assert ws.close_code is None, f"closed with {ws.close_code} {ws.close_reason}"

        await sync_to_async(annotation_create)(
            image=image, user=world.users["owner"], kind="tag", label_id=world.labels[0].pk
        )
        while True:
            event = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if event["type"] != "presence.state":
                break
        assert event["type"] == "annotation.created"
        assert event["payload"]["image"] == image.pk
