"""The Dataset tab's reads on many boxes: statistics, shape clusters and anchors computed by
the app (one query into numpy, then the maths) against numpy alone on the same arrays
already in memory, in the same run. The difference is the database read. Needs
DATABASE_URL / REDIS_URL (`eval "$(scripts/services.sh start)"`) and a migrated database;
the scratch project is deleted afterwards.

    python bench/workbench_stats.py [--boxes 100000] [--repeat 5]
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _stack  # noqa: F401  (Django set-up)
import numpy as np
from django.contrib.auth import get_user_model

from apps.annotations.models import Annotation, Kind
from apps.datasets.workbench.shapes import box_anchors, box_clusters
from apps.datasets.workbench.stats import dataset_stats, histograms
from apps.datasets.workbench.table import BoxFilter, BoxTable, box_table
from apps.images.models import Image
from apps.projects.services import label_create, project_create, project_delete
from ml.boxstats import anchors, kmeans
from ml.sizes import training_scale

IMAGES = 2000


def fill(project, n: int) -> None:
    """n boxes on IMAGES image rows (no files: the tools read only the rows)."""
    rng = np.random.default_rng(0)
    labels = [label_create(project=project, name=f"class {i}") for i in range(5)]
    Image.objects.bulk_create(
        Image(project=project, file=f"bench/{i}.jpg", filename=f"{i}.jpg", width=640, height=480,
              format="JPEG", size_bytes=1, sha256=f"{project.pk:08d}{i:056d}")
        for i in range(IMAGES)
    )  # fmt: skip
    image_ids = list(project.images.values_list("id", flat=True))
    w = rng.lognormal(3.5, 0.6, n).clip(2, 600)
    h = (w / rng.choice([0.3, 1.0, 2.5], n) * rng.uniform(0.8, 1.2, n)).clip(2, 470)
    rows = [
        Annotation(image_id=image_ids[i % IMAGES], label=labels[i % 5], kind=Kind.BOX,
                   x=float(rng.uniform(0, 640 - w[i])), y=float(rng.uniform(0, 480 - h[i])),
                   w=float(w[i]), h=float(h[i]))
        for i in range(n)
    ]  # fmt: skip
    Annotation.objects.bulk_create(rows, batch_size=5000)


def timed(fn, repeat: int) -> float:
    """Median milliseconds of `repeat` calls (after one warm-up)."""
    fn()
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t0) * 1000)
    return statistics.median(runs)


def plain(table: BoxTable, repeat: int) -> dict[str, float]:
    """numpy on arrays already in memory: the same histograms, k-means and anchors."""
    wh = np.stack([table.w, table.h], 1)
    scaled = wh * training_scale(table.image_w, table.image_h, 512)[:, None]
    return {
        "stats": timed(lambda: histograms(table), repeat),
        "clusters": timed(lambda: kmeans(wh, 9), repeat),
        "anchors": timed(lambda: anchors(scaled, k=9, image_size=512), repeat),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--boxes", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    user, _ = get_user_model().objects.get_or_create(username="bench-workbench")
    project = project_create(name=f"bench workbench {time.strftime('%H:%M:%S')}", user=user)
    try:
        t0 = time.perf_counter()
        fill(project, args.boxes)
        filled = time.perf_counter() - t0
        everything = BoxFilter()
        app = {
            "read": timed(lambda: box_table(project=project, filters=everything), args.repeat),
            "stats": timed(lambda: dataset_stats(project=project, filters=everything), args.repeat),
            "clusters": timed(
                lambda: box_clusters(project=project, filters=everything, k=9, mode="compute"),
                args.repeat,
            ),
            "anchors": timed(
                lambda: box_anchors(project=project, filters=everything, k=9, image_size=512),
                args.repeat,
            ),
        }
        base = plain(box_table(project=project, filters=everything), args.repeat)
    finally:
        project_delete(project=project)
    print(f"{args.boxes:,} boxes on {IMAGES:,} images (filled in {filled:.1f} s); median of "
          f"{args.repeat}, ms")  # fmt: skip
    print(f"{'':10} {'app (PostgreSQL + numpy)':>26} {'numpy alone':>12} {'ratio':>7}")
    print(f"{'read':10} {app['read']:26.0f} {'':>12} {'':>7}")
    for name in ("stats", "clusters", "anchors"):
        print(f"{name:10} {app[name]:26.0f} {base[name]:12.0f} {base[name] / app[name]:6.2f}x")
    print(json.dumps({"boxes": args.boxes, "app_ms": {k: round(v, 1) for k, v in app.items()},
                      "numpy_ms": {k: round(v, 1) for k, v in base.items()}}))  # fmt: skip


if __name__ == "__main__":
    main()
