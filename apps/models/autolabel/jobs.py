"""The `infer` queue job: a model version pre-labels a batch of images. Safe to run twice:
only a queued run is claimed, and a run replaces its own pending predictions."""

import logging

from django.conf import settings
from django.core.files.storage import default_storage

from apps.images.imaging import InvalidImage, load_rgb
from apps.images.models import Image
from apps.models.autolabel import services as autoannotate
from apps.models.models import AutoAnnotateMode, AutoAnnotationRun, ModelVersion, RunStatus
from apps.models.runs.lifecycle import Heartbeat
from apps.models.serving.inference import predictor_for
from ml import autolabel
from ml.autolabel import ImageProposals
from ml.engine import JpegClassifier, Predictor

log = logging.getLogger(__name__)


def _read(image: Image) -> bytes:
    with default_storage.open(image.file.name, "rb") as fh:
        return fh.read()


def _propose(run: AutoAnnotationRun, model: Predictor, images: list) -> list[ImageProposals]:
    if run.mode == AutoAnnotateMode.CLASSIFY:
        return autolabel.classify_proposals(model, images, run.threshold)
    if run.mode == AutoAnnotateMode.DETECT:
        return autolabel.detect_proposals(model, images, run.threshold)
    if run.mode == AutoAnnotateMode.SEGMENT:
        return autolabel.segment_proposals(model, images, run.threshold)  # type: ignore[arg-type]
    return autolabel.two_stage_proposals(model, _classifiers(run), images, run.threshold)


def _classifiers(run: AutoAnnotationRun) -> dict[str | None, Predictor]:
    """The detector class -> its classifier (None: the default for the rest)."""
    chosen: dict[str | None, Predictor] = {}
    if run.classifier_version is not None:
        chosen[None] = predictor_for(run.classifier_version)
    versions = ModelVersion.objects.in_bulk(set(run.classifiers.values()))
    for name, version_id in run.classifiers.items():
        if version_id not in versions:
            raise RuntimeError(f"the classifier for {name!r} (version id {version_id}) was deleted")
        chosen[name] = predictor_for(versions[version_id])
    return chosen


JPEG_MAGIC = b"\xff\xd8\xff"


def _device_decoder(run: AutoAnnotationRun, model: Predictor) -> JpegClassifier | None:
    """Classifier batches of JPEGs decode where the model runs (nvJPEG on a GPU worker):
    LABELFORGE_DEVICE_DECODE auto = on CUDA only, on = any torch backend, off = never."""
    setting = settings.LABELFORGE_DEVICE_DECODE
    if run.mode != AutoAnnotateMode.CLASSIFY or setting == "off":
        return None
    if not isinstance(model, JpegClassifier):
        return None
    return model if setting == "on" or model.backend == "torch-cuda" else None


def _predict_batch(
    run: AutoAnnotationRun, batch: list[Image], counts: dict[str, int]
) -> tuple[list[Image], list[ImageProposals]]:
    """(the images that could be read, their proposals); unreadable ones are counted."""
    blobs: list[bytes | None] = []
    for image in batch:
        try:
            blobs.append(_read(image))
        except OSError:
            blobs.append(None)
    model = predictor_for(run.model_version)
    decoder = _device_decoder(run, model)
    jpegs = [b for b in blobs if b is not None and b.startswith(JPEG_MAGIC)]
    if decoder and len(jpegs) == len(blobs):
        try:
            return batch, autolabel.tags_from(decoder.classify_jpegs(jpegs, top_k=2), run.threshold)
        except RuntimeError:
            log.warning("device JPEG decode failed for a batch; decoding with Pillow")
    draft = run.model_version.image_size if run.mode == AutoAnnotateMode.CLASSIFY else None
    readable, pixels = [], []
    for image, blob in zip(batch, blobs, strict=True):
        try:
            if blob is None:
                raise InvalidImage("missing from storage")
            pixels.append(
                load_rgb(blob, draft_side=draft, max_pixels=settings.LABELFORGE_MAX_IMAGE_PIXELS)
            )
            readable.append(image)
        except (InvalidImage, OSError):
            counts["unreadable"] += 1
    return readable, (_propose(run, model, pixels) if readable else [])


def run_autoannotate(*, run_id: int) -> str:
    """The `infer` queue job: batches of images through the model, predictions written per
    batch, progress after each, cancel honoured between batches. Safe to run twice."""
    run = autoannotate.claim(run_id)
    if run is None:
        return "not queued"
    with Heartbeat(AutoAnnotationRun, run.pk):
        return _autoannotate(run)


def _autoannotate(run: AutoAnnotationRun) -> str:
    try:
        labels = dict(run.project.labels.values_list("name", "pk"))
        ids = list(autoannotate.selection(project=run.project, scope=run.scope, filters=run.filters)
                   .order_by("id").values_list("pk", flat=True))  # fmt: skip
        AutoAnnotationRun.objects.filter(pk=run.pk).update(total=len(ids))
        counts = {"predictions": 0, "replaced": 0, "unmapped": 0, "images_with_predictions": 0,
                  "unreadable": 0}  # fmt: skip
        for lo in range(0, len(ids), autoannotate.BATCH):
            batch = list(
                Image.objects.filter(pk__in=ids[lo : lo + autoannotate.BATCH]).order_by("id")
            )
            readable, results = _predict_batch(run, batch, counts)
            if readable:
                written = autoannotate.write_predictions(
                    run=run, images=readable, results=results, labels=labels
                )
                for key, value in written.items():
                    counts[key] += value
            status = autoannotate.progress(run, lo + len(batch), counts)
            if status == RunStatus.CANCELLING:
                autoannotate.finish(run, RunStatus.CANCELLED)
                return "cancelled"
    except Exception as exc:  # the run records why, for the user
        log.exception("auto-annotation %s failed", run.pk)
        autoannotate.finish(run, RunStatus.FAILED, f"{type(exc).__name__}: {exc}")
        return "failed"
    autoannotate.finish(run, RunStatus.SUCCEEDED)
    return "succeeded"
