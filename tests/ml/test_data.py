from pathlib import Path

import pytest
import torch
from PIL import Image

from ml import data
from ml.batched import (
    BatchedPipeline,
    SquareCache,
    center_boxes,
    pad_crop,
    pad_for,
    random_crop_boxes,
)
from ml.config import TrainConfig
from ml.manifest import Manifest, Sample
from ml.pipeline import build_pipeline, resolve_cache
from ml.sampler import EpochSampler
from ml.synthetic import shapes_manifest


def _manifest(splits: list[str]) -> Manifest:
    samples = [Sample(f"{i}.png", str(i), s, labels=[i % 2]) for i, s in enumerate(splits)]
    return Manifest("classify", ["a", "b"], samples)


def test_val_split_used_and_test_never() -> None:
    m = _manifest(["train"] * 6 + ["unassigned"] * 2 + ["val"] * 3 + ["test"] * 4)
    splits = data.training_splits(m)
    assert len(splits.train) == 8  # unassigned images are trained on
    assert len(splits.val) == 3 and splits.notes == []
    assert not any(s.split == "test" for s in splits.train + splits.val)


def test_holdout_when_no_val_is_deterministic() -> None:
    m = _manifest(["train"] * 40 + ["test"] * 5)
    a, b = data.training_splits(m, seed=1), data.training_splits(m, seed=1)
    assert len(a.val) == 4 and len(a.train) == 36
    assert [s.path for s in a.val] == [s.path for s in b.val]
    assert {s.path for s in a.val} != {s.path for s in data.training_splits(m, seed=2).val}
    assert "holding out 4 of 40" in a.notes[0]


def test_unlabeled_classification_images_left_out() -> None:
    m = _manifest(["train"] * 4 + ["val"])
    m.samples[0].labels = []
    splits = data.training_splits(m)
    assert len(splits.train) == 3 and "without a label" in splits.notes[0]


def test_no_training_images() -> None:
    with pytest.raises(ValueError, match="No training images"):
        data.training_splits(_manifest(["val", "test"]))


def test_eval_transform_resizes_small_and_crops_large() -> None:
    tf = data.classify_eval_transform(32)
    assert tf(torch.zeros(3, 8, 8, dtype=torch.uint8)).shape == (3, 32, 32)
    assert tf(torch.zeros(3, 60, 90, dtype=torch.uint8)).shape == (3, 32, 32)


def test_train_transform_is_seeded_and_keeps_global_rng() -> None:
    tf = data.classify_train_transform(24, augment=1.0)
    image = torch.randint(0, 255, (3, 40, 50), dtype=torch.uint8)
    state = torch.get_rng_state()
    a = data.run_seeded(tf, 123, image)
    b = data.run_seeded(tf, 123, image)
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.equal(a, b) and a.shape == (3, 24, 24)
    assert not torch.equal(a, data.run_seeded(tf, 124, image))


def test_batched_center_crop_matches_resize_center_crop(tmp_path: Path) -> None:
    """The roi_align eval crop sees the same field of view as Resize + CenterCrop."""
    y, x = torch.meshgrid(torch.linspace(0, 1, 90), torch.linspace(0, 1, 120), indexing="ij")
    pixels = torch.stack([x * 255, y * 255, (x * y) * 255]).to(torch.uint8)
    Image.fromarray(pixels.permute(1, 2, 0).numpy()).save(tmp_path / "g.png")
    m = Manifest("classify", ["a"], [Sample("g.png", "g", "val", labels=[0], width=120, height=90)],
                 root=str(tmp_path))  # fmt: skip
    cache = SquareCache(m, m.samples, side=40, device=torch.device("cpu"))
    assert cache.sizes.tolist() == [[120.0, 90.0]]
    pipe = BatchedPipeline(
        cache, cache, EpochSampler([1.0]), 4, 32, 0.5, torch.device("cpu"), False
    )
    ((batched, labels, _),) = list(pipe.val_batches())
    reference = data.classify_eval_transform(32)(pixels)
    assert batched.shape == (1, 3, 32, 32) and labels.tolist() == [0]
    assert (batched[0] - reference).abs().mean() < 0.05  # normalised units


def test_random_crop_boxes_stay_inside() -> None:
    sizes = torch.tensor([[100.0, 50.0], [30.0, 300.0]]).repeat(500, 1)
    boxes, flips = random_crop_boxes(sizes, 1.0, torch.Generator().manual_seed(0))
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    assert (boxes[:, :2] >= -1e-4).all() and (boxes[:, 2] <= sizes[:, 0] + 1e-3).all()
    assert (boxes[:, 3] <= sizes[:, 1] + 1e-3).all()
    area = (w * h) / (sizes[:, 0] * sizes[:, 1])
    assert area.min() >= 0.08 - 1e-3 and area.max() <= 1 + 1e-4
    assert 0.4 < flips.float().mean() < 0.6
    square = center_boxes(torch.tensor([[100.0, 50.0]]))
    assert square.tolist() == [[25.0, 0.0, 75.0, 50.0]]


