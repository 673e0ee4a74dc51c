"""The distributed shape on one machine: a web process and an RQ worker started as if on two
hosts, each with its own MEDIA_ROOT and work directory (neither sees the other's files), that
share only PostgreSQL, Redis and an S3 bucket (SeaweedFS). Through the web process's HTTP API
alone: upload a folder-per-class zip, split, see the worker listed, train pinned to its host
(two data-parallel processes),
register and prepare the version, predict (on the web host, the model fetched from the
bucket), pre-label and export. Neither host's MEDIA_ROOT ever holds a file: everything went
through the bucket. The worker is the app's own (`manage.py rqworker` with settings.RQ's
class), as on a GPU host."""

import io
import json
import socket
import time
import urllib.error
import urllib.request
import uuid
import zipfile
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token

from apps.core.server import web_server_command
from tests.helpers.processes import app_processes, free_port, subprocess_env, wait_until_healthy
from tests.helpers.training import FAST, noisy_png
from tests.storage.test_s3 import Bucket, _bucket, s3_client

pytestmark = pytest.mark.django_db(transaction=True)
WAIT = 240  # seconds for any one job (a training run on 2 CPU cores takes ~15)


class Api:
    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token

    def call(self, method: str, path: str, body: dict | None = None,
             files: tuple[str, str, bytes] | None = None) -> tuple[int, dict | bytes]:  # fmt: skip
        headers = {"Authorization": f"Token {self.token}"}
        data = None
        if files:
            field, name, blob = files
            boundary = uuid.uuid4().hex
            parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
                     f'filename="{name}"\r\n\r\n'.encode(), blob, b"\r\n"]  # fmt: skip
            for key, value in (body or {}).items():
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"'
                             f"\r\n\r\n{value}\r\n".encode())  # fmt: skip
            data = b"".join([*parts, f"--{boundary}--\r\n".encode()])
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        url = path if path.startswith("http") else f"{self.url}{path}"
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                raw = response.read()
                kind = response.headers.get("Content-Type", "")
                return response.status, json.loads(raw) if "json" in kind else raw
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def until(self, path: str, done, what: str) -> dict:
        deadline = time.monotonic() + WAIT
        while True:
            status, body = self.call("GET", path)
            assert status == 200, body
            if done(body):
                return body
            assert time.monotonic() < deadline, f"{what} did not finish: {body}"
            time.sleep(0.5)


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _folders_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for label, colour in (("sparrow", (200, 40, 40)), ("robin", (40, 60, 200))):
            for i in range(20):
                zf.writestr(f"{label}/{label}{i}.png", noisy_png(colour, i))
    return out.getvalue()


