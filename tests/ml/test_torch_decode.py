"""The decoded cache's torchvision JPEG decode (nvJPEG when the device is CUDA; the same code
runs on the CPU here) gives what the Pillow path gives, and leaves every file it cannot
decode to Pillow."""

from pathlib import Path

import torch
from PIL import Image

from ml.batched import SquareCache, decode_squares_torch
from ml.data import decode_square
from ml.manifest import Manifest, Sample
from ml.synthetic import photo_patches_manifest

CPU = torch.device("cpu")


def _jpegs(tmp_path: Path) -> Manifest:
    return photo_patches_manifest(tmp_path / "p", size=96, train_per_class=1, val_per_class=0,
                                  crop=(0.3, 0.6), fmt="JPEG")  # fmt: skip


def test_jpegs_match_the_pillow_decode(tmp_path: Path) -> None:
    manifest = _jpegs(tmp_path)
    paths = [manifest.resolve(s) for s in manifest.samples]
    got = decode_squares_torch(paths, 48, CPU)
    assert all(g is not None for g in got)
    pillow = [decode_square(path, 48) for path in paths]
    for i, (g, (expected, w, h)) in enumerate(zip(got, pillow, strict=True)):
        assert g is not None
        image, width, height = g
        assert (image.shape, image.dtype, width, height) == (expected.shape, torch.uint8, w, h)
        # the resamplers differ a little on these textures; another image differs a lot
        assert (image.float() - expected.float()).abs().mean() < 8.0
        other = pillow[(i + 1) % len(pillow)][0]
        assert (image.float() - other.float()).abs().mean() > 20.0


def test_other_files_are_left_to_pillow_and_the_cache_is_whole(tmp_path: Path) -> None:
    manifest = _jpegs(tmp_path)
    Image.new("RGB", (80, 60), (200, 10, 10)).save(tmp_path / "p" / "red.png")
    (tmp_path / "p" / "truncated.jpg").write_bytes((tmp_path / "p" / manifest.samples[0].path)
                                                   .read_bytes()[:300])  # fmt: skip
    png = Sample(path="red.png", sha256="png", split="train", labels=[0], width=80, height=60)
    samples = [*manifest.samples, png]
    got = decode_squares_torch([manifest.resolve(s) for s in samples], 32, CPU)
    assert got[-1] is None and all(g is not None for g in got[:-1])
    broken = Sample(path="truncated.jpg", sha256="t", split="train", labels=[0])
    assert decode_squares_torch([manifest.resolve(broken)], 32, CPU) == [None]

    by_torch = SquareCache(manifest, samples, 32, CPU, torch_decode=True)
    by_pillow = SquareCache(manifest, samples, 32, CPU, torch_decode=False)
    assert by_torch.images.shape == (len(samples), 3, 32, 32)
    assert torch.equal(by_torch.sizes, by_pillow.sizes)
    assert torch.equal(by_torch.images[-1], by_pillow.images[-1])  # the PNG: Pillow's
    assert (by_torch.images.float() - by_pillow.images.float()).abs().mean() < 8.0
    assert by_torch.images[-1, 0].float().mean() > 150  # red, not an empty slot
