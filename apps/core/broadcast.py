"""Websocket events: services call `broadcast_on_commit`; the event leaves only after commit.
An event that cannot be sent (Redis restarting) is logged and dropped, never an error for a
write that is already committed: open views catch up when their socket reconnects."""

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def project_group(project_id: int) -> str:
    return f"project.{project_id}"


def broadcast(
    group: str, event_type: str, payload: dict[str, Any], *, user_id: int | None = None
) -> None:
    """To everyone in the group, or (`user_id`) to that user's sockets in it only."""
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "project.event", "event": {"type": event_type, "payload": payload}}
    if user_id is not None:
        message["user_id"] = user_id
    try:
        async_to_sync(layer.group_send)(group, message)
    except (RedisError, OSError) as exc:
        logger.warning("event %s to %s not sent (%s): its viewers catch up", event_type,
                       group, exc)  # fmt: skip


def broadcast_on_commit(
    group: str, event_type: str, payload: dict[str, Any], *, user_id: int | None = None
) -> None:
    transaction.on_commit(lambda: broadcast(group, event_type, payload, user_id=user_id))


def revoke_on_commit(group: str, user_id: int) -> None:
    """Close that user's open sockets in the group (their membership ended)."""
    layer = get_channel_layer()
    if layer is not None:
        transaction.on_commit(
            lambda: async_to_sync(layer.group_send)(
                group, {"type": "project.revoke", "user_id": user_id}
            )
        )
