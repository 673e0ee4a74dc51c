"""The project websocket, driven in-process through the real ASGI application."""

import asyncio

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from rest_framework.authtoken.models import Token

from project.asgi import application


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


async def connect(world, who: str | None, *, via: str = "session") -> WebsocketCommunicator:
    """A communicator for world.project's socket as `who` (None: anonymous), signed in by
    session cookie or by ?token=; call .connect() on it."""
    headers = [(b"origin", b"http://testserver")]
    path = f"/ws/projects/{world.project.pk}/"
    if who and via == "session":
        cookie = await database_sync_to_async(session_cookie)(world.users[who])
        headers.append((b"cookie", cookie.encode()))
    elif who:
        token, _ = await database_sync_to_async(Token.objects.get_or_create)(user=world.users[who])
        path += f"?token={token.key}"
    return WebsocketCommunicator(application, path, headers=headers)


async def receive(communicator: WebsocketCommunicator, timeout: float = 5) -> dict:
    """The next event that is not a presence update."""
    while True:
        event = await communicator.receive_json_from(timeout=timeout)
        if event["type"] != "presence.state":
            return event


async def quiet(communicator: WebsocketCommunicator, timeout: float = 0.5) -> bool:
    """True when nothing but presence updates arrives within `timeout`."""
    while not await communicator.receive_nothing(timeout=timeout):
        if (await communicator.receive_json_from())["type"] != "presence.state":
            return False
    return True


async def ended(communicator: WebsocketCommunicator, timeout: float = 5) -> bool:
    """Tell the app the client has gone (as a server does after a close) and return whether
    it finished within `timeout`; unlike .disconnect(), a stuck app does not hang the test."""
    await communicator.send_input({"type": "websocket.disconnect", "code": 1000})
    done, _ = await asyncio.wait([communicator.future], timeout=timeout)
    return bool(done)
