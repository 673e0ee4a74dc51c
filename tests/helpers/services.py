"""Throwaway PostgreSQL clusters and Redis servers of a test's own, so a fault test can stop
and restart them without touching the suite's shared ones."""

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests.helpers.processes import free_port


def _pgbin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    if not found:
        raise RuntimeError("PostgreSQL binaries not found (apt-get install postgresql)")
    return found[-1]


class Postgres:
    """A cluster on a free loopback port, in a directory of its own under /tmp (pytest's
    tmp_path is not open to the postgres user it runs as under root)."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="labelforge-pg-"))
        self.port, self.bin = free_port(), _pgbin()
        self.data = self.root / "data"
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/labelforge"

    def _as_owner(self, *args: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *args], check=True, capture_output=True, timeout=60)

    def start(self) -> "Postgres":
        if not self.data.exists():
            if os.geteuid() == 0:
                shutil.chown(self.root, "postgres", "postgres")
            self._as_owner(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres",
                           "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8")  # fmt: skip
            fresh = True
        else:
            fresh = False
        opts = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off"
        self._as_owner(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l",
                       str(self.root / "server.log"), "-w", "-o", opts, "start")  # fmt: skip
        if fresh:
            subprocess.run([str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                            "-U", "postgres", "labelforge"], check=True, timeout=30)  # fmt: skip
        return self

    def stop(self) -> None:
        self._as_owner(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


class RedisServer:
    """redis-server on a free loopback port, no persistence."""

    def __init__(self, root: Path) -> None:
        self.root, self.port = root, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> "RedisServer":
        self.root.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.root)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(100):
            ping = subprocess.run(["redis-cli", "-p", str(self.port), "ping"],
                                  capture_output=True, text=True)  # fmt: skip
            if ping.stdout.strip() == "PONG":
                return self
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None
