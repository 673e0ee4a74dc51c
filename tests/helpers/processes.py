"""Real app processes for tests: an RQ worker in this process, web servers and workers in
others (with the test database, Redis and media), and a free port for them."""

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import warnings
from collections.abc import Iterator
from pathlib import Path

import django_rq
import pytest
from django.conf import settings
from rq import SimpleWorker
from rq.timeouts import TimerDeathPenalty

from apps.core.server import web_server_command

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_healthy(url: str, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    """Wait for a web server started by a test to answer `/healthz`; its log on failure."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(log.read_text()) from None
            time.sleep(0.2)


def subprocess_env(media_root: Path) -> dict[str, str]:
    """Environment for app processes (daphne, workers) started by tests: the test database,
    the test Redis, the given media folder."""
    db = settings.DATABASES["default"]
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "project.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "TEST_REDIS_URL": settings.TEST_REDIS_URL,
        "MEDIA_ROOT": str(media_root),
        "PYTHONUNBUFFERED": "1",
    }


class InProcessWorker(SimpleWorker):
    """A SimpleWorker that may also run in a non-main thread (no signal handlers there)."""

    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self) -> None:
        if threading.current_thread() is threading.main_thread():
            super()._install_signal_handlers()


def run_worker(*queues: str) -> int:
    """A real RQ worker in burst mode, in this process so it sees the test transaction.
    Returns how many jobs it ran; a failed job fails the test with its traceback."""
    rq_queues = [django_rq.get_queue(q) for q in queues or ("default",)]
    pending = sum(q.count for q in rq_queues)
    InProcessWorker(rq_queues, connection=rq_queues[0].connection).work(burst=True)
    for queue in rq_queues:
        failed = queue.failed_job_registry
        for job_id in failed.get_job_ids():
            job = queue.fetch_job(job_id)
            pytest.fail(f"job {job_id} failed: {job.latest_result().exc_string if job else '?'}")
    return pending


@contextlib.contextmanager
def app_processes(
    commands: dict[str, list[str]], env: dict[str, str], logs: Path
) -> Iterator[dict[str, subprocess.Popen]]:
    """Start `python <args>` per name (logs in `logs/<name>.log`); stop them all afterwards
    (SIGTERM, then SIGKILL after 10 s with a warning: one left running keeps the test
    database open)."""
    with contextlib.ExitStack() as stack:
        procs = {}
        for name, args in commands.items():
            log = stack.enter_context(open(logs / f"{name}.log", "w"))
            procs[name] = subprocess.Popen(
                [sys.executable, *args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        try:
            yield procs
        finally:
            for proc in procs.values():
                proc.terminate()
            for name, proc in procs.items():
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)
                    warnings.warn(f"{name} ignored SIGTERM for 10 s; killed", stacklevel=1)


@contextlib.contextmanager
def live_web(env: dict[str, str], logs: Path) -> Iterator[str]:
    """The ASGI server exactly as runstack starts it, on a free port; yields its URL."""
    port = free_port()
    web = web_server_command("127.0.0.1", port)[1:]
    with app_processes({"web": web}, env, logs) as procs:
        url = f"http://127.0.0.1:{port}"
        wait_until_healthy(url, procs["web"], logs / "web.log")
        yield url
