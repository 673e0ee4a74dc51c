"""Auto-annotation throughput end to end vs the raw model on the same device, same run.

A ResNet-18 classifier (224 px, seeded random weights, the project's 10 label names) is
imported and prepared; N stored 224x224 JPEGs are pre-labelled by the real job function
(storage read, decode, model, predictions and history written per batch, progress events).
Baseline: the same predictor (ml/serving: ONNX Runtime on a CPU, torch on a GPU) classifying
the same JPEG bytes in batches of 32, decode included, nothing written.

    eval "$(scripts/services.sh start)" && .venv/bin/python bench/autoannotate_throughput.py [--n 512]
"""

import argparse
import io
import time
import uuid

import numpy as np
from _stack import ROOT  # noqa: F401 - sets up Django
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from apps.annotations.services import upload_with_tags
from apps.models.autolabel import services as autoannotate
from apps.models.autolabel.jobs import run_autoannotate
from apps.models.registry.jobs import model_version_prepare_job
from apps.models.registry.services import model_version_import
from apps.models.serving.inference import predictor_for
from apps.projects.services import label_create, project_create, project_delete
from tests.factories.models import weights_bytes

CLASSES = [f"class{i}" for i in range(10)]


def jpegs(n: int) -> list[bytes]:
    rng = np.random.default_rng(0)
    out = []
    for i in range(n):
        pixels = (rng.random((224, 224, 3)) * 255).astype(np.uint8)
        pixels[: 16 + i % 200] = (i * 37) % 255  # distinct content (uploads dedupe by hash)
        buf = io.BytesIO()
        Image.fromarray(pixels).save(buf, "JPEG", quality=90)
        out.append(buf.getvalue())
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=512)
    args = parser.parse_args()
    user = get_user_model().objects.get_or_create(username="bench-autoannotate")[0]
    project = project_create(name=f"bench autoannotate {uuid.uuid4().hex[:6]}", user=user)
    try:
        for name in CLASSES:
            label_create(project=project, name=name)
        data = jpegs(args.n)
        files = [SimpleUploadedFile(f"{i}.jpg", d) for i, d in enumerate(data)]
        upload_with_tags(project=project, user=user, files=files)
        version = model_version_import(
            project=project, user=user, architecture="resnet18", classes="\n".join(CLASSES),
            weights=SimpleUploadedFile("r18.pt", weights_bytes("resnet18", 10)),
            classes_preset=None, image_size=224,
        )  # fmt: skip
        model_version_prepare_job(version_id=version.pk)
        version.refresh_from_db()
        predictor = predictor_for(version)  # loaded once, as a warm worker has it

        t = time.perf_counter()
        for lo in range(0, len(data), autoannotate.BATCH):
            chunk = [Image.open(io.BytesIO(d)) for d in data[lo : lo + autoannotate.BATCH]]
            predictor.classify(chunk, top_k=2)
        raw = len(data) / (time.perf_counter() - t)

        run = autoannotate.autoannotate_create(project=project, user=user, mode="classify",
                                               scope="all", threshold=0.0, model_version=version.pk)  # fmt: skip
        t = time.perf_counter()
        assert run_autoannotate(run_id=run.pk) == "succeeded"
        end_to_end = len(data) / (time.perf_counter() - t)
        run.refresh_from_db()
        print(f"ResNet-18 224 px, {len(data)} stored JPEGs, backend {predictor.backend}, "
              f"batch {autoannotate.BATCH}")  # fmt: skip
        print(f"  raw model (decode + classify):        {raw:7.1f} img/s")
        print(f"  auto-annotation job end to end:       {end_to_end:7.1f} img/s "
              f"({run.counts['predictions']} predictions written)")  # fmt: skip
        print(f"  ratio end-to-end / raw: {end_to_end / raw:.2f}x")
    finally:
        project_delete(project=project)


if __name__ == "__main__":
    main()
