"""Who is connected to a project and which image they look at: one Redis hash per project,
one field per websocket connection. Entries not refreshed within PRESENCE_TTL are dropped,
so a crashed server does not leave ghosts."""

import json
import time
from typing import Any

from apps.core.redis import shared_redis

PRESENCE_TTL = 60.0


def _key(project_id: int) -> str:
    return f"labelforge:presence:{project_id}"


def presence_set(*, project_id: int, channel: str, user: str, image: int | None) -> None:
    conn = shared_redis()
    value = json.dumps({"user": user, "image": image, "ts": time.time()})
    conn.hset(_key(project_id), channel, value)
    conn.expire(_key(project_id), int(PRESENCE_TTL * 2))


def presence_remove(*, project_id: int, channel: str) -> None:
    shared_redis().hdel(_key(project_id), channel)


def presence_list(*, project_id: int) -> list[dict[str, Any]]:
    conn = shared_redis()
    now = time.time()
    users, stale = [], []
    for channel, raw in conn.hgetall(_key(project_id)).items():
        entry = json.loads(raw)
        if now - entry["ts"] > PRESENCE_TTL:
            stale.append(channel)
            continue
        users.append({"user": entry["user"], "image": entry["image"]})
    if stale:
        conn.hdel(_key(project_id), *stale)
    return sorted(users, key=lambda u: (u["user"], u["image"] or 0))
