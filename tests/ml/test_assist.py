"""The GrabCut assist on made scenes with known objects: a box finds the object (IoU with the
truth), a negative click takes away a part the box wrongly gave, holes come back as rings,
and it stays well under a second on a large image."""

import numpy as np
import pytest

from ml.assist import Click, mask_rings, segment


def _scene(height=200, width=240, seed=0):
    rng = np.random.default_rng(seed)
    image = rng.integers(60, 110, (height, width, 3), dtype=np.uint8)  # grey-blue noise
    image[..., 2] = np.clip(image[..., 2].astype(int) + 60, 0, 255)
    yy, xx = np.mgrid[:height, :width]
    disc = (yy - 100) ** 2 + (xx - 110) ** 2 <= 40**2
    image[disc] = rng.integers(190, 230, (disc.sum(), 3)) * np.array([1, 0.2, 0.2])
    return image, disc


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / (a | b).sum())


def test_a_box_finds_the_object() -> None:
    image, disc = _scene()
    got = segment(image, (62, 52, 96, 96))
    assert got.mask.shape == disc.shape
    assert _iou(got.mask.astype(bool), disc) > 0.9
    assert len(got.rings) == 1 and len(got.rings[0]) >= 8  # a disc's outline, simplified


def test_a_negative_click_takes_away_what_the_box_wrongly_gave() -> None:
    image, disc = _scene()
    blob = np.zeros_like(disc)
    blob[60:100, 140:175] = True  # a green thing beside the disc, inside the box
    image[blob & ~disc] = (40, 200, 60)
    box = (62, 52, 118, 96)
    before = segment(image, box).mask.astype(bool)
    after = segment(image, box, [Click(160, 80, positive=False), Click(110, 100, positive=True)])
    spill = lambda m: (m & blob & ~disc).sum()  # noqa: E731
    assert spill(after.mask.astype(bool)) <= spill(before)
    assert spill(after.mask.astype(bool)) < 0.1 * (blob & ~disc).sum()
    assert _iou(after.mask.astype(bool), disc) > 0.85


def test_holes_come_back_as_rings_and_empty_masks_as_none() -> None:
    mask = np.zeros((50, 60), np.uint8)
    mask[5:45, 5:55] = 1
    mask[15:30, 20:40] = 0
    rings = mask_rings(mask)
    assert len(rings) == 2  # the outline, then the hole
    xs = [p[0] for p in rings[0]]
    assert min(xs) == pytest.approx(5.5) and max(xs) == pytest.approx(54.5)
    assert mask_rings(np.zeros((4, 4), np.uint8)) == []


def test_a_large_image_stays_well_under_a_second() -> None:
    image, disc = _scene(height=3000, width=4000, seed=1)
    got = segment(image, (2, 2, 3900, 2900))  # the whole image: the heaviest case
    assert got.ms < 1000, got.ms
    small = segment(image, (62, 52, 96, 96))
    assert _iou(small.mask.astype(bool), disc) > 0.85 and small.ms < 500


# ---- Segment-Anything (a tiny random one: what is checked is the plumbing, not quality) ---


def test_sam_weights_are_found_by_name_and_preferred_by_size(tmp_path) -> None:
    from ml.sam import sam_weights

    assert sam_weights(tmp_path) is None and sam_weights(tmp_path / "absent") is None
    for name in ("sam_tiny.pth", "sam_vit_b_01ec64.pth", "sam_vit_l_0b3195.pth", "other.pth"):
        (tmp_path / name).write_bytes(b"")
    assert sam_weights(tmp_path).name == "sam_vit_l_0b3195.pth"
    (tmp_path / "sam_vit_l_0b3195.pth").unlink()
    assert sam_weights(tmp_path).name == "sam_vit_b_01ec64.pth"


def test_a_tiny_sam_is_built_from_its_tensors_loaded_once_and_prompted(tmp_path) -> None:
    from ml.sam import sam_load, sam_segment
    from tests.factories.sam import put_tiny_sam

    path = put_tiny_sam(tmp_path)
    model = sam_load(path, device="cpu")
    assert sam_load(path, device="cpu") is model  # cached per process and file
    encoder = model.predictor.model.image_encoder
    assert (encoder.img_size, len(encoder.blocks), encoder.blocks[0].attn.num_heads) == (256, 2, 2)
    assert encoder.blocks[1].window_size == 0 and encoder.blocks[0].window_size == 4

    image, _ = _scene(height=120, width=160)
    calls = {"set": 0, "predict": []}
    predictor = model.predictor
    real_set, real_predict = predictor.set_image, predictor.predict

    def count_set(*args, **kwargs):
        calls["set"] += 1
        return real_set(*args, **kwargs)

    def spy(**kwargs):
        calls["predict"].append(kwargs)
        return real_predict(**kwargs)

    predictor.set_image, predictor.predict = count_set, spy
    try:
        first = sam_segment(model, image, (20, 10, 80, 60), key="img-1")
        again = sam_segment(model, image, (20, 10, 80, 60),
                            [Click(50, 40, True), Click(25, 15, False)], key="img-1")  # fmt: skip
    finally:
        predictor.set_image, predictor.predict = real_set, real_predict
    assert calls["set"] == 1  # the embedding is kept for the same image
    box = calls["predict"][1]["box"].tolist()
    assert box == [20, 10, 100, 70]  # x0, y0, x1, y1 in image pixels
    assert calls["predict"][1]["point_coords"].tolist() == [[50, 40], [25, 15]]
    assert calls["predict"][1]["point_labels"].tolist() == [1, 0]
    for got in (first, again):
        assert got.mask.shape == (120, 160) and got.mask.dtype == np.uint8
        assert got.mask.any() and got.rings  # random weights, but a region all the same
        for ring in got.rings:
            assert all(0 <= x <= 160 and 0 <= y <= 120 for x, y in ring)


def test_an_unusable_sam_file_says_why(tmp_path) -> None:
    from ml.sam import SamError, sam_load
    from tests.factories.sam import put_tiny_sam

    broken = tmp_path / "sam_vit_b_01ec64.pth"
    broken.write_bytes(b"not a checkpoint")
    with pytest.raises(SamError, match="not a readable PyTorch weight file"):
        sam_load(broken, device="cpu")
    wrong = put_tiny_sam(tmp_path, "sam_vit_b_other.pth")  # a tiny model named as ViT-B
    with pytest.raises(SamError, match="do not fit SAM ViT-B"):
        sam_load(wrong, device="cpu")
