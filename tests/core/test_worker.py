"""The app's RQ workers (apps/core/worker.py): one serving train or infer imports torch, ml/
and ONNX Runtime before it forks a job's work horse; one serving only `default` does not."""

import os
import subprocess
import sys
from pathlib import Path

import django_rq
import pytest
from django.conf import settings

from apps.core.worker import PRELOAD
from tests.helpers.processes import ROOT, subprocess_env

JOB = "tests.helpers.jobs.loaded_modules"


@pytest.mark.parametrize(("queue", "preloaded"), [("train", True), ("default", False)])
def test_heavy_queues_preload_before_the_fork(queue: str, preloaded: bool) -> None:
    job = django_rq.get_queue(queue).enqueue(JOB, "torch", *PRELOAD)
    done = subprocess.run([sys.executable, "manage.py", "rqworker", queue, "--burst"], cwd=ROOT,
                          env=subprocess_env(Path(settings.MEDIA_ROOT)), capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    job.refresh()
    result = job.return_value()
    assert result is not None, done.stderr[-2000:]
    assert result["pid"] != os.getpid()  # ran in a work horse of that worker
    if preloaded:
        assert result["loaded"] == ["torch", *PRELOAD]
    else:  # Django's start-up imports ml/'s torch-free parts only
        assert not {"torch", "onnxruntime", "ml.train"} & set(result["loaded"])
