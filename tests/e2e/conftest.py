"""Browser tests: the real ASGI server (uvicorn) and a real RQ worker run as subprocesses on the
test database; Playwright drives Debian's Chromium."""

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
)

from apps.core.server import web_server_command
from tests.helpers.browser import NewPage, PageWatch, report
from tests.helpers.processes import (
    app_processes,
    free_port,
    subprocess_env,
    wait_until_healthy,
)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop

ROOT = Path(__file__).resolve().parents[2]
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
    # test_autoannotate's webhook receiver listens on 127.0.0.1: allow loopback explicitly
    env = {**subprocess_env(live_media), "LABELFORGE_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8"}
    port = free_port()
    logs = tmp_path_factory.mktemp("live-logs")
    commands = {
        "web": web_server_command("127.0.0.1", port)[1:],
        "worker": ["manage.py", "rqworker", "default", "train", "infer",
                   "--worker-class", "rq.SimpleWorker"],
    }  # fmt: skip
    with app_processes(commands, env, logs) as procs:
        url = f"http://127.0.0.1:{port}"
        wait_until_healthy(url, procs["web"], logs / "web.log")
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Per module: Playwright's sync API keeps an event loop running in this thread while it
    is started, which would break later (non-browser) tests that send websocket events."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _flush_retrying_deadlocks() -> None:
    """The live server may still hold a row lock while a test's teardown flush truncates the
    tables (a request or job finishing); PostgreSQL then aborts one side of the deadlock. When
    that is the flush, it is tried again instead of failing the test."""
    from django.core.management.base import CommandError
    from django.db.utils import OperationalError
    from django.test import TransactionTestCase

    original = TransactionTestCase._fixture_teardown

    def teardown(self: TransactionTestCase) -> None:
        for attempt in range(3):
            try:
                return original(self)
            except CommandError as e:
                cause = e.__cause__
                if (
                    attempt == 2
                    or not isinstance(cause, OperationalError)
                    or "deadlock" not in str(cause)
                ):
                    raise
                time.sleep(0.5)

    TransactionTestCase._fixture_teardown = teardown  # type: ignore[method-assign]


def pytest_configure(config: pytest.Config) -> None:
    _flush_retrying_deadlocks()
    config.addinivalue_line(
        "markers",
        "allowed_http(*statuses): HTTP error statuses (>= 400) this browser test provokes on "
        "purpose; any other error response fails it",
    )
    config.addinivalue_line(
        "markers",
        "allowed_failures(*patterns): regular expressions for failed requests (Playwright's "
        "`requestfailed`, matched against 'ERROR METHOD URL') and console errors (matched "
        "against 'TEXT [URL]') this browser test provokes on purpose (a route that aborts, a "
        "context set offline)",
    )


WATCH = pytest.StashKey[PageWatch]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """A browser test that passed fails after all if its pages reported errors (a failed one
    shows them beside its own error: an HTTP 500 often explains a timeout)."""
    try:
        result = yield
    except BaseException:
        watch = item.stash.get(WATCH, None)
        if watch is not None and watch.problems:
            item.add_report_section("call", "browser", report(watch.problems))
        raise
    watch = item.stash.get(WATCH, None)
    if watch is not None and watch.problems:
        pytest.fail(report(watch.problems), pytrace=False)
    return result


@pytest.fixture
def page_watch(request: pytest.FixtureRequest) -> PageWatch:
    """What this test's browser contexts reported; declare what a test provokes on purpose
    with the `allowed_http` / `allowed_failures` markers."""
    watch = PageWatch.for_test(request)
    request.node.stash[WATCH] = watch
    return watch


@pytest.fixture
def new_page(browser: Browser, live_stack: str, page_watch: PageWatch) -> Iterator[NewPage]:
    """A factory for pages in fresh browser contexts (one per simulated user), all watched:
    the test fails on any uncaught exception, console error, failed request or HTTP error
    response that it did not declare."""
    contexts: list[BrowserContext] = []

    def make() -> Page:
        context = browser.new_context(base_url=live_stack, viewport={"width": 1400, "height": 900})
        page_watch.attach(context)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: NewPage) -> Page:
    return new_page()
