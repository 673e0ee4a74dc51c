"""`manage.py runstack` (what `make run` ends with): starts web + worker, prints the URL and
login, serves, and Ctrl-C stops every process it started."""

import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest
from django.conf import settings

from tests.conftest import free_port, subprocess_env

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_runstack_serves_and_ctrl_c_stops_everything(tmp_path) -> None:
    env = {**subprocess_env(tmp_path), "REDIS_URL": settings.TEST_REDIS_URL}
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "runstack", "--port", str(port), "--queues", "default"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 60
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            if "Log in as" in line or proc.poll() is not None:
                break
        output = "".join(lines)
        assert f"running at http://localhost:{port}/" in output, output
        assert "admin / labelforge" in output
        children = psutil.Process(proc.pid).children(recursive=True)
        assert len(children) >= 2  # daphne and the RQ worker
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5) as page:
            assert page.status == 200 and b"Log in" in page.read()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
    time.sleep(0.5)
    assert not [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
