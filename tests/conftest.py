import os
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import django_rq
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rq import SimpleWorker
from rq.timeouts import TimerDeathPenalty

from apps.annotations.services import upload_with_tags
from apps.images.models import Image
from apps.projects.models import Label, Membership, Project, Role
from apps.projects.services import label_create, project_create
from tests.factories.images import distinct_images

User = get_user_model()
ROLES = ["anonymous", "outsider", "annotator", "manager", "owner", "staff"]


@pytest.fixture(autouse=True)
def _clean_redis() -> None:
    django_rq.get_connection("default").flushdb()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@dataclass
class World:
    project: Project
    other_project: Project
    labels: list[Label]
    other_label: Label
    users: dict[str, object]

    def client(self, who: str) -> APIClient:
        client = APIClient()
        if who != "anonymous":
            token, _ = Token.objects.get_or_create(user=self.users[who])
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client


@pytest.fixture
def world(db) -> World:
    users = {
        name: User.objects.create_user(name, password="pw", is_staff=(name == "staff"))
        for name in ROLES[1:]
    }
    project = project_create(name="Birds", description="", user=users["owner"])
    for role in ("annotator", "manager"):
        Membership.objects.create(project=project, user=users[role], role=Role.from_name(role))
    labels = [label_create(project=project, name=n) for n in ("sparrow", "robin")]
    other = project_create(name="Other", user=users["outsider"])
    other_label = label_create(project=other, name="sparrow")
    return World(project, other, labels, other_label, users)


@pytest.fixture
def make_images(world: World) -> Callable[..., list[Image]]:
    made = 0

    def make(n: int = 3, project: Project | None = None) -> list[Image]:
        nonlocal made
        project = project or world.project
        images = distinct_images(made + n)[made:]
        made += n
        files = [SimpleUploadedFile(f"img{made + i}.png", data) for i, data in enumerate(images)]
        result = upload_with_tags(project=project, user=world.users["owner"], files=files)
        assert not result.errors, result.errors
        return list(Image.objects.filter(pk__in=result.created).order_by("id"))

    return make


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
