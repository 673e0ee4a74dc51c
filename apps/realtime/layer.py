"""The channel layer: channels-redis's, with a receive() that ends when it is cancelled.

On Python 3.11 `asyncio.wait_for` swallows a cancellation that arrives just as the awaited
call finishes (CPython gh-86296, fixed in 3.12). redis-py wraps every command's socket write
in `wait_for`, so a consumer stopped at that instant (a refused socket stops within
milliseconds of starting its receive) left the receive looping on BZPOPMIN forever: one
leaked task and Redis connection per occurrence, and a server or test loop that never shut
down. Here the receive runs as its own task, cancelled again until it has ended."""

import asyncio
from typing import Any

from channels_redis.core import RedisChannelLayer as _RedisChannelLayer

RECANCEL_SECONDS = 0.1


class RedisChannelLayer(_RedisChannelLayer):
    async def receive(self, channel: str) -> dict[str, Any]:
        task = asyncio.ensure_future(super().receive(channel))
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            while not task.done():
                task.cancel()
                await asyncio.wait([task], timeout=RECANCEL_SECONDS)
            raise
