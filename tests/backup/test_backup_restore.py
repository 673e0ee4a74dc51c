"""manage.py backup / restore with real processes: a backup of a live test installation is
restored into a new, empty PostgreSQL database and an empty storage folder by another
process; images, annotations with their history, runs and model versions all come back, and
the restored model predicts what the original predicted."""

import io
import json
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from apps.annotations.services import annotation_create, annotation_update
from tests.factories.images import image_bytes
from tests.factories.models import make_version
from tests.helpers.processes import subprocess_env
from tests.helpers.training import FAST

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)

# What a restored installation is made of, read by a separate process from its own database.
INVENTORY = """
def main():
    import json
    from django.core.files.storage import default_storage
    from apps.annotations.models import Annotation, AnnotationEvent
    from apps.images.models import Image
    from apps.models.models import ModelVersion, TrainingRun
    from apps.models.serving.inference import PredictInput, predict
    version = ModelVersion.objects.get(pk={version})
    image = open({probe!r}, "rb").read()
    print(json.dumps({{
        "images": sorted(Image.objects.values_list("sha256", flat=True)),
        "annotations": sorted([list(r) for r in Annotation.objects.values_list(
            "id", "label__name", "x", "w", "version")]),
        "events": AnnotationEvent.objects.count(),
        "runs": [list(r) for r in TrainingRun.objects.values_list(
            "id", "status", "snapshot__image_count")],
        "versions": [list(r) for r in ModelVersion.objects.values_list("id", "version", "status")],
        "files_readable": all(default_storage.open(i.file.name).read() for i in Image.objects.all()),
        "prediction": predict(version=version, inputs=[PredictInput("p", image)], top_k=2,
                              threshold=0.3)["predictions"],
    }}))
main()
"""


def _inventory(env: dict[str, str], version_id: int, probe: Path) -> dict:
    shown = _manage(env, "shell", "-c", INVENTORY.format(version=version_id, probe=str(probe)))
    assert shown.returncode == 0, shown.stderr[-3000:]
    return json.loads(shown.stdout.strip().splitlines()[-1])


@pytest.fixture
def empty_database():
    """A new, empty PostgreSQL database on the test server; dropped afterwards."""
    db = settings.DATABASES["default"]
    name = f"restore_{uuid.uuid4().hex[:10]}"
    admin = dict(host=db["HOST"], port=db["PORT"], user=db["USER"], password=db.get("PASSWORD") or "",
                 dbname="postgres", autocommit=True)  # fmt: skip
    with psycopg.connect(**admin) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT']}/{name}"
    with psycopg.connect(**admin) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip


@pytest.fixture
def installation(world, make_images, tmp_path):
    """Images with boxes (one edited: history), a queued run with its snapshot, a ready model
    version with ONNX; a probe image to predict."""
    images = make_images(3)
    box = annotation_create(image=images[0], user=world.users["owner"], kind="box",
                            label_id=world.labels[0].pk, box={"x": 1, "y": 1, "w": 5, "h": 4})  # fmt: skip
    annotation_update(annotation_id=box.pk, user=world.users["owner"], version=box.version,
                      data={"box": {"x": 2, "y": 2, "w": 6, "h": 4}})  # fmt: skip
    for i, image in enumerate(images):  # tags of two classes: a run can start
        annotation_create(
            image=image, user=world.users["owner"], kind="tag", label_id=world.labels[i % 2].pk
        )
    run = world.client("manager").post(
        f"/api/v1/projects/{world.project.pk}/training-runs/",
        {"task": "classify", "architecture": "resnet20", "params": FAST}, format="json",
    )  # fmt: skip
    assert run.status_code == 202, run.json()
    version = make_version(world.project, world.users["owner"])
    assert version.status == "ready" and version.onnx, version.error
    probe = tmp_path / "probe.png"
    probe.write_bytes(image_bytes(40, 30, color=(200, 40, 40)))
    return version, probe


def test_a_backup_restores_into_an_empty_installation(
    installation, empty_database, tmp_path
) -> None:
    version, probe = installation
    before = _inventory(subprocess_env(Path(settings.MEDIA_ROOT)), version.pk, probe)
    assert before["events"] >= 4 and before["runs"] and before["versions"]
    assert before["prediction"] and before["files_readable"] is True
    archive = tmp_path / "labelforge.tar"
    call_command("backup", str(archive))
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        manifest = json.loads(tar.extractfile("manifest.json").read())
    stored = {e["name"] for e in manifest["files"]}
    assert {f"files/{n}" for n in stored} | {"manifest.json", "database.dump"} == names
    assert any(n.endswith("model.onnx") for n in stored) and any("snapshots/" in n for n in stored)

    media = tmp_path / "restored-media"
    env = {**subprocess_env(media), "DATABASE_URL": empty_database,
           "LABELFORGE_WORK_DIR": str(tmp_path / "restored-work")}  # fmt: skip
    restored = _manage(env, "restore", str(archive))
    assert restored.returncode == 0, restored.stderr[-3000:]
    assert "Restored the database and" in restored.stdout
    after = _inventory(env, version.pk, probe)
    assert after["files_readable"] is True
    for key in ("images", "annotations", "events", "runs", "versions"):
        assert after[key] == before[key], key
    assert [p["label"] for p in after["prediction"]] == [p["label"] for p in before["prediction"]]
    assert [p["confidence"] for p in after["prediction"]] == pytest.approx(
        [p["confidence"] for p in before["prediction"]], abs=1e-5
    )

    again = _manage(env, "restore", str(archive))  # the database is no longer empty
    assert again.returncode != 0 and "not empty" in again.stderr


def _rewrite(path: Path, manifest: dict, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w") as tar:
        for name, data in {**members, "manifest.json": json.dumps(manifest).encode()}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_restore_refuses_before_writing_anything(installation, empty_database, tmp_path) -> None:
    archive = tmp_path / "good.tar"
    call_command("backup", str(archive))
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(archive))  # into this, populated, database
    with tarfile.open(archive) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
    manifest = json.loads(members["manifest.json"])
    escaping = json.loads(members["manifest.json"])
    escaping["files"][0]["name"] = "../../escaped.png"
    first = f"files/{manifest['files'][0]['name']}"
    damaged = {**members, first: b"x" * len(members[first])}
    bad = {
        "outside storage": _rewrite(tmp_path / "escape.tar", escaping, members),
        "damaged": _rewrite(tmp_path / "damaged.tar", manifest, damaged),
        "not a backup archive": tmp_path / "junk.tar",
    }
    bad["not a backup archive"].write_bytes(b"not a tar file at all")

    media = tmp_path / "restored-media"
    env = {**subprocess_env(media), "DATABASE_URL": empty_database}
    for reason, path in bad.items():
        refused = _manage(env, "restore", str(path))
        assert refused.returncode != 0 and reason in refused.stderr, refused.stderr[-2000:]
    assert not [p for p in media.rglob("*") if p.is_file()]  # no file written
    assert not (tmp_path / "escaped.png").exists() and not (ROOT / "escaped.png").exists()
    with psycopg.connect(empty_database) as conn:  # and no table
        assert conn.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        ).fetchone() == (0,)
