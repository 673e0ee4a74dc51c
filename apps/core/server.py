"""The one command line that serves the ASGI app (HTTP and websockets): runstack, the
browser tests and the benchmarks all start exactly this. uvicorn with uvloop/httptools: on
the predict endpoint it answers ~3 ms sooner than daphne (bench/predict_latency.py)."""

import sys


def web_server_command(host: str, port: int) -> list[str]:
    return [
        sys.executable, "-m", "uvicorn", "project.asgi:application", "--host", host,
        "--port", str(port), "--lifespan", "off", "--no-access-log", "--log-level", "warning",
        # a websocket task stuck in the channel layer's receive must not hold a stop forever
        "--timeout-graceful-shutdown", "5",
    ]  # fmt: skip
