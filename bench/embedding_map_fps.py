"""Embedding map frame rate: 50,000 points on the Curation tab's map in headless Chromium.

A scratch project gets 50,000 image rows (sharing one thumbnail file), each tagged with one
of 8 labels and placed on the map (8 Gaussian clusters), as an embeddings run leaves them. The Curation tab loads the map
(`GET .../embedding-map/`, timed from navigation to the first drawn frame) and a script then
zooms and pans it for a few seconds, one view change per animation frame; we count the
frames the widget drew and the frame intervals. A lasso over half the map is timed from the
pointer's release to the selection's count on screen.

Baseline in the same run and browser: the plain way to draw a scatter on Canvas 2D, a loop
that sets each point's colour and calls fillRect for every point, every frame, with the same
view changes.

    eval "$(scripts/services.sh start)" && .venv/bin/python bench/embedding_map_fps.py [--points 50000]
"""

import argparse
import io
import sys
import time

import numpy as np
from _stack import PASSWORD, bench_user, chromium, live_server, login, report_fps
from PIL import Image as PILImage

from apps.annotations.models import Annotation
from apps.core.storage import storage_replace
from apps.images.models import Image
from apps.models.models import ImageEmbedding
from apps.projects.services import label_create, project_create, project_delete

SECONDS = 4.0
LABELS = 8

SCRIPTED = """async ([seconds]) => {
  const m = window.__embeddingMap;
  const f0 = m.framesDrawn, stamps = [], t0 = performance.now();
  await new Promise((done) => {
    const step = (t) => {
      stamps.push(t);
      const k = stamps.length;
      if (k % 2) m.zoomBy(k % 120 < 60 ? 1.03 : 1 / 1.03);
      else m.panBy(12 * Math.cos(k / 20), 9 * Math.sin(k / 25));
      if (t - t0 < seconds * 1000) requestAnimationFrame(step); else done();
    };
    requestAnimationFrame(step);
  });
  return {frames: m.framesDrawn - f0, ms: performance.now() - t0, stamps};
}"""

BASELINE = """async ([xs, ys, colours, palette, seconds]) => {
  const canvas = document.createElement('canvas');
  canvas.width = 1316; canvas.height = 520;
  document.body.appendChild(canvas);
  const ctx = canvas.getContext('2d');
  let scale = 470, ox = 400, oy = 20;
  const stamps = [], t0 = performance.now();
  await new Promise((done) => {
    const step = (t) => {
      stamps.push(t);
      const k = stamps.length;
      if (k % 2) scale *= (k % 120 < 60 ? 1.03 : 1 / 1.03); else { ox += 12 * Math.cos(k / 20); oy += 9 * Math.sin(k / 25); }
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      for (let i = 0; i < xs.length; i++) {
        ctx.fillStyle = palette[colours[i]];
        ctx.fillRect(xs[i] * scale + ox - 1.5, ys[i] * scale + oy - 1.5, 3, 3);
      }
      if (t - t0 < seconds * 1000) requestAnimationFrame(step); else done();
    };
    requestAnimationFrame(step);
  });
  return {frames: stamps.length, ms: performance.now() - t0, stamps};
}"""


def fill(project, user, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    labels = [label_create(project=project, name=f"class {k}") for k in range(LABELS)]
    centres = rng.uniform(0.1, 0.9, (LABELS, 2))
    which = rng.integers(0, LABELS, n)
    xy = np.clip(centres[which] + rng.normal(0, 0.05, (n, 2)), 0, 1)
    thumb = io.BytesIO()
    PILImage.new("RGB", (64, 64), (90, 120, 200)).save(thumb, "JPEG")
    name = storage_replace(f"projects/{project.pk}/bench-thumb.jpg", thumb)  # one file for all
    images = Image.objects.bulk_create(
        [Image(project=project, file=name, thumbnail=name, filename=f"{i}.png", width=64,
               height=64, format="JPEG", size_bytes=1, sha256=f"{i:064x}", uploaded_by=user)
         for i in range(n)], batch_size=5000,
    )  # fmt: skip
    bits = rng.integers(0, 2, (n, 64)).astype(np.float32)  # distinct hashes: no duplicate groups
    Annotation.objects.bulk_create(
        [Annotation(image=img, label=labels[int(k)], kind="tag") for img, k in zip(images, which, strict=True)],
        batch_size=5000,
    )  # fmt: skip
    ImageEmbedding.objects.bulk_create(
        [ImageEmbedding(image=img, space="dhash", dim=64, vector=b.tobytes(), map_x=float(x),
                        map_y=float(y)) for img, (x, y), b in zip(images, xy, bits, strict=True)],
        batch_size=5000,
    )  # fmt: skip
    return xy[:, 0], xy[:, 1], which


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=50_000)
    args = parser.parse_args()
    user = bench_user("bench-map")
    project = project_create(name="bench: embedding map", user=user)
    try:
        t = time.perf_counter()
        xs, ys, which = fill(project, user, args.points)
        print(
            f"{args.points:,} points in {LABELS} clusters (rows made in {time.perf_counter() - t:.1f} s)"
        )
        with live_server() as url, chromium() as browser:
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            login(page, url, "bench-map", PASSWORD)
            t0 = time.perf_counter()
            page.goto(f"{url}/projects/{project.pk}/#curation")
            page.wait_for_function(
                f"() => window.__embeddingMap && document.querySelector('[data-testid=map-info]')"
                f".textContent.startsWith('{args.points:,} of')", timeout=120_000,
            )  # fmt: skip
            page.wait_for_function("() => window.__embeddingMap.framesDrawn > 0")
            print(f"open the tab -> {args.points:,} points drawn: {time.perf_counter() - t0:.2f} s")
            canvas = page.get_by_test_id("map-canvas")
            canvas.evaluate("el => el.scrollIntoView({block: 'center'})")
            app = report_fps("embedding map (pan + zoom)", page.evaluate(SCRIPTED, [SECONDS]))

            page.evaluate("() => window.__embeddingMap.resetView()")
            box = canvas.bounding_box()
            x0, y0 = box["x"] + box["width"] / 2, box["y"] + 8
            x1, y1 = box["x"] + box["width"] - 8, box["y"] + box["height"] - 8
            page.keyboard.down("Shift")
            page.mouse.move(x0, y0)
            page.mouse.down()
            for x, y in ((x1, y0), (x1, y1), (x0, y1), (x0, y0 + 2)):
                page.mouse.move(x, y, steps=10)
            t1 = time.perf_counter()
            page.mouse.up()
            page.keyboard.up("Shift")
            page.wait_for_function(
                "() => document.querySelector('[data-testid=map-selection-count]')"
            )
            chosen = page.get_by_test_id("map-selection-count").text_content()
            print(
                f"lasso over the right half: {chosen} selected, {1000 * (time.perf_counter() - t1):.0f} ms to the count on screen"
            )

            raw = context.new_page()
            raw.goto(f"{url}/healthz")
            palette = [
                "#4c6ef5",
                "#2bb3c0",
                "#8fd14f",
                "#f2c94c",
                "#f2994a",
                "#eb5757",
                "#c084fc",
                "#5d6675",
            ]
            base = report_fps(
                "baseline: fillRect per point, per frame",
                raw.evaluate(
                    BASELINE, [xs.tolist(), ys.tolist(), which.tolist(), palette, SECONDS]
                ),
            )
            print(f"ratio map / baseline: {app / base:.2f}x   goal: smooth (>= 50 fps) -> "
                  f"{'met' if app >= 50 else 'NOT met'}")  # fmt: skip
    finally:
        project_delete(project=project)
    sys.exit(0)


if __name__ == "__main__":
    main()
