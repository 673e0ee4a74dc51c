"""Browser tests: the real ASGI server (uvicorn) and a real RQ worker run as subprocesses on the
test database; Playwright drives Debian's Chromium."""

import concurrent.futures
import contextlib
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from apps.core.server import web_server_command
from tests.conftest import free_port, subprocess_env

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip


@pytest.fixture(scope="session")
def live_media(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("live-media")


@pytest.fixture(autouse=True)
def _media_root(settings, live_media) -> None:
    """Files stored by the test process must be where the live server reads them."""
    settings.MEDIA_ROOT = live_media


@pytest.fixture(scope="module")
def live_stack(django_db_setup, tmp_path_factory, live_media) -> Iterator[str]:
    """Per module, so its RQ worker is gone before later tests run their own workers (it
    would take their jobs from the shared test queues)."""
    env = subprocess_env(live_media)
    port = free_port()
    logs = tmp_path_factory.mktemp("live-logs")
    commands = {
        "web": web_server_command("127.0.0.1", port)[1:],
        "worker": [
            "manage.py",
            "rqworker",
            "default",
            "train",
            "infer",
            "--worker-class",
            "rq.SimpleWorker",
        ],
    }
    with contextlib.ExitStack() as stack:
        procs = []
        for name, args in commands.items():
            log = stack.enter_context(open(logs / f"{name}.log", "w"))
            procs.append(
                subprocess.Popen(
                    [sys.executable, *args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
                )
            )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or procs[0].poll() is not None:
                    raise RuntimeError((logs / "web.log").read_text()) from None
                time.sleep(0.2)
        yield url
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Per module: Playwright's sync API keeps an event loop running in this thread while it
    is started, which would break later (non-browser) tests that send websocket events."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_stack) -> Iterator[object]:
    context = browser.new_context(base_url=live_stack, viewport={"width": 1400, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def login(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: urlparse(url).path == "/")


def off_loop(fn, *args, **kwargs):
    """Run `fn` in another thread: Playwright's sync API keeps an event loop in this one, and
    code that sends websocket events (async_to_sync) refuses to run beside it."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(fn, *args, **kwargs).result()
