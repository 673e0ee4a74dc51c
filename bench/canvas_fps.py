"""Labeller pan/zoom frame rate: a 4000x3000 image with 2,000 boxes (or, with --polygons,
2,000 polygons of 20 vertices) in headless Chromium.

Scripted pan and zoom run for a few seconds in the page (one viewport change per animation
frame); we count the frames the labeller's renderer drew and the frame intervals. Baseline in
the same run and browser: a bare Canvas 2D loop that draws the same image and the same 2,000
rectangles (or polygons: one path of hairlines, as the labeller draws that many) each frame
with no app around it.

    eval "$(scripts/services.sh start)" && .venv/bin/python bench/canvas_fps.py [--polygons]
"""

import argparse
import io
import math
import random
import sys

from _stack import PASSWORD, bench_user, chromium, live_server, login, report_fps
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage
from PIL import ImageDraw

from apps.annotations.models import Annotation
from apps.annotations.services import upload_with_tags
from apps.images.models import Image
from apps.projects.services import label_create, project_create, project_delete

WIDTH, HEIGHT, BOXES, SECONDS = 4000, 3000, 2000, 4.0

SCRIPTED = """async ([seconds]) => {
  const L = window.__labeller, vp = L.viewport;
  const cx = vp.width / 2, cy = vp.height / 2;
  const f0 = L.frames, stamps = [];
  const t0 = performance.now();
  await new Promise((done) => {
    const step = (t) => {
      stamps.push(t);
      const k = stamps.length;
      if (k % 2) vp.zoomAt(cx + 200 * Math.sin(k / 15), cy, k % 120 < 60 ? 1.03 : 1 / 1.03);
      else vp.panBy(12 * Math.cos(k / 20), 9 * Math.sin(k / 25));
      if (t - t0 < seconds * 1000) requestAnimationFrame(step); else done();
    };
    requestAnimationFrame(step);
  });
  return {frames: L.frames - f0, ms: performance.now() - t0, stamps};
}"""

BASELINE = """async ([src, boxes, seconds]) => {
  const canvas = document.createElement('canvas');
  canvas.width = innerWidth; canvas.height = innerHeight;
  document.body.appendChild(canvas);
  const ctx = canvas.getContext('2d');
  const img = new Image(); img.src = src; await img.decode();
  let scale = Math.min(canvas.width / img.width, canvas.height / img.height), ox = 0, oy = 0;
  const stamps = [], t0 = performance.now();
  await new Promise((done) => {
    const step = (t) => {
      stamps.push(t);
      const k = stamps.length;
      if (k % 2) scale *= (k % 120 < 60 ? 1.03 : 1 / 1.03); else { ox += 12 * Math.cos(k / 20); oy += 9 * Math.sin(k / 25); }
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      ctx.setTransform(scale, 0, 0, scale, ox, oy);
      ctx.drawImage(img, 0, 0);
      ctx.lineWidth = 1.5 / scale; ctx.strokeStyle = '#f59e0b';
      ctx.beginPath();
      for (const shape of boxes) {
        if (shape.length === 4 && typeof shape[0] === 'number') { ctx.rect(...shape); continue; }
        shape.forEach(([x, y], i) => i ? ctx.lineTo(x, y) : ctx.moveTo(x, y));
        ctx.closePath();
      }
      ctx.stroke();
      if (t - t0 < seconds * 1000) requestAnimationFrame(step); else done();
    };
    requestAnimationFrame(step);
  });
  return {frames: stamps.length, ms: performance.now() - t0, stamps};
}"""


def big_jpeg() -> bytes:
    image = PILImage.new("RGB", (WIDTH, HEIGHT))
    draw = ImageDraw.Draw(image)
    rng = random.Random(1)
    for _ in range(400):
        x, y = rng.randrange(WIDTH), rng.randrange(HEIGHT)
        r = rng.randrange(20, 300)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rng.randrange(256) for _ in range(3)))
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def _polygon(rng: random.Random, vertices: int = 20) -> list[list[float]]:
    r = rng.uniform(15, 150)
    cx, cy = rng.uniform(r, WIDTH - r), rng.uniform(r, HEIGHT - r)
    return [[cx + r * rng.uniform(0.7, 1.0) * math.cos(2 * math.pi * k / vertices),
             cy + r * rng.uniform(0.7, 1.0) * math.sin(2 * math.pi * k / vertices)] for k in range(vertices)]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--polygons", action="store_true", help="2,000 polygons of 20 vertices")
    polygons = parser.parse_args().polygons
    user = bench_user("bench-fps")
    project = project_create(name="bench: canvas fps", user=user)
    try:
        label = label_create(project=project, name="thing")
        upload = upload_with_tags(
            project=project, user=user, files=[SimpleUploadedFile("big.jpg", big_jpeg())]
        )
        image = Image.objects.get(pk=upload.created[0])
        rng = random.Random(2)
        rects: list = []
        if polygons:
            rects = [_polygon(rng) for _ in range(BOXES)]
            Annotation.objects.bulk_create(
                Annotation(image=image, label=label, kind="polygon", polygon=[ring],
                           x=min(p[0] for p in ring), y=min(p[1] for p in ring),
                           w=max(p[0] for p in ring) - min(p[0] for p in ring),
                           h=max(p[1] for p in ring) - min(p[1] for p in ring))
                for ring in rects
            )  # fmt: skip
        else:
            for _ in range(BOXES):
                w, h = rng.uniform(20, 300), rng.uniform(20, 300)
                rects.append((rng.uniform(0, WIDTH - w), rng.uniform(0, HEIGHT - h), w, h))
            Annotation.objects.bulk_create(
                Annotation(image=image, label=label, kind="box", x=x, y=y, w=w, h=h)
                for x, y, w, h in rects
            )
        what = f"{BOXES} polygons of 20 vertices" if polygons else f"{BOXES} boxes"
        with live_server() as url, chromium() as browser:
            context = browser.new_context(viewport={"width": 1600, "height": 1000})
            page = context.new_page()
            login(page, url, "bench-fps", PASSWORD)
            page.goto(f"{url}/projects/{project.pk}/label/{image.pk}/")
            page.wait_for_function(
                "() => window.__labeller && window.__labeller.ready", timeout=60_000
            )
            count = "shapes" if polygons else "boxes"
            page.wait_for_function(f"() => window.__labeller.{count}().length === {BOXES}")
            print(
                f"{WIDTH}x{HEIGHT} image, {what}, {SECONDS:.0f} s of scripted pan/zoom, 1600x1000 viewport"
            )
            app = report_fps("labeller (pan + zoom)", page.evaluate(SCRIPTED, [SECONDS]))
            raw = context.new_page()
            raw.goto(f"{url}/healthz")
            raw.set_viewport_size({"width": 1600, "height": 1000})
            src = f"{url}/api/v1/images/{image.pk}/file/"
            base = report_fps(
                "baseline: bare Canvas 2D loop", raw.evaluate(BASELINE, [src, rects, SECONDS])
            )
            print(
                f"ratio labeller / baseline: {app / base:.2f}x   goal: >= 50 fps -> {'met' if app >= 50 else 'NOT met'}"
            )
    finally:
        project_delete(project=project)
    sys.exit(0)


if __name__ == "__main__":
    main()
