"""50 annotators for 60 s against the stack as `make run` starts it (manage.py runstack: web
processes, a worker, the reaper), driven by locust (bench/locust_annotators.py): each user
browses the image list, reads annotations, draws boxes and moves its own boxes, with one
websocket open the whole time. Afterwards every acknowledged write is looked up in the
database: created boxes exist, and each moved box holds its last acknowledged position.

Run once with one web process (the old layout, the baseline) and once with the default
LABELFORGE_WEB_WORKERS, and print p50/p95 per request kind and the ratio between the two.

    eval "$(scripts/services.sh start)" && .venv/bin/python bench/load_annotators.py \
        [--users 50] [--seconds 60] [--workers 1,0]   (0: the default setting)
"""

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

from _stack import ROOT
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token

from apps.annotations.models import Annotation
from apps.annotations.services import upload_with_tags
from apps.projects.models import Membership, Role
from apps.projects.services import label_create, project_create, project_delete
from tests.factories.images import distinct_images
from tests.helpers.processes import free_port

READS = ("GET images list", "GET annotations")
WRITES = ("POST box", "PATCH box")


def make_project(users: int):
    owner = get_user_model().objects.get_or_create(username="bench-load-owner")[0]
    project = project_create(name=f"bench load {uuid.uuid4().hex[:6]}", user=owner)
    label = label_create(project=project, name="box")
    files = [
        SimpleUploadedFile(f"i{i}.png", data)
        for i, data in enumerate(distinct_images(100, size=(640, 480)))
    ]
    images = upload_with_tags(project=project, user=owner, files=files).created
    tokens = []
    for i in range(users):
        user = get_user_model().objects.get_or_create(username=f"bench-annotator-{i}")[0]
        Membership.objects.get_or_create(
            project=project, user=user, defaults={"role": Role.ANNOTATOR}
        )
        tokens.append(Token.objects.get_or_create(user=user)[0].key)
    return project, {"project": project.pk, "label": label.pk, "images": images, "tokens": tokens}


def run_stack(port: int, workers: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "LABELFORGE_WEB_WORKERS": str(workers or settings.LABELFORGE_WEB_WORKERS)}
    proc = subprocess.Popen([sys.executable, "manage.py", "runstack", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)  # fmt: skip
    for _ in range(600):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(log.read_text()) from None
            time.sleep(0.1)
    raise RuntimeError("the stack did not start")


def one_run(plan: dict, workers: int, users: int, seconds: int, tmp: Path) -> dict:
    port = free_port()
    stack = run_stack(port, workers, tmp / f"stack-{workers}.log")
    plan_file, acked_file = tmp / "plan.json", tmp / f"acked-{workers}.json"
    plan_file.write_text(json.dumps(plan))
    try:
        subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locust_annotators.py"),
             "--headless", "-u", str(users), "-r", str(max(1, users // 5)), "-t", f"{seconds}s",
             "--host", f"http://127.0.0.1:{port}", "--csv", str(tmp / f"w{workers}"),
             "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "5"],
            cwd=ROOT, env={**os.environ, "LOADTEST_PLAN": str(plan_file),
                           "LOADTEST_ACKED": str(acked_file)},
            check=False, timeout=seconds + 120, stdout=subprocess.DEVNULL,
        )  # fmt: skip
    finally:
        stack.send_signal(signal.SIGINT)
        stack.wait(60)
    with open(tmp / f"w{workers}_stats.csv") as f:
        rows = {r["Name"]: r for r in csv.DictReader(f)}
    return {"rows": rows, "acked": json.loads(acked_file.read_text())}


def check_writes(project_id: int, acked: dict) -> tuple[int, int, int]:
    """(acknowledged writes, of them found as acknowledged, boxes in the project)."""
    boxes = {a.pk: a for a in Annotation.objects.filter(image__project_id=project_id, kind="box")}
    created = acked["created"]
    found = sum(1 for pk in created if pk in boxes)
    moves = acked["moves"]
    for pk, last in moves.items():
        box = boxes.get(int(pk))
        if (
            box
            and box.version == last["version"]
            and (round(box.x), round(box.y)) == (last["x"], last["y"])
        ):
            found += 1
    return len(created) + len(moves), found, len(boxes)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", default="1,0", help="web processes per run; 0 = the setting")
    args = parser.parse_args()
    results = {}
    for workers in [int(w) for w in args.workers.split(",")]:
        project, plan = make_project(args.users)
        try:
            with tempfile.TemporaryDirectory() as tmp:
                out = one_run(plan, workers, args.users, args.seconds, Path(tmp))
            acked, found, stored = check_writes(project.pk, out["acked"])
        finally:
            project_delete(project=project)
        n = workers or settings.LABELFORGE_WEB_WORKERS
        results[n] = out
        rows = out["rows"]
        print(
            f"\n{args.users} annotators, {args.seconds} s, {n} web process(es), {os.cpu_count()} cores"
        )
        print(
            f"  {'request':18} {'count':>7} {'failed':>7} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>7}"
        )
        for name in (*READS, *WRITES, "Aggregated"):
            r = rows.get(name)
            if r:
                print(f"  {name:18} {r['Request Count']:>7} {r['Failure Count']:>7} "
                      f"{r['50%']:>8} {r['95%']:>8} {float(r['Requests/s']):7.1f}")  # fmt: skip
        sockets = out["acked"]["sockets"]
        print(f"  websockets opened {sockets['opened']}, events received {sockets['messages']}")
        print(f"  writes acknowledged {acked}, found in the database as acknowledged {found}, "
              f"lost {acked - found}; boxes stored {stored} (created and acknowledged "
              f"{len(out['acked']['created'])})")  # fmt: skip
    if len(results) == 2:
        (one, a), (many, b) = sorted(results.items())
        for name in READS:
            p95a, p95b = float(a["rows"][name]["95%"]), float(b["rows"][name]["95%"])
            print(f"  {name}: p95 {p95a:.0f} ms with {one} process, {p95b:.0f} ms with {many}: "
                  f"{p95a / max(p95b, 1):.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
