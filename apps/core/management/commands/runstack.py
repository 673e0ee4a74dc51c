"""Run the whole app in the foreground: Redis (if none answers), the ASGI server and one RQ
worker. Prints the URL and the login; Ctrl-C stops everything it started."""

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import redis
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from apps.core.server import web_server_command


def _redis_up(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


# Stop order and how long each may take before it is killed: the worker finishes its job's
# current step and saves what it can (a killed training run resumes from its checkpoint).
STOP_ORDER = ("web", "reaper", "worker", "redis")
STOP_SECONDS = {"web": 10, "reaper": 5, "worker": 30, "redis": 10}


class Command(BaseCommand):
    help = "Start Redis (if needed), the web server and an RQ worker; Ctrl-C stops them all."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--queues", default="default,train,infer")
        parser.add_argument(
            "--redis-dir", type=Path, default=Path(settings.BASE_DIR) / ".data" / "redis",
            help="Where a Redis started here keeps its data.",
        )  # fmt: skip
        parser.add_argument(
            "--seed", action="store_true",
            help="Run seed_demo once Redis answers (seeding uploads images, which sends events).",
        )  # fmt: skip

    def handle(
        self, *args: Any, host: str, port: int, queues: str, seed: bool, redis_dir: Path,
        **options: Any,
    ) -> None:  # fmt: skip
        self.children: list[tuple[str, subprocess.Popen]] = []
        # SIGTERM stops like Ctrl-C; Ctrl-C works even when started with SIGINT ignored
        # (a script's `cmd &` does that)
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            self._ensure_redis(redis_dir)
            if seed:
                call_command("seed_demo", stdout=self.stdout)
            self._spawn("web", web_server_command(host, port))
            self._spawn(
                "worker",
                [sys.executable, "manage.py", "rqworker", "--with-scheduler", *queues.split(",")],
            )
            url = f"http://{'localhost' if host in ('127.0.0.1', '0.0.0.0') else host}:{port}/"
            self._wait_healthy(url + "healthz")
            self._spawn("reaper", [sys.executable, "manage.py", "reap_runs", "--loop"], quiet=True)
            password = os.environ.get("LABELFORGE_DEMO_PASSWORD", "labelforge")
            self.stdout.write(
                self.style.SUCCESS(
                    f"\n  Labelforge is running at {url}\n"
                    f"  Log in as admin / {password}  (or annotator, reviewer / {password})\n"
                    f"  API docs: {url}api/docs/   Press Ctrl-C to stop.\n"
                )
            )
            while True:
                for name, proc in self.children:
                    if proc.poll() is not None:
                        raise CommandError(f"{name} exited with code {proc.returncode}")
                time.sleep(0.5)
        except KeyboardInterrupt:
            self.stdout.write("\nStopping the web server, the worker, then Redis...")
        finally:
            self._stop()
        self.stdout.write("Stopped.")
        self.stdout.flush()

    def _ensure_redis(self, data: Path) -> None:
        url = settings.REDIS_URL
        if _redis_up(url):
            return
        parsed = urlparse(url)
        if parsed.hostname not in ("127.0.0.1", "localhost"):
            raise CommandError(f"Redis at {url} does not answer.")
        server = shutil.which("redis-server")
        if server is None:
            raise CommandError("redis-server is not installed (apt-get install redis-server).")
        data.mkdir(parents=True, exist_ok=True)
        self._spawn(
            "redis",
            [
                server,
                "--port",
                str(parsed.port or 6379),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(data),
                "--save",
                "60 1",
            ],
            quiet=True,
        )
        for _ in range(50):
            if _redis_up(url):
                return
            time.sleep(0.1)
        raise CommandError("Redis did not start.")

    def _spawn(self, name: str, cmd: list[str], quiet: bool = False) -> None:
        out = subprocess.DEVNULL if quiet else None
        proc = subprocess.Popen(cmd, stdout=out, stderr=out, start_new_session=True)
        self.children.append((name, proc))

    def _wait_healthy(self, url: str) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise CommandError(f"The web server did not answer at {url}.")

    def _stop(self) -> None:
        """Stop in dependency order, each group waited for before the next: the web server
        (no new requests), then the reaper and the worker (a warm shutdown that still talks
        to Redis), then Redis. Signals are ignored meanwhile, so a second Ctrl-C cannot
        interrupt the shutdown half way."""
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for group in STOP_ORDER:
            procs = [p for name, p in self.children if name == group and p.poll() is None]
            for proc in procs:
                os.killpg(proc.pid, signal.SIGTERM)
            deadline = time.monotonic() + STOP_SECONDS[group]
            for proc in procs:
                try:
                    proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
        self.children.clear()
