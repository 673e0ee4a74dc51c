"""Locust profile for bench/load_annotators.py (not run on its own): one user per annotator,
each with a token and a websocket held open for the whole run, browsing the image list,
reading annotations, drawing boxes and moving its own boxes. Every write the server
acknowledges is written to LOADTEST_ACKED at the end, to be counted in the database."""

import json
import os
import random
import threading
from pathlib import Path
from typing import Any

import gevent
import websocket
from locust import HttpUser, between, events, task

PLAN = json.loads(Path(os.environ["LOADTEST_PLAN"]).read_text())
ACKED: dict[str, Any] = {"created": [], "moves": {}}
SOCKETS = {"opened": 0, "messages": 0, "errors": 0}
_lock = threading.Lock()


class Annotator(HttpUser):
    wait_time = between(0.5, 1.5)  # a person: a few actions a second at most

    def on_start(self) -> None:
        with _lock:
            self.token = PLAN["tokens"].pop()
        self.client.headers["Authorization"] = f"Token {self.token}"
        self.mine: list[dict[str, Any]] = []
        ws_url = self.host.replace("http", "ws", 1) + f"/ws/projects/{PLAN['project']}/"
        self.ws = websocket.create_connection(f"{ws_url}?token={self.token}", timeout=None)
        SOCKETS["opened"] += 1
        self.reader = gevent.spawn(self._read)

    def _read(self) -> None:
        try:
            while True:
                self.ws.recv()
                SOCKETS["messages"] += 1
        except Exception:  # closed at the end of the run, or by the server
            SOCKETS["errors"] += 1

    def on_stop(self) -> None:
        self.reader.kill()
        self.ws.close()

    @task(3)
    def browse(self) -> None:
        self.client.get(f"/api/v1/projects/{PLAN['project']}/images/?page_size=50",
                        name="GET images list")  # fmt: skip

    @task(5)
    def read_annotations(self) -> None:
        image = random.choice(PLAN["images"])
        self.client.get(f"/api/v1/images/{image}/annotations/", name="GET annotations")

    @task(2)
    def draw_box(self) -> None:
        image = random.choice(PLAN["images"])
        box = {"x": random.randint(0, 400), "y": random.randint(0, 300), "w": 40, "h": 30}
        body = {"kind": "box", "label": PLAN["label"], "box": box}
        with self.client.post(f"/api/v1/images/{image}/annotations/", json=body,
                              name="POST box", catch_response=True) as response:  # fmt: skip
            if response.status_code == 201:
                made = response.json()
                self.mine.append({"id": made["id"], "version": made["version"]})
                ACKED["created"].append(made["id"])

    @task(2)
    def move_box(self) -> None:
        if not self.mine:
            return
        box = random.choice(self.mine)
        where = {"x": random.randint(0, 400), "y": random.randint(0, 300), "w": 40, "h": 30}
        body = {"version": box["version"], "box": where}
        with self.client.patch(f"/api/v1/annotations/{box['id']}/", json=body,
                               name="PATCH box", catch_response=True) as response:  # fmt: skip
            if response.status_code == 200:
                box["version"] = response.json()["version"]
                ACKED["moves"][str(box["id"])] = {"version": box["version"], **where}


@events.quitting.add_listener
def _write_acked(environment: Any, **kwargs: Any) -> None:
    with open(os.environ["LOADTEST_ACKED"], "w") as out:
        json.dump({**ACKED, "sockets": SOCKETS}, out)
