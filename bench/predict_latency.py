"""Predict endpoint latency and throughput against a raw ONNX Runtime session, same run.

A ResNet-18 at 224 px with the 1,000 ImageNet classes (seeded random weights: speed does not
depend on the values) is imported through the registry, prepared (ONNX export) and promoted
to production. Then, on one 640x427 JPEG photo:
  - raw: PIL decode + resize/crop/normalise (numpy) + session.run + top-3, in this process,
    a fresh InferenceSession on the same model.onnx with default options;
  - endpoint: POST /api/v1/projects/{id}/predict/ (multipart, a service token, keep-alive)
    to the web server `runstack` starts (apps/core/server.py);
timed in alternate blocks of 20 calls (the concurrent runs in alternate rounds), so that a
machine that slows down for a while (a shared VM does) slows both.
Then 8 concurrent clients against the endpoint, against the best of the raw session's
sequential throughput and 8 threads sharing it (ONNX Runtime sessions are thread-safe).
The server runs LABELFORGE_WEB_WORKERS processes (set it, and LABELFORGE_INFERENCE_THREADS,
in the environment to compare layouts).

    eval "$(scripts/services.sh start)" && .venv/bin/python bench/predict_latency.py [--n 200]
"""

import argparse
import http.client
import io
import json
import os
import threading
import time
import uuid
from urllib.parse import urlparse

from _stack import live_server, percentiles
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.models.registry.jobs import model_version_prepare_job
from apps.models.registry.services import model_version_import, model_version_promote
from apps.models.serving.services import service_token_create
from apps.projects.services import project_create, project_delete
from tests.factories.models import weights_bytes

TOP_K = 3
BLOCK = 20  # raw and endpoint calls are timed in alternate blocks of this many
ROUNDS = 5  # and the concurrent runs in alternate rounds


def photo() -> bytes:
    from PIL import Image
    from sklearn.datasets import load_sample_image

    buf = io.BytesIO()
    Image.fromarray(load_sample_image("china.jpg")).save(buf, "JPEG", quality=90)
    return buf.getvalue()


def raw_predictor(onnx_path: str, classes: list[str]):
    """What a user would write with onnxruntime directly."""
    import numpy as np
    import onnxruntime as ort
    from PIL import Image

    session = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    mean = np.array([0.485, 0.456, 0.406], np.float32).reshape(3, 1, 1)
    std = np.array([0.229, 0.224, 0.225], np.float32).reshape(3, 1, 1)

    def run_model(x):
        return session.run(None, {name: x})[0]

    def predict(data: bytes) -> list[tuple[str, float]]:
        img = Image.open(io.BytesIO(data))
        img.draft("RGB", (224, 224))
        img = img.convert("RGB")
        scale = 224 / min(img.size)
        img = img.resize((max(224, round(img.width * scale)), max(224, round(img.height * scale))),
                         Image.Resampling.BILINEAR)  # fmt: skip
        left, top = (img.width - 224) // 2, (img.height - 224) // 2
        img = img.crop((left, top, left + 224, top + 224))
        x = (np.asarray(img, np.float32).transpose(2, 0, 1) / 255 - mean) / std
        logits = run_model(x[None].astype(np.float32))[0]
        p = np.exp(logits - logits.max())
        p /= p.sum()
        top = np.argsort(-p)[:TOP_K]
        return [(classes[i], float(p[i])) for i in top]

    return predict, run_model


