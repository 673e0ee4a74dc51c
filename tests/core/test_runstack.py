"""`manage.py runstack` (what `make run` ends with): starts Redis + web + worker, prints the URL
and login, serves, and Ctrl-C stops every process it started, in order and without errors."""

import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest
import redis

from tests.helpers.processes import free_port, subprocess_env

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_runstack_serves_and_ctrl_c_stops_everything(tmp_path, stop) -> None:
    # Its own Redis on a free port, so runstack starts (and must stop last) a Redis of its own.
    redis_url = f"redis://127.0.0.1:{free_port()}/0"
    env = {**subprocess_env(tmp_path), "REDIS_URL": redis_url, "TEST_REDIS_URL": redis_url}
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "runstack", "--port", str(port), "--queues", "default",
         "--redis-dir", str(tmp_path / "redis")],
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
        names = " ".join(" ".join(c.cmdline()) for c in children)
        assert "redis-server" in names and "uvicorn" in names and "rqworker" in names, names
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5) as page:
            assert page.status == 200 and b"Log in" in page.read()
        time.sleep(2)  # the worker and its scheduler are up and talking to Redis
    finally:
        proc.send_signal(stop)
        rest, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, rest
    # Redis goes last: nothing that still talks to it sees it vanish.
    assert "Traceback" not in rest and "Error" not in rest, rest
    assert rest.rstrip().endswith("Stopped."), rest
    time.sleep(0.5)
    assert not [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
    with pytest.raises(redis.ConnectionError):
        redis.Redis.from_url(redis_url).ping()
