"""The one command line that serves the ASGI app (HTTP and websockets): runstack, the
browser tests and the benchmarks all start exactly this. uvicorn with uvloop/httptools: on
the predict endpoint it answers ~3 ms sooner than daphne (bench/predict_latency.py).

Several worker processes (LABELFORGE_WEB_WORKERS) share the port: one process runs Python on
one core at a time, so a slow request slows only its own process's requests. Everything the
processes share lives in PostgreSQL and Redis (sessions, presence, the channel layer, cache
generations), so any process can answer any request or websocket."""

import sys

from django.conf import settings


def web_server_command(host: str, port: int, workers: int | None = None) -> list[str]:
    workers = workers or settings.LABELFORGE_WEB_WORKERS
    return [
        sys.executable, "-m", "uvicorn", "project.asgi:application", "--host", host,
        "--port", str(port), "--lifespan", "off", "--no-access-log", "--log-level", "warning",
        # a backstop: no websocket task may hold a stop forever (one that ignored its
        # cancellation in the channel layer's receive did; apps/realtime/layer.py fixes that)
        "--timeout-graceful-shutdown", "5",
        *(["--workers", str(workers)] if workers > 1 else []),
    ]  # fmt: skip
