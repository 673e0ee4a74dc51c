"""`/ws/projects/{id}/`: one group per project; services broadcast typed events after commit."""

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from apps.core.realtime import project_group
from apps.projects.selectors import role_for_user

CLOSE_FORBIDDEN = 4403


class ProjectConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        self.project_id = int(self.scope["url_route"]["kwargs"]["project_id"])
        user = self.scope.get("user")
        role = await database_sync_to_async(role_for_user)(project_id=self.project_id, user=user)
        if role is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.group = project_group(self.project_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json(
            {"type": "hello", "payload": {"user": user.username, "role": role.label}}
        )

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong", "payload": content.get("payload")})

    async def project_event(self, message: dict[str, Any]) -> None:
        await self.send_json(message["event"])
