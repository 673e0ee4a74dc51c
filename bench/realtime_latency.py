"""Browser-to-browser update latency over loopback: Alice draws a box (through the labeller's
editor and autosave), Bob's labeller on the same image shows it. Both pages live in one
Chromium, so Date.now() is one clock. Baseline in the same run: a raw websocket round trip
(ping -> pong) to the same server.

    eval "$(scripts/services.sh start)" && .venv/bin/python bench/realtime_latency.py [--n 50]
"""

import argparse

from _stack import chromium, live_server, login, percentiles
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.annotations.services import upload_with_tags
from apps.projects.models import Membership, Role
from apps.projects.services import label_create, project_create, project_delete
from tests.factories.images import image_bytes

WATCH = """() => {
  window.__arrivals = [];
  window.__labeller.store.on(() => {
    const n = window.__labeller.boxes().length;
    if (n > (window.__seen || 0)) { window.__seen = n; window.__arrivals.push(Date.now()); }
  });
}"""

SAVED = """() => {
  window.__saved = [];
  window.__labeller.store.on(() => {
    const n = window.__labeller.boxes().filter((b) => b.id !== null).length;
    if (n > window.__saved.length) window.__saved.push(Date.now());
  });
}"""

DRAW = """([label, i]) => {
  const x = 10 + (i % 20) * 30, y = 10 + Math.floor(i / 20) * 30;
  const t = Date.now();
  window.__labeller.editor.createBox(label, {x, y, w: 20, h: 20});
  return t;
}"""

PING = """async ([url, n]) => {
  const ws = new WebSocket(url);
  await new Promise((ok) => ws.addEventListener('open', ok, {once: true}));
  const out = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const pong = new Promise((ok) => {
      const fn = (e) => { if (JSON.parse(e.data).type === 'pong') { ws.removeEventListener('message', fn); ok(); } };
      ws.addEventListener('message', fn);
    });
    ws.send(JSON.stringify({type: 'ping', payload: i}));
    await pong;
    out.push(performance.now() - t);
  }
  ws.close();
  return out;
}"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=50)
    args = parser.parse_args()
    User = get_user_model()
    users = {}
    for name in ("bench-alice", "bench-bob"):
        users[name], _ = User.objects.get_or_create(username=name)
        users[name].set_password("bench-pass")
        users[name].save()
    project = project_create(name="bench: realtime latency", user=users["bench-alice"])
    try:
        Membership.objects.create(project=project, user=users["bench-bob"], role=Role.ANNOTATOR)
        label = label_create(project=project, name="thing")
        upload = upload_with_tags(
            project=project, user=users["bench-alice"],
            files=[SimpleUploadedFile("scene.jpg", image_bytes(1200, 900, fmt="JPEG"))],
        )  # fmt: skip
        path = f"/projects/{project.pk}/label/{upload.created[0]}/"
        with live_server() as url, chromium() as browser:
            pages = {}
            for name in users:
                page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
                login(page, url, name, "bench-pass")
                page.goto(url + path)
                page.wait_for_function("() => window.__labeller && window.__labeller.ready")
                pages[name] = page
            alice, bob = pages["bench-alice"], pages["bench-bob"]
            bob.evaluate(WATCH)
            alice.evaluate(SAVED)
            latencies, saves = [], []
            for i in range(args.n):
                sent = alice.evaluate(DRAW, [label.pk, i])
                bob.wait_for_function(
                    f"() => window.__arrivals.length > {i}", polling=5, timeout=10_000
                )
                latencies.append(bob.evaluate(f"() => window.__arrivals[{i}]") - sent)
                alice.wait_for_function("() => window.__labeller.pending() === 0")
                saves.append(alice.evaluate(f"() => window.__saved[{i}]") - sent)
            ws_url = url.replace("http", "ws") + f"/ws/projects/{project.pk}/"
            pings = alice.evaluate(PING, [ws_url, args.n])
        p50, p95 = percentiles(latencies)
        r50, r95 = percentiles(pings)
        s50, s95 = percentiles(saves)
        print(f"{args.n} boxes drawn by Alice, seen by Bob (same image, loopback)")
        print(
            f"browser -> server -> browser update latency   p50 {p50:6.1f} ms   p95 {p95:6.1f} ms"
        )
        print(f"Alice's own save (POST answered)      p50 {s50:6.1f} ms   p95 {s95:6.1f} ms")
        print(
            f"baseline: raw websocket ping/pong round trip  p50 {r50:6.1f} ms   p95 {r95:6.1f} ms"
        )
        print(f"ratio p50: {p50 / r50:.1f}x the raw round trip")
    finally:
        project_delete(project=project)


if __name__ == "__main__":
    main()