def test_detection_dataset_boxes_follow_resize_and_flip(tmp_path: Path) -> None:
    m = shapes_manifest(tmp_path, n_train=4, n_val=0, width=100, height=80, seed=3)
    sample = m.samples[0]
    plain = data.DetectDataset(m, [sample], data.detect_eval_transform(), 40, 1, None)
    image, target, (_, fx, fy) = plain[0]
    assert image.shape == (3, 40, 50) and image.dtype == torch.float32
    assert fx == pytest.approx(0.5) and fy == pytest.approx(0.5)
    x, y, w, h, c = sample.boxes[0]
    assert target["boxes"][0].tolist() == pytest.approx([x / 2, y / 2, (x + w) / 2, (y + h) / 2])
    assert target["labels"][0].item() == c + 1
    flip_tf = data.v2.Compose([data.v2.RandomHorizontalFlip(p=1.0), data.detect_eval_transform()])
    flipped = data.DetectDataset(m, [sample], flip_tf, 40, 1, torch.device("cpu"))
    fimage, ftarget, _ = flipped[0]
    assert torch.equal(fimage, image.flip(-1))
    assert ftarget["boxes"][0].tolist() == pytest.approx(
        [50 - (x + w) / 2, y / 2, 50 - x / 2, (y + h) / 2]
    )


def test_cache_resolution_on_cpu() -> None:
    config = TrainConfig.from_params(task="classify", architecture_name="resnet20", params={})
    samples = [Sample("a", "a", "train", labels=[0], width=32, height=32)] * 10
    # classification: decoded once, batched in RAM (no DataLoader worker processes)
    assert resolve_cache("auto", samples, config, torch.device("cpu"))[0] == "gpu"
    assert resolve_cache("none", samples, config, torch.device("cpu"))[0] == "none"
    detect = TrainConfig.from_params(task="detect", architecture_name="fcos_resnet50_fpn",
                                     params={})  # fmt: skip
    assert resolve_cache("auto", samples, detect, torch.device("cpu"))[0] == "cpu"


@pytest.mark.parametrize("cache", ["none", "cpu", "gpu"])
def test_pipelines_agree_on_shapes_and_labels(tiny: Manifest, cache: str) -> None:
    config = TrainConfig.from_params(task="classify", architecture_name="resnet20",
                                     params={"batch_size": 40, "cache": cache, "num_workers": 0})  # fmt: skip
    splits = data.training_splits(tiny)
    pipe = build_pipeline(tiny, splits, config, torch.device("cpu"), lambda line: None)
    batches = list(pipe.train_batches(0))
    assert [b[0].shape[0] for b in batches] == [40, 40, 16] and pipe.steps_per_epoch == 3
    order = EpochSampler([1.0] * 96, seed=0).indices(0)
    labels = torch.cat([b[1] for b in batches])
    assert labels.tolist() == [splits.train[i].labels[0] for i in order.tolist()]
    assert torch.equal(torch.cat([b[1] for b in pipe.train_batches(0, 1)]), labels[40:])
    val = list(pipe.val_batches())
    assert sum(b[0].shape[0] for b in val) == 32 and val[0][0].shape[1:] == (3, 32, 32)


def test_worker_processes_do_not_change_the_batches(tiny: Manifest) -> None:
    """Augmentation is seeded per (epoch, position): 0 or 2 workers give identical batches."""
    splits = data.training_splits(tiny)
    batches = []
    for workers in (0, 2):
        config = TrainConfig.from_params(task="classify", architecture_name="resnet20", params={
            "batch_size": 32, "cache": "none", "num_workers": workers, "augment": 1.0})  # fmt: skip
        pipe = build_pipeline(tiny, splits, config, torch.device("cpu"), lambda line: None)
        batches.append(list(pipe.train_batches(epoch=1, start_batch=1)))
    assert len(batches[0]) == len(batches[1]) == 2
    for (x0, y0), (x2, y2) in zip(*batches, strict=True):
        assert torch.equal(x0, x2) and torch.equal(y0, y2)


def test_pad_crop_windows_and_reflection() -> None:
    x = torch.arange(2 * 3 * 8 * 8, dtype=torch.float32).view(2, 3, 8, 8)
    centred = pad_crop(x, torch.tensor([[2, 2], [2, 2]]), 2)
    assert torch.equal(centred, x)  # offset == pad: the image itself
    shifted = pad_crop(x, torch.tensor([[0, 4], [3, 1]]), 2)
    padded = torch.nn.functional.pad(x, (2, 2, 2, 2), mode="reflect")
    assert torch.equal(shifted[0], padded[0, :, 4:12, 0:8])  # rows from dy, columns from dx
    assert torch.equal(shifted[1], padded[1, :, 1:9, 3:11])
    assert pad_for(32, 0.5) == 4 and pad_for(32, 0.0) == 0


def test_small_images_train_on_pad_crops_and_validate_whole(tmp_path: Path) -> None:
    """A CIFAR-sized set on the CPU: batched in RAM, no worker processes, pad-crops and
    flips that differ per epoch but repeat for the same epoch, and whole-image validation."""
    from ml.synthetic import digits_manifest

    m = digits_manifest(tmp_path, size=32)
    config = TrainConfig(task="classify", architecture="resnet20", image_size=32,
                         batch_size=64, device="cpu")  # fmt: skip
    splits = data.training_splits(m)
    pipe = build_pipeline(m, splits, config, torch.device("cpu"), lambda line: None)
    assert isinstance(pipe, BatchedPipeline) and pipe.pad == 4
    assert "pad-4 crops" in pipe.description
    first, _ = next(pipe.train_batches(0))
    again, _ = next(pipe.train_batches(0))
    other, _ = next(pipe.train_batches(1))
    assert first.shape == (64, 3, 32, 32) and torch.equal(first, again)
    assert not torch.equal(first, other)
    images, labels, _ = next(pipe.val_batches())
    assert pipe.val_batch_size == 4 * 64  # no activations kept: larger batches
    assert len(labels) == min(len(splits.val), pipe.val_batch_size)
    reference = data.classify_eval_transform(32)(data.decode_classify(m.resolve(splits.val[0])))
    assert torch.allclose(images[0], reference, atol=1e-4)
