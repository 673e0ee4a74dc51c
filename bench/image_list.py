"""Image list latency at 100k images: keyset pagination (what the API does) against
OFFSET pagination (the usual baseline), first and deep pages, with and without filters.

    DATABASE_URL=postgres://... python bench/image_list.py [--images 100000]

Creates a throwaway project (rows only, no files) and deletes it afterwards."""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings.local")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from apps.annotations.models import Annotation  # noqa: E402
from apps.images.models import Image  # noqa: E402
from apps.images.selectors import ImageFilters, image_queryset  # noqa: E402
from apps.projects.models import Project  # noqa: E402
from apps.projects.services import label_create, project_create  # noqa: E402


def timed(fn, repeat: int = 15) -> tuple[float, float]:
    fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=100_000)
    parser.add_argument("--page-size", type=int, default=100)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run against PostgreSQL: set DATABASE_URL=postgres://...")
    user, _ = get_user_model().objects.get_or_create(username="bench", defaults={"is_staff": True})
    project = project_create(name="bench: image list", user=user)
    try:
        label = label_create(project=project, name="thing")
        t0 = time.perf_counter()
        statuses = ["new", "in_progress", "done", "reviewed"]
        batch = []
        for i in range(args.images):
            batch.append(Image(
                project=project, file=f"bench/{i}.jpg", filename=f"{i}.jpg", width=640, height=480,
                format="JPEG", size_bytes=1, sha256=f"{i:064x}", status=statuses[i % 4],
            ))  # fmt: skip
            if len(batch) == 10_000:
                Image.objects.bulk_create(batch)
                batch = []
        Image.objects.bulk_create(batch)
        ids = list(project.images.order_by("id").values_list("id", flat=True))
        Annotation.objects.bulk_create(
            Annotation(image_id=pk, label=label, kind="tag") for pk in ids[::10]
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE images_image; ANALYZE annotations_annotation;")
        print(f"seeded {args.images:,} images in {time.perf_counter() - t0:.1f}s")

        client = APIClient()
        client.force_authenticate(user)
        base = f"/api/v1/projects/{project.pk}/images/"
        deep_after = ids[-args.page_size * 2]
        offset = len(ids) - args.page_size * 2

        def api(params: dict) -> None:
            response = client.get(
                base, {"page_size": args.page_size, **params}, HTTP_HOST="localhost"
            )
            assert response.status_code == 200, response.content[:200]

        def offset_page(filters: ImageFilters, off: int) -> None:
            list(
                image_queryset(project=project, filters=filters).order_by("id")[
                    off : off + args.page_size
                ]
            )

        rows = [
            ("API first page", lambda: api({})),
            ("API deep page (keyset)", lambda: api({"after": deep_after})),
            ("API deep page status=done", lambda: api({"status": "done", "after": deep_after})),
            ("API deep page label=thing", lambda: api({"label": label.pk, "after": deep_after})),
            ("API has_annotations=false deep", lambda: api({"has_annotations": "false", "after": deep_after})),
            ("baseline OFFSET deep page (query only)", lambda: offset_page(ImageFilters(), offset)),
            ("baseline OFFSET deep label=thing (query only)", lambda: offset_page(ImageFilters(label=label.pk), offset // 10 - 200)),
        ]  # fmt: skip
        print(f"{'case':48s} {'p50 ms':>8s} {'p95 ms':>8s}")
        for name, fn in rows:
            p50, p95 = timed(fn)
            print(f"{name:48s} {p50:8.2f} {p95:8.2f}")
    finally:
        Annotation.objects.filter(image__project=project).delete()
        Project.objects.filter(pk=project.pk).delete()


if __name__ == "__main__":
    main()
