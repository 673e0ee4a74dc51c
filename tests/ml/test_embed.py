"""ml/phash.py and ml/embed.py: the difference hash is the video import's, bit for bit; model
embeddings are the penultimate features (classifiers) or pooled FPN maps (detectors), L2-
normalised, the same for the same image, and close for a recompressed copy. Random weights,
CPU, no downloads."""

import copy
import io
import random

import numpy as np
import pytest
import torch
from PIL import Image

from ml.embed import Embedder, hash_embedder, last_linear, model_embedder
from ml.phash import dhash, hash_bits, hash_distance, hash_from_bits
from ml.predict import Predictor
from ml.preprocess import classify_batch
from ml.registry import build
from ml.synthetic import scene

CPU = torch.device("cpu")


def samples() -> dict[str, Image.Image]:
    ramp = Image.fromarray(np.tile(np.arange(0, 240, 4, dtype=np.uint8), (48, 1)))  # 60x48, L
    noise = np.random.default_rng(0).integers(0, 256, (40, 50, 3), dtype=np.uint8)
    return {
        "ramp": ramp,  # brightening to the right: no pixel beats its right neighbour
        "reversed ramp": ramp.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
        "noise": Image.fromarray(noise),
        "scene": scene(random.Random(3), 120, 90)[0],
    }


# Computed with apps/datasets/video.py's own dhash as it was before it moved to ml/phash.py
# (git HEAD at the move): the bits the video import always gave.
VIDEO_HASHES = {
    "ramp": 0x0,
    "reversed ramp": 0xFFFFFFFFFFFFFFFF,
    "noise": 0x35B6B2AE69B5D629,
    "scene": 0x4343D3B36E666E6C,
}