def test_web_and_worker_on_two_hosts_share_only_the_database_redis_and_the_bucket(
    world, tmp_path
) -> None:
    client = s3_client()
    here = Bucket(client, _bucket(client), f"hosts-{uuid.uuid4().hex[:12]}")
    hosts = {name: tmp_path / name for name in ("web-host", "gpu-host")}
    env = {}
    for name, root in hosts.items():
        env[name] = {**subprocess_env(root / "media"), "LABELFORGE_WORK_DIR": str(root / "work"),
                     "LABELFORGE_STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": here.name,
                     "AWS_LOCATION": here.prefix}  # fmt: skip
    port = free_port()
    logs = tmp_path / "logs"
    logs.mkdir()
    web = app_processes({"web": web_server_command("127.0.0.1", port)[1:]}, env["web-host"], logs)
    worker = app_processes({"worker": ["manage.py", "rqworker", "default", "train", "infer"]},
                           env["gpu-host"], logs)  # fmt: skip
    with web as procs, worker:
        url = f"http://127.0.0.1:{port}"
        wait_until_healthy(url, procs["web"], logs / "web.log")
        token, _ = Token.objects.get_or_create(user=world.users["owner"])
        api = Api(url, token.key)
        p = world.project.pk

        status, body = api.call("POST", f"/api/v1/projects/{p}/images/", {"layout": "folders"},
                                files=("files", "birds.zip", _folders_zip()))  # fmt: skip
        assert status == 201 and len(body["created"]) == 40, body
        status, body = api.call("POST", f"/api/v1/projects/{p}/split/",
                                {"train": 0.75, "val": 0.25, "test": 0, "seed": 0})  # fmt: skip
        assert status == 200, body

        # the GPU host's worker is listed, and the run is pinned to its host
        listed = api.until("/api/v1/workers/", lambda r: any("train" in w["queues"]
                           for w in r["results"]), "the worker starting")["results"]  # fmt: skip
        [trainer] = [w for w in listed if "train" in w["queues"]]
        assert trainer["device"] == "cpu" and trainer["pins"] == [socket.gethostname()]
        status, run = api.call("POST", f"/api/v1/projects/{p}/training-runs/", {
            "task": "classify", "architecture": "resnet20",
            "params": {**FAST, "epochs": 1, "worker": trainer["pins"][0], "gpus": 2}})  # fmt: skip
        assert status == 202, run
        run = api.until(run["url"], lambda r: r["status"] in ("succeeded", "failed"), "training")
        assert run["status"] == "succeeded", (run, (logs / "worker.log").read_text()[-3000:])
        # data parallel in the worker's forked work horse: 2 gloo processes, rank 0 reporting
        status, log = api.call("GET", f"/api/v1/training-runs/{run['id']}/log/")
        assert "data parallel: 2 processes (gloo)" in log["text"], log
        assert run["step"] == run["total_steps"] == -(-30 // FAST["batch_size"])  # as one process
        version = api.until(f"/api/v1/model-versions/{run['model_version']['id']}/",
                            lambda v: v["status"] != "pending", "preparing the version")  # fmt: skip
        assert version["status"] == "ready", version

        status, listed = api.call("GET", f"/api/v1/projects/{p}/images/?page_size=1")
        image_id = listed["results"][0]["id"]
        status, blob = api.call("GET", f"/api/v1/images/{image_id}/file/")
        assert status == 200 and isinstance(blob, bytes) and blob[:4] == b"\x89PNG"
        status, predicted = api.call("POST", f"/api/v1/model-versions/{version['id']}/predict/",
                                     files=("image", "x.png", blob))  # fmt: skip
        assert status == 200, predicted
        assert predicted["predictions"][0]["label"] in {"sparrow", "robin"}

        for i in range(3):  # new, unlabelled images for the model to pre-label
            status, body = api.call("POST", f"/api/v1/projects/{p}/images/",
                                    files=("files", f"new{i}.png", noisy_png((120, 50, 50), 99 + i)))  # fmt: skip
            assert status == 201, body
        status, prelabel = api.call("POST", f"/api/v1/projects/{p}/auto-annotate/", {
            "model_version": version["id"], "threshold": 0.0, "filter": {}})  # fmt: skip
        assert status == 202, prelabel
        prelabel = api.until(prelabel["url"], lambda r: r["finished"], "pre-labelling")
        assert prelabel["status"] == "succeeded" and prelabel["processed"] == 3, prelabel
        assert prelabel["counts"]["images_with_predictions"] == 3, prelabel

        status, export = api.call("POST", f"/api/v1/projects/{p}/exports/",
                                  {"format": "imagenet", "include_images": True})  # fmt: skip
        assert status == 202, export
        export = api.until(
            export["url"], lambda e: e["status"] in ("succeeded", "failed"), "export"
        )
        assert export["status"] == "succeeded", export
        status, archive = api.call("GET", export["download"])
        assert status == 200
        with zipfile.ZipFile(io.BytesIO(archive)) as zf:
            assert sum(n.endswith(".png") for n in zf.namelist()) == 40

    for root in hosts.values():
        assert _files(root / "media") == []  # nothing on either host's media disk
    stored = here.stored()
    assert sum("/images/" in k for k in stored) >= 40 and any(
        k.endswith("model.pt") for k in stored
    )
    for key in stored:
        client.delete_object(Bucket=here.name, Key=f"{here.prefix}/{key}")
