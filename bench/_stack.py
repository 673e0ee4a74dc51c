"""Shared by the browser benchmarks: Django set-up, a live web server (apps/core/server.py) on a free port, and
Chromium. Run benchmarks with DATABASE_URL/REDIS_URL pointing at PostgreSQL and Redis
(`eval "$(scripts/services.sh start)"` gives both)."""

import contextlib
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings.local")
os.environ.setdefault("DEBUG", "false")

import django  # noqa: E402

django.setup()

from apps.core.server import web_server_command  # noqa: E402

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip


@contextlib.contextmanager
def live_server() -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        web_server_command("127.0.0.1", port),
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def login(page, url: str, username: str, password: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


PASSWORD = "bench-pass"


def bench_user(username: str):
    """A staff user the browser benches log in as (password PASSWORD)."""
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(username=username, defaults={"is_staff": True})
    user.set_password(PASSWORD)
    user.save()
    return user


def report_fps(name: str, result: dict) -> float:
    """A scripted animation's {frames, ms, stamps} as fps and frame-interval percentiles."""
    fps = result["frames"] / (result["ms"] / 1000)
    intervals = [b - a for a, b in zip(result["stamps"], result["stamps"][1:], strict=False)]
    p50, p95 = percentiles(intervals)
    print(f"{name:44s} {fps:7.1f} fps   frame interval p50 {p50:5.1f} ms  p95 {p95:5.1f} ms")
    return fps
