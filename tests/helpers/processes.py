"""Real app processes for tests: an RQ worker in this process, web servers and workers in
others (with the test database, Redis and media), and a free port for them."""

import os
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import django_rq
import pytest
from django.conf import settings
from rq import SimpleWorker
from rq.timeouts import TimerDeathPenalty


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