def jpeg_copy(image: Image.Image) -> Image.Image:
    """Resized to 3/4 and saved as a quality-70 JPEG: the same picture, other pixels."""
    small = image.resize((image.width * 3 // 4, image.height * 3 // 4), Image.Resampling.BILINEAR)
    data = io.BytesIO()
    small.save(data, format="JPEG", quality=70)
    return Image.open(io.BytesIO(data.getvalue()))


def cos_distance(a: np.ndarray, b: np.ndarray) -> float:
    return float(1 - a @ b)


def test_dhash_is_the_video_imports_hash() -> None:
    images = samples()
    assert {name: dhash(image) for name, image in images.items()} == VIDEO_HASHES
    from apps.datasets import video  # imports without Django settings; uses ml.phash now

    for image in images.values():
        assert dhash(image) == video.dhash(image)
    assert hash_distance(0b1011, 0b0110) == 3 == video.hash_distance(0b1011, 0b0110)
    assert hash_distance(0, (1 << 64) - 1) == 64


def test_hash_bits_round_trip_most_significant_first() -> None:
    assert hash_bits(1 << 63)[0] == 1 and hash_bits(1 << 63)[1:].sum() == 0
    assert hash_bits(1)[-1] == 1 and hash_bits(1)[:-1].sum() == 0
    rng = np.random.default_rng(1)
    values = [0, (1 << 64) - 1, *(int(v) for v in rng.integers(0, 1 << 63, 20, dtype=np.uint64))]
    for a, b in zip(values, values[::-1], strict=True):
        bits = hash_bits(a)
        assert bits.dtype == np.float32 and bits.shape == (64,)
        assert set(np.unique(bits)) <= {0.0, 1.0}
        assert hash_from_bits(bits) == a
        assert int(np.abs(bits - hash_bits(b)).sum()) == hash_distance(a, b)
    with pytest.raises(ValueError):
        hash_bits(1 << 64)
    with pytest.raises(ValueError):
        hash_bits(-1)


def test_hash_embedder_rows_are_the_hash_bits() -> None:
    images = list(samples().values())
    embedder = hash_embedder()
    assert (embedder.space, embedder.dim, embedder.metric) == ("dhash", 64, "hamming")
    rows = embedder.embed(images)
    assert rows.dtype == np.float32 and rows.shape == (len(images), 64)
    for row, image in zip(rows, images, strict=True):
        assert hash_from_bits(row) == dhash(image)
    assert embedder.embed([]).shape == (0, 64)


def classifier(architecture: str, image_size: int) -> Predictor:
    torch.manual_seed(0)
    model = build(architecture, 3, image_size=image_size)
    return Predictor(model, architecture, ["a", "b", "c"], image_size, CPU)


@pytest.mark.parametrize(("architecture", "image_size", "dim"), [
    ("resnet20", 32, 64), ("resnet18", 64, 512),
])  # fmt: skip
def test_classifier_embeddings_are_penultimate_features(architecture: str, image_size: int,
                                                        dim: int) -> None:  # fmt: skip
    predictor = classifier(architecture, image_size)
    assert last_linear(predictor.model) is predictor.model.fc
    a, b = scene(random.Random(1), 120, 90)[0], scene(random.Random(2), 120, 90)[0]
    embedder = model_embedder(predictor, batch_size=2)  # 5 images: three passes
    assert (embedder.space, embedder.dim, embedder.metric) == (architecture, dim, "cosine")
    assert dim == predictor.model.fc.in_features
    rows = embedder.embed([a, jpeg_copy(a), b, a, b])
    assert rows.dtype == np.float32 and rows.shape == (5, dim)
    assert np.allclose(np.linalg.norm(rows, axis=1), 1, atol=1e-5)
    # the same image in another batch: the same row, up to float rounding (conv algorithms
    # differ with the batch size)
    assert np.allclose(rows[0], rows[3], atol=1e-5) and np.allclose(rows[2], rows[4], atol=1e-5)
    assert cos_distance(rows[0], rows[1]) < 0.25 * cos_distance(rows[0], rows[2])
    # the very features the head sees: the model with its head cut off gives them
    headless = copy.deepcopy(predictor.model)
    headless.fc = torch.nn.Identity()
    with torch.no_grad():
        features = headless(torch.from_numpy(classify_batch([a, b], image_size)))
    expected = torch.nn.functional.normalize(features, dim=1).numpy()
    assert np.allclose(rows[[0, 2]], expected, atol=1e-5)
    assert not predictor.model.fc._forward_pre_hooks  # the hook is gone after embed()
    assert len(predictor.classify([a])[0]) == 3


def test_detector_embeddings_pool_each_fpn_level() -> None:
    torch.manual_seed(0)
    architecture = "fasterrcnn_mobilenet_v3_large_fpn"
    model = build(architecture, 2, image_size=96)
    predictor = Predictor(model, architecture, ["x", "y"], 96, CPU)
    embedder = model_embedder(predictor, batch_size=4)
    assert (embedder.space, embedder.metric) == (architecture, "cosine")
    assert embedder.dim == 3 * model.backbone.out_channels  # maps "0", "1" and "pool"
    a = scene(random.Random(1), 120, 90)[0]
    tall = scene(random.Random(2), 60, 100)[0]
    rows = embedder.embed([a, tall, jpeg_copy(a), a])  # three sizes: three passes
    assert rows.dtype == np.float32 and rows.shape == (4, embedder.dim)
    assert np.isfinite(rows).all()
    assert np.allclose(np.linalg.norm(rows, axis=1), 1, atol=1e-5)
    assert np.allclose(rows[0], rows[3], atol=1e-5)
    # an image's row does not depend on what else is in its batch
    assert np.allclose(embedder.embed([tall])[0], rows[1], atol=1e-5)
    assert cos_distance(rows[0], rows[2]) < cos_distance(rows[0], rows[1])


def test_detector_with_five_fpn_levels() -> None:
    torch.manual_seed(0)
    model = build("retinanet_resnet50_fpn", 2, image_size=64)
    predictor = Predictor(model, "retinanet_resnet50_fpn", ["x", "y"], 64, CPU)
    embedder = model_embedder(predictor)
    assert embedder.dim == 5 * 256  # P3-P7
    rows = embedder.embed([Image.new("RGB", (80, 64), (200, 10, 10)), samples()["noise"]])
    assert rows.shape == (2, 1280) and np.allclose(np.linalg.norm(rows, axis=1), 1, atol=1e-5)


def test_embedder_checks_its_rows() -> None:
    broken = Embedder(
        "x", 3, "cosine", lambda images: (np.zeros((len(images), 2), np.float32), None)
    )
    with pytest.raises(RuntimeError, match="shape"):
        broken.embed([Image.new("RGB", (4, 4))])
    with pytest.raises(ValueError):
        model_embedder(classifier("resnet20", 32), batch_size=0)


def test_a_classifier_predicts_in_the_pass_that_embeds() -> None:
    """The top classes come from the embedding pass itself, and match classify()'s."""
    predictor = classifier("resnet20", 32)
    predictor.model.eval()
    images = list(samples().values())
    rows, opinions = model_embedder(predictor).embed_and_predict(images)
    assert rows.shape == (4, 64) and opinions is not None and len(opinions) == 4
    for opinion, expected in zip(opinions, predictor.classify(images, top_k=3), strict=True):
        assert [o["label"] for o in opinion] == [c.label for c in expected]
        assert [o["confidence"] for o in opinion] == pytest.approx(
            [c.confidence for c in expected], abs=1e-5
        )
        assert sum(o["confidence"] for o in opinion) == pytest.approx(1, abs=1e-4)  # all 3


def test_a_detector_gives_its_boxes_and_the_hash_none() -> None:
    torch.manual_seed(0)
    model = build("fasterrcnn_mobilenet_v3_large_fpn", 2, image_size=64)
    predictor = Predictor(model, "fasterrcnn_mobilenet_v3_large_fpn", ["x", "y"], 64, CPU)
    predictor.model.eval()
    images = [samples()["scene"], samples()["noise"]]
    _, opinions = model_embedder(predictor).embed_and_predict(images)
    expected = predictor.detect(images, score_threshold=0.05)
    assert opinions is not None
    for opinion, rows in zip(opinions, expected, strict=True):
        assert [(o["label"], o["score"]) for o in opinion] == [
            (d.label, pytest.approx(d.score, abs=1e-5)) for d in rows
        ]
        assert all(set(o["box"]) == {"x", "y", "w", "h"} for o in opinion)
    assert hash_embedder().embed_and_predict(images)[1] is None