def multipart(data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"china.jpg\"\r\n"
            f"Content-Type: image/jpeg\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()  # fmt: skip
    return body, f"multipart/form-data; boundary={boundary}"


class Client:
    def __init__(self, url: str, path: str, key: str, data: bytes) -> None:
        parsed = urlparse(url)
        self.conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
        self.path = path
        self.body, content_type = multipart(data)
        self.headers = {"Authorization": f"Token {key}", "Content-Type": content_type}
        self.server_ms: list[float] = []  # the app's own decode+model time per call

    def call(self) -> dict:
        self.conn.request("POST", self.path, body=self.body, headers=self.headers)
        response = self.conn.getresponse()
        payload = response.read()
        if response.status != 200:
            raise RuntimeError(f"{response.status}: {payload[:300]!r}")
        result = json.loads(payload)
        self.server_ms.append(result["inference_ms"])
        return result


def timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def hammer(calls: list, per_client: int) -> tuple[float, list[float]]:
    """Each callable in its own thread, `per_client` times: (seconds, latencies)."""
    latencies: list[float] = []
    lock = threading.Lock()

    def worker(call) -> None:
        mine = timed(call, per_client)
        with lock:
            latencies.extend(mine)

    t = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(c,)) for c in calls]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return time.perf_counter() - t, latencies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()

    user = get_user_model().objects.get_or_create(username="bench-predict")[0]
    project = project_create(name=f"bench predict {uuid.uuid4().hex[:6]}", user=user)
    try:
        print("importing ResNet-18 (1000 classes, 224 px) and exporting ONNX ...", flush=True)
        t = time.perf_counter()
        version = model_version_import(
            project=project, user=user, architecture="resnet18", classes_preset="imagenet",
            weights=SimpleUploadedFile("resnet18.pth", weights_bytes("resnet18", 1000)),
            classes=None, image_size=224,
        )  # fmt: skip
        model_version_prepare_job(version_id=version.pk, classes_preset="imagenet")
        version.refresh_from_db()
        assert version.status == "ready" and version.onnx, version.error
        print(f"  ready in {time.perf_counter() - t:.1f} s")
        model_version_promote(version=version, user=user, stage="production", reason="bench")
        _, key = service_token_create(project=project, user=user, name="bench")
        data = photo()

        predict_raw, run_model = raw_predictor(default_storage.path(version.onnx), version.classes)
        import numpy as np

        x = np.random.default_rng(0).standard_normal((1, 3, 224, 224), dtype=np.float32)
        for _ in range(10):
            predict_raw(data)
        model_only = timed(lambda: run_model(x), args.n)

        with live_server() as url:
            client = Client(url, f"/api/v1/projects/{project.pk}/predict/", key, data)
            first = client.call()
            assert first["backend"] == "onnx", first
            got = [(p["label"], round(p["confidence"], 4)) for p in first["predictions"]]
            want = [(label, round(c, 4)) for label, c in predict_raw(data)]
            print(f"  endpoint top-3 {got}\n  raw      top-3 {want}")
            for _ in range(10):
                client.call()
            client.server_ms.clear()
            raw, endpoint = [], []
            for _ in range(max(1, args.n // BLOCK)):  # alternately: the machine's drift hits both
                raw += timed(lambda: predict_raw(data), BLOCK)
                endpoint += timed(client.call, BLOCK)
            in_app = client.server_ms

            clients = [Client(url, client.path, key, data) for _ in range(args.clients)]
            for c in clients:
                c.call()  # every web process loads the model before the clock starts
            per_round = max(5, args.n // args.clients // ROUNDS)
            raw_clock = endpoint_clock = 0.0
            latencies: list[float] = []
            for _ in range(ROUNDS):  # alternately, as above
                raw_clock += hammer([lambda: predict_raw(data)] * args.clients, per_round)[0]
                seconds, mine = hammer([c.call for c in clients], per_round)
                endpoint_clock += seconds
                latencies += mine
            calls = ROUNDS * per_round * args.clients
            raw_threads_rps, endpoint_rps = calls / raw_clock, calls / endpoint_clock

        raw_p50, raw_p95 = percentiles(raw)
        ep_p50, ep_p95 = percentiles(endpoint)
        m_p50, m_p95 = percentiles(model_only)
        c_p50, c_p95 = percentiles(latencies)
        workers, threads = settings.LABELFORGE_WEB_WORKERS, settings.LABELFORGE_INFERENCE_THREADS
        print(f"\nResNet-18 224 px, 640x427 JPEG, top-{TOP_K}, n={args.n}, this machine's CPU "
              f"({os.cpu_count()} cores), {workers} web processes, "
              f"{threads or 'default'} inference threads each")  # fmt: skip
        print(f"  raw onnxruntime: session.run only     p50 {m_p50:6.1f} ms  p95 {m_p95:6.1f} ms")
        print(f"  raw onnxruntime: decode+prep+run      p50 {raw_p50:6.1f} ms  p95 {raw_p95:6.1f} ms"
              f"  ({1000 / raw_p50:.1f} img/s sequential)")  # fmt: skip
        print(f"  predict endpoint (HTTP, token, JSON)  p50 {ep_p50:6.1f} ms  p95 {ep_p95:6.1f} ms")
        s_p50, s_p95 = percentiles(in_app)
        print(f"    of which decode+prep+run in the app p50 {s_p50:6.1f} ms  p95 {s_p95:6.1f} ms"
              f"  (the rest, p50 {ep_p50 - s_p50:.1f} ms: HTTP, Django, DRF, auth, JSON)")  # fmt: skip
        print(f"  ratio endpoint/raw p50: {ep_p50 / raw_p50:.3f}x  (goal <= 1.15x and <= 30 ms)")
        raw_rps = max(1000 / raw_p50, raw_threads_rps)
        print(
            f"  raw onnxruntime, {args.clients} threads on one session: {raw_threads_rps:.1f} img/s"
        )
        print(f"  endpoint, {args.clients} concurrent clients: {endpoint_rps:.1f} req/s, "
              f"latency p50 {c_p50:.1f} ms p95 {c_p95:.1f} ms")  # fmt: skip
        print(f"  ratio endpoint/raw throughput: {endpoint_rps / raw_rps:.3f}x "
              f"(of the better raw figure; goal >= 0.8x)")  # fmt: skip
    finally:
        project_delete(project=project)


if __name__ == "__main__":
    main()
