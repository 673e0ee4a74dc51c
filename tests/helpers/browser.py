"""Driving Chromium in browser tests: sign in, screenshots (into test-artifacts/), what the
browser reported, and running server-side code beside Playwright's event loop."""

import concurrent.futures
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import ParamSpec, TypeVar
from urllib.parse import urlparse

import pytest
from django.db import connection
from playwright.sync_api import (
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    Response,
    WebError,
)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
NewPage = Callable[[], Page]  # the new_page fixture: a page in a fresh, watched context
RESOURCE_STATUS = re.compile(r"the server responded with a status of (\d+)")


@dataclass
class PageWatch:
    """Everything that went wrong in a browser context and was not declared by the test:
    uncaught exceptions, console errors, failed requests and responses >= 400."""

    statuses: frozenset[int] = frozenset()
    patterns: tuple[re.Pattern[str], ...] = ()
    problems: list[str] = field(default_factory=list)

    @classmethod
    def for_test(cls, request: pytest.FixtureRequest) -> "PageWatch":
        statuses = {s for m in request.node.iter_markers("allowed_http") for s in m.args}
        patterns = [p for m in request.node.iter_markers("allowed_failures") for p in m.args]
        return cls(frozenset(statuses), tuple(re.compile(p) for p in patterns))

    def attach(self, context: BrowserContext) -> None:
        context.on("weberror", self._web_error)
        context.on("console", self._console)
        context.on("requestfailed", self._request_failed)
        context.on("response", self._response)

    def _declared(self, text: str) -> bool:
        return any(p.search(text) for p in self.patterns)

    def _web_error(self, error: WebError) -> None:
        self.problems.append(f"uncaught: {error.error}")

    def _console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        where = (message.location or {}).get("url", "")
        text = f"{message.text} [{where}]"
        status = RESOURCE_STATUS.search(text)
        if (status and int(status.group(1)) in self.statuses) or self._declared(text):
            return
        self.problems.append(f"console error: {text}")

    def _request_failed(self, request: Request) -> None:
        if request.failure == "net::ERR_ABORTED":
            # cancelled by the page itself: a navigation away while a fetch was in flight, an
            # AbortController, an <img> whose src changed. Not an error (Chromium logs none).
            return
        text = f"{request.failure} {request.method} {request.url}"
        if not self._declared(text):
            self.problems.append(f"request failed: {text}")

    def _response(self, response: Response) -> None:
        if response.status >= 400 and response.status not in self.statuses:
            self.problems.append(
                f"HTTP {response.status}: {response.request.method} {response.url}"
            )

    def check(self, where: str = "") -> None:
        """Fail now if anything was collected (then start over): for tests that visit many
        pages and want the failure to name the page."""
        problems, self.problems[:] = list(self.problems), []
        if problems:
            raise AssertionError(report(problems, where))


def report(problems: list[str], where: str = "") -> str:
    head = f"the browser reported errors{f' on {where}' if where else ''}:"
    return "\n".join([head, *(f"  {p}" for p in problems)])


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


P = ParamSpec("P")
T = TypeVar("T")


def in_thread(fn: Callable[P, T]) -> Callable[P, T]:
    """For off_loop: the worker thread's database connection is closed when it is done (an
    open one would keep the test database from being dropped at the end of the session)."""

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return fn(*args, **kwargs)
        finally:
            connection.close()

    return run


def off_loop(fn, *args, **kwargs):
    """Run `fn` in another thread: Playwright's sync API keeps an event loop in this one, and
    code that sends websocket events (async_to_sync) refuses to run beside it."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(fn, *args, **kwargs).result()
