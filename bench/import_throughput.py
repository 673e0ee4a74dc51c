"""Dataset import and export throughput: a COCO archive of N real-sized JPEGs with boxes,
imported through the app's job (apps.datasets.jobs.run_import: storage, content matching,
labels, clipping, annotations with history) and exported again as COCO with the images,
against a plain script in the same run that only unzips and decodes the same images with
Pillow. Needs DATABASE_URL / REDIS_URL (`eval "$(scripts/services.sh start)"`) and a
migrated database; the scratch project is deleted afterwards.

    python bench/import_throughput.py [--images 10000] [--boxes 2]
"""

import argparse
import io
import json
import random
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _stack  # noqa: F401  (Django set-up)
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from apps.datasets.jobs import run_export, run_import
from apps.datasets.models import DatasetExport, DatasetImport
from apps.datasets.services import dataset_export_create, dataset_import_create
from apps.projects.services import project_create, project_delete

SIZE = (320, 240)


def make_archive(path: Path, n: int, boxes: int) -> None:
    """N distinct JPEGs (a seeded gradient and blocks) and a COCO file with `boxes` each."""
    rng = random.Random(0)
    images, annotations = [], []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for i in range(n):
            img = Image.new(
                "RGB", SIZE, (rng.randrange(256), rng.randrange(256), rng.randrange(256))
            )
            for _ in range(3):
                x, y = rng.randrange(SIZE[0] - 40), rng.randrange(SIZE[1] - 40)
                img.paste((rng.randrange(256), rng.randrange(256), rng.randrange(256)),
                          (x, y, x + rng.randrange(10, 40), y + rng.randrange(10, 40)))  # fmt: skip
            buf = io.BytesIO()
            img.save(buf, "JPEG", quality=85)
            zf.writestr(f"images/{i:06d}.jpg", buf.getvalue())
            images.append(
                {"id": i + 1, "file_name": f"{i:06d}.jpg", "width": SIZE[0], "height": SIZE[1]}
            )
            for _ in range(boxes):
                w, h = rng.randrange(8, 120), rng.randrange(8, 100)
                annotations.append({"id": len(annotations) + 1, "image_id": i + 1,
                                    "category_id": rng.choice((1, 2, 3)),
                                    "bbox": [rng.randrange(SIZE[0] - w), rng.randrange(SIZE[1] - h), w, h]})  # fmt: skip
        body = {"images": images, "annotations": annotations,
                "categories": [{"id": 1, "name": "car"}, {"id": 2, "name": "bike"}, {"id": 3, "name": "person"}]}  # fmt: skip
        zf.writestr("annotations/instances_train.json", json.dumps(body))


def plain(path: Path) -> float:
    """Unzip and decode every image: the floor any importer stands on."""
    t0 = time.perf_counter()
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.endswith(".jpg"):
                with Image.open(io.BytesIO(zf.read(name))) as img:
                    img.load()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--boxes", type=int, default=2)
    args = parser.parse_args()
    user, _ = get_user_model().objects.get_or_create(username="bench-import")
    project = project_create(name=f"bench import {time.strftime('%H:%M:%S')}", user=user)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            archive = Path(tmp) / "coco.zip"
            make_archive(archive, args.images, args.boxes)
            size = archive.stat().st_size
            baseline = plain(archive)
            t0 = time.perf_counter()
            job = dataset_import_create(project=project, user=user,
                                        file=SimpleUploadedFile("coco.zip", archive.read_bytes()))  # fmt: skip
            run_import(import_id=job.pk)
            imported = time.perf_counter() - t0
            job = DatasetImport.objects.get(pk=job.pk)
            t0 = time.perf_counter()
            export = dataset_export_create(project=project, user=user, format="coco", filters={},
                                           include_images=True)  # fmt: skip
            run_export(export_id=export.pk)
            exported = time.perf_counter() - t0
            export = DatasetExport.objects.get(pk=export.pk)
            if export.file:
                default_storage.delete(export.file)
    finally:
        project_delete(project=project)
    n = args.images
    print(f"{n:,} images ({size / 2**20:.0f} MiB zip), {n * args.boxes:,} boxes; import "
          f"{job.status}: {job.counts}")  # fmt: skip
    print(f"plain unzip + decode: {baseline:.1f} s, {n / baseline:,.0f} img/s")
    print(f"import job:           {imported:.1f} s, {n / imported:,.0f} img/s "
          f"({baseline / imported:.2f}x plain)")  # fmt: skip
    print(f"export (COCO + images): {exported:.1f} s, {n / exported:,.0f} img/s "
          f"({baseline / exported:.2f}x plain), {export.size_bytes / 2**20:.0f} MiB")  # fmt: skip
    print(json.dumps({"images": n, "boxes": n * args.boxes, "plain_s": round(baseline, 2),
                      "import_s": round(imported, 2), "export_s": round(exported, 2),
                      "import_vs_plain": round(baseline / imported, 3),
                      "export_vs_plain": round(baseline / exported, 3)}))  # fmt: skip


if __name__ == "__main__":
    main()
