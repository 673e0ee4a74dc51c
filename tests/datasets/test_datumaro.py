"""Files another tool wrote, and another tool reading ours: datumaro (Intel's dataset
converter, the one CVAT uses) writes COCO, Pascal VOC, YOLO darknet and Ultralytics, CVAT
and ImageNet sets that we import through the API; it reads back what we export. It runs in
its own virtualenv (tests/interop/datumaro_tool.py)."""

import io
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from django.conf import settings

from apps.annotations.models import Annotation, Kind
from apps.images.models import Image
from apps.projects.services import project_create
from tests.datasets.helpers import run_export, run_import

pytestmark = pytest.mark.django_db

TOOL = Path(__file__).resolve().parents[1] / "interop" / "datumaro_tool.py"
PYTHON = Path(os.environ.get("LABELFORGE_INTEROP_PYTHON",
                             Path(settings.BASE_DIR) / ".venv-interop" / "bin" / "python"))  # fmt: skip

BOX_TOLERANCE = 0.05  # px: YOLO keeps 6 decimals of a fraction of the image's size
SPEC = {
    "labels": ["cat", "dog", "traffic light"],
    "items": [
        {"id": "street_1", "subset": "train", "width": 64, "height": 48, "color": [200, 30, 30],
         "boxes": [["cat", 4, 5, 20, 16, {}], ["dog", 30, 10, 25, 30, {"occluded": True}]],
         "tags": ["cat"]},
        {"id": "café", "subset": "train", "width": 80, "height": 60, "color": [30, 30, 200],
         "boxes": [["traffic light", 10.5, 10, 8, 20, {}]], "tags": ["traffic light"]},
        {"id": "empty", "subset": "val", "width": 50, "height": 50, "color": [30, 200, 30],
         "boxes": [], "tags": []},
        {"id": "night", "subset": "val", "width": 64, "height": 48, "color": [10, 10, 10],
         "boxes": [["dog", 0, 0, 64, 48, {}]], "tags": ["dog"]},
    ],
}  # fmt: skip


def _datumaro(*args: str, stdin: str = "") -> str:
    assert PYTHON.exists(), f"{PYTHON} is missing: run scripts/setup.sh --test"
    done = subprocess.run([str(PYTHON), str(TOOL), *args], input=stdin, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _written_by_datumaro(fmt: str, tmp_path: Path) -> bytes:
    out = tmp_path / fmt
    _datumaro("write", fmt, str(out), stdin=json.dumps(SPEC))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for path in sorted(out.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(out).as_posix())
    shutil.rmtree(out)
    return buf.getvalue()


def _stem(name: str) -> str:
    return name.rsplit("/", 1)[-1].rsplit(".", 1)[0]


def _close(found: list, expected: list) -> bool:
    return len(found) == len(expected) and all(
        f[0] == e[0]
        and all(abs(a - b) <= BOX_TOLERANCE for a, b in zip(f[1:5], e[1:5], strict=True))
        for f, e in zip(sorted(found), sorted(expected), strict=True)
    )


def _project_state(project) -> dict[str, dict]:
    """Per image stem: split, boxes [label, x, y, w, h, attributes] and tags."""
    state = {}
    for image in Image.objects.filter(project=project):
        annotations = Annotation.objects.filter(image=image).select_related("label")
        state[_stem(image.filename)] = {
            "split": image.split,
            "boxes": sorted([a.label.name, a.x, a.y, a.w, a.h, a.attributes]
                            for a in annotations if a.kind == Kind.BOX),
            "tags": sorted(a.label.name for a in annotations if a.kind == Kind.TAG),
        }  # fmt: skip
    return state


# format -> (what we detect, whether image-level tags survive it, whether box attributes do)
WRITTEN = {
    "coco_instances": ("coco", False, False),
    "voc_detection": ("voc", False, True),
    "yolo": ("yolo", False, False),
    "yolo_ultralytics": ("yolo", False, False),
    "cvat": ("cvat", True, True),
    "imagenet_with_subset_dirs": ("imagenet", True, False),
}


@pytest.mark.parametrize("fmt", WRITTEN)
def test_we_import_what_datumaro_writes(world, django_capture_on_commit_callbacks, tmp_path,
                                        fmt) -> None:  # fmt: skip
    detected, has_tags, has_attributes = WRITTEN[fmt]
    job = run_import(world, django_capture_on_commit_callbacks, _written_by_datumaro(fmt, tmp_path))
    assert (job["status"], job["detected_format"]) == ("succeeded", detected), job
    assert job["counts"]["images_created"] == 4 and job["counts"]["images_failed"] == 0, job
    assert job["counts"]["skipped"] == 0, job["errors"]

    state = _project_state(world.project)
    assert set(state) == {item["id"] for item in SPEC["items"]}  # unicode and empty ones too
    for item in SPEC["items"]:
        got = state[item["id"]]
        assert got["split"] == item["subset"], (item["id"], got)
        assert got["tags"] == (sorted(item["tags"]) if has_tags else []), (item["id"], got)
        expected = [] if fmt.startswith("imagenet") else item["boxes"]
        assert _close(got["boxes"], expected), (item["id"], got["boxes"], expected)
        if has_attributes and expected:
            occluded = {b[0]: bool(b[5].get("occluded")) for b in got["boxes"]}
            assert occluded == {b[0]: bool(b[5].get("occluded")) for b in expected}, got


# our format -> datumaro's name for it, and whether its tags and boxes carry over
EXPORTED = {
    "coco": ("coco_instances", False, True),
    "voc": ("voc_detection", False, True),
    "yolo": ("yolo", False, True),  # datumaro tells darknet from Ultralytics itself
    "cvat": ("cvat", True, True),
    "imagenet": ("imagenet_with_subset_dirs", True, False),
}


@pytest.mark.parametrize("fmt", EXPORTED)
def test_datumaro_reads_what_we_export(world, django_capture_on_commit_callbacks, tmp_path,
                                       fmt) -> None:  # fmt: skip
    """Datumaro's CVAT set carries every box and tag; we import it, export in each format, and
    datumaro reads back the same boxes, tags and splits."""
    commits = django_capture_on_commit_callbacks
    world.project = project_create(name=f"Export {fmt}", user=world.users["manager"])
    run_import(world, commits, _written_by_datumaro("cvat", tmp_path))
    job, data = run_export(world, commits, {"format": fmt, "include_images": True})
    assert job["counts"]["images"] == 4, job
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        zf.extractall(tmp_path / "ours")
    theirs_format, has_tags, has_boxes = EXPORTED[fmt]
    found = json.loads(_datumaro("read", theirs_format, str(tmp_path / "ours")))

    items = {item["id"]: item for item in found["items"]}
    expected_ids = {i["id"] for i in SPEC["items"] if has_boxes or i["tags"]}
    assert set(items) == expected_ids, found
    for item in SPEC["items"]:
        if item["id"] not in expected_ids:
            continue
        got = items[item["id"]]
        assert got["subset"] == item["subset"], got
        assert got["tags"] == (sorted(item["tags"]) if has_tags else []), got
        assert _close(got["boxes"], item["boxes"] if has_boxes else []), (got, item["boxes"])
