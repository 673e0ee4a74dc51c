"""`/ws/projects/{id}/`: one group per project; services broadcast typed events after commit.
Clients report which image they are on (`presence.update`, also as a heartbeat) and everyone
gets the project's `presence.state`."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from redis.exceptions import RedisError

from apps.core.broadcast import project_group
from apps.projects.selectors import role_for_user
from apps.realtime.presence import presence_list, presence_remove, presence_set

T = TypeVar("T")
CLOSE_FORBIDDEN = 4403
JOIN_TIMEOUT = 5.0
logger = logging.getLogger(__name__)


def _redis(fn: Callable[..., T]) -> Callable[..., Awaitable[T]]:
    """Presence is Redis only (a thread-safe client): in the thread pool, not queued on the
    one thread that thread-sensitive calls outside a request share."""
    return sync_to_async(fn, thread_sensitive=False)


class ProjectConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        self.project_id = int(self.scope["url_route"]["kwargs"]["project_id"])
        self.user = self.scope.get("user")
        role = await database_sync_to_async(role_for_user)(
            project_id=self.project_id, user=self.user
        )
        if role is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.group = project_group(self.project_id)
        try:  # Redis restarting: refuse at once (the page retries) rather than hang or 500
            async with asyncio.timeout(JOIN_TIMEOUT):
                await self.channel_layer.group_add(self.group, self.channel_name)
        except (RedisError, OSError, TimeoutError) as exc:
            logger.warning("socket refused, the channel layer did not answer: %r", exc)
            del self.group
            await self.close()
            return
        await self.accept()
        await self.send_json(
            {"type": "hello", "payload": {"user": self.user.username, "role": role.label}}
        )
        await self._set_presence(None)

    async def disconnect(self, code: int) -> None:
        if not hasattr(self, "group"):
            return
        await self.channel_layer.group_discard(self.group, self.channel_name)
        await _redis(presence_remove)(project_id=self.project_id, channel=self.channel_name)
        await self._broadcast_presence()

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            return
        kind, payload = content.get("type"), content.get("payload")
        if kind == "ping":
            await self.send_json({"type": "pong", "payload": payload})
        elif kind == "presence.update" and isinstance(payload, dict):
            image = payload.get("image")
            await self._set_presence(image if isinstance(image, int) else None)

    async def _set_presence(self, image: int | None) -> None:
        await _redis(presence_set)(
            project_id=self.project_id,
            channel=self.channel_name,
            user=self.user.username,
            image=image,
        )
        await self._broadcast_presence()

    async def _broadcast_presence(self) -> None:
        users = await _redis(presence_list)(project_id=self.project_id)
        await self.channel_layer.group_send(
            self.group,
            {
                "type": "project.event",
                "event": {"type": "presence.state", "payload": {"users": users}},
            },
        )

    async def project_event(self, message: dict[str, Any]) -> None:
        if message.get("user_id", self.user.pk) == self.user.pk:  # else one for someone else
            await self.send_json(message["event"])

    async def project_revoke(self, message: dict[str, Any]) -> None:
        if message["user_id"] == self.user.pk and not self.user.is_staff:
            await self.close(code=CLOSE_FORBIDDEN)
