"""ml/boxstats.py on cases small enough to work out by hand."""

import subprocess
import sys

import numpy as np
import pytest

from ml.boxstats import anchor_levels, anchors, grow_to_ratio, iou_kmeans, kmeans, wh_iou

# two obvious groups: tall shapes around (10, 40) and wide ones around (40, 11)
TALL = [[9, 40], [11, 40], [10, 38], [10, 42]]
WIDE = [[40, 10], [40, 12], [38, 11], [42, 11]]


def _jittered(centres: list[list[float]], per: int, spread: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.concatenate([np.array(c) * rng.uniform(1 - spread, 1 + spread, (per, 2))
                           for c in centres])  # fmt: skip


# ---- kmeans ----------------------------------------------------------------------------


def test_kmeans_two_groups_gives_their_means_sorted_by_ratio() -> None:
    points = np.array(WIDE + TALL, dtype=float)
    clusters = kmeans(points, 2)
    # ratio w/h ascending: the tall group (0.25) first, then the wide one (40 / 11)
    np.testing.assert_array_equal(clusters.centers, [[10.0, 40.0], [40.0, 11.0]])
    np.testing.assert_array_equal(clusters.labels, [1, 1, 1, 1, 0, 0, 0, 0])
    np.testing.assert_array_equal(clusters.counts, [4, 4])
    assert clusters.centers.dtype == np.float64
    assert clusters.labels.dtype == np.int64 and clusters.counts.dtype == np.int64


def test_kmeans_ties_in_ratio_sorted_by_area() -> None:
    points = np.array([[2, 2], [2.2, 2.2], [20, 20], [22, 22]])
    clusters = kmeans(points, 2)
    np.testing.assert_allclose(clusters.centers, [[2.1, 2.1], [21, 21]])
    np.testing.assert_array_equal(clusters.labels, [0, 0, 1, 1])


def test_kmeans_k_above_distinct_rows_becomes_their_number() -> None:
    points = np.array([[1, 2], [3, 4], [5, 5]], dtype=float)
    clusters = kmeans(points, 5)
    assert clusters.centers.shape == (3, 2)
    # each point its own centre; ratios 0.5, 0.75, 1.0 ascending
    np.testing.assert_array_equal(clusters.centers, points)
    np.testing.assert_array_equal(clusters.counts, [1, 1, 1])
    twice = kmeans(np.array([[1, 2], [1, 2], [3, 4]], dtype=float), 3)
    assert len(twice.centers) == 2 and twice.counts.tolist() == [2, 1]


def test_kmeans_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="k must be at least 1"):
        kmeans(np.array([[1.0, 2.0]]), 0)
    with pytest.raises(ValueError, match="no points"):
        kmeans(np.zeros((0, 2)), 2)
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        kmeans(np.zeros((3, 3)), 2)


def test_kmeans_is_deterministic_for_a_seed() -> None:
    points = _jittered([[10, 40], [40, 10], [25, 25], [60, 30]], 30, 0.3, seed=3)
    a, b = kmeans(points, 4, seed=7), kmeans(points, 4, seed=7)
    np.testing.assert_array_equal(a.centers, b.centers)
    np.testing.assert_array_equal(a.labels, b.labels)
    assert a.counts.sum() == len(points)


# ---- wh_iou ------------------------------------------------------------------------------


def test_wh_iou_by_hand() -> None:
    wh = np.array([[10, 40], [20, 20]])
    centers = np.array([[10, 40], [40, 10], [10, 20]])
    # (10x40, 40x10): inter 10*10 = 100, union 400 + 400 - 100 = 700
    # (10x40, 10x20): inter 10*20 = 200, union 400 + 200 - 200 = 400
    # (20x20, 10x40): inter 10*20 = 200, union 400 + 400 - 200 = 600 (same for 40x10)
    # (20x20, 10x20): inter 200, union 400 + 200 - 200 = 400
    expected = [[1.0, 100 / 700, 200 / 400], [200 / 600, 200 / 600, 200 / 400]]
    np.testing.assert_allclose(wh_iou(wh, centers), expected)
    assert wh_iou(wh, centers).shape == (2, 3)


# ---- iou_kmeans --------------------------------------------------------------------------


def test_iou_kmeans_recovers_known_anchors() -> None:
    known = [[10, 40], [40, 10], [30, 30]]
    wh = _jittered(known, 100, 0.1, seed=1)
    clusters, mean_iou = iou_kmeans(wh, 3)
    # sorted by area: 10x40 and 40x10 have the same area, 30x30 is last
    by_shape = sorted(clusters.centers.tolist(), key=lambda c: c[0] / c[1])
    np.testing.assert_allclose(by_shape, [[10, 40], [30, 30], [40, 10]], rtol=0.03)
    areas = clusters.centers.prod(axis=1)
    assert np.all(np.diff(areas) >= 0)
    assert clusters.counts.tolist() == [100, 100, 100]
    assert 0.85 < mean_iou < 1.0


def test_iou_kmeans_centres_are_medians() -> None:
    wh = np.array([[10, 10], [11, 12], [30, 10], [10, 10], [10, 11], [100, 100]], dtype=float)
    clusters, _ = iou_kmeans(wh, 2)
    # the huge box sits alone; the rest median to (10, 10): a mean would give (14.2, 10.6)
    np.testing.assert_array_equal(clusters.centers, [[10, 10], [100, 100]])


def test_iou_kmeans_identical_boxes_mean_iou_one() -> None:
    wh = np.tile([[12.0, 30.0]], (20, 1))
    clusters, mean_iou = iou_kmeans(wh, 9)
    np.testing.assert_array_equal(clusters.centers, [[12.0, 30.0]])
    assert mean_iou == 1.0 and clusters.counts.tolist() == [20]


def test_iou_kmeans_rejects_empty_boxes() -> None:
    with pytest.raises(ValueError, match="positive"):
        iou_kmeans(np.array([[10.0, 0.0], [3.0, 4.0]]), 2)


def test_iou_kmeans_is_deterministic_for_a_seed() -> None:
    wh = _jittered([[10, 40], [40, 10], [25, 25], [60, 30], [5, 5]], 40, 0.4, seed=5)
    (a, iou_a), (b, iou_b) = iou_kmeans(wh, 5, seed=11), iou_kmeans(wh, 5, seed=11)
    np.testing.assert_array_equal(a.centers, b.centers)
    np.testing.assert_array_equal(a.labels, b.labels)
    assert iou_a == iou_b


# ---- anchors and levels ------------------------------------------------------------------


def test_anchors_rounded_sorted_by_area_with_mean_iou() -> None:
    wh = _jittered([[10, 40], [40, 10], [30, 30], [60, 60]], 50, 0.2, seed=2)
    priors, mean_iou = anchors(wh, k=6, image_size=96)
    assert priors.shape == (6, 2) and priors.dtype == np.float64
    np.testing.assert_array_equal(priors, np.round(priors, 1))
    assert np.all(np.diff(priors.prod(axis=1)) >= 0)
    best = wh_iou(wh, priors).max(axis=1).mean()
    assert mean_iou == pytest.approx(best) and 0.7 < mean_iou <= 1.0
    again, _ = anchors(wh, k=6, image_size=96)
    np.testing.assert_array_equal(priors, again)


def test_anchors_of_one_shape() -> None:
    priors, mean_iou = anchors(np.tile([[12.34, 56.78]], (5, 1)), image_size=64)
    np.testing.assert_array_equal(priors, [[12.3, 56.8]])
    inter = 12.3 * 56.78  # min(w) * min(h) of the box and its rounded anchor
    assert mean_iou == pytest.approx(inter / (12.34 * 56.78 + 12.3 * 56.8 - inter))


def test_anchor_levels_nine_and_seven() -> None:
    nine = np.array([[i, i] for i in range(9, 0, -1)], dtype=float)  # unsorted on purpose
    levels = anchor_levels(nine)
    assert list(levels) == [8, 16, 32]
    assert levels[8] == [[1, 1], [2, 2], [3, 3]]
    assert levels[16] == [[4, 4], [5, 5], [6, 6]]
    assert levels[32] == [[7, 7], [8, 8], [9, 9]]
    seven = anchor_levels(nine[2:])  # 7..1
    assert [len(v) for v in seven.values()] == [3, 2, 2]
    assert seven[8] == [[1, 1], [2, 2], [3, 3]] and seven[32] == [[6, 6], [7, 7]]
    five_levels = anchor_levels(nine, strides=(8, 16, 32, 64, 128))
    assert [len(v) for v in five_levels.values()] == [2, 2, 2, 2, 1]
    assert all(isinstance(v, float) for pair in levels[8] for v in pair)


# ---- grow_to_ratio -----------------------------------------------------------------------


def test_grow_tall_target_grows_height_centred() -> None:
    # 1:3 box, target 1:4: the height grows from 30 to 40 about the centre y = 35
    assert grow_to_ratio((10, 20, 10, 30), 0.25, 200, 200) == (10, 15, 10, 40)


def test_grow_leaves_a_box_past_the_target_alone() -> None:
    assert grow_to_ratio((10, 20, 10, 40), 1 / 3, 200, 200) is None  # 1:4 is past 1:3
    assert grow_to_ratio((10, 20, 10, 40), 0.25, 200, 200) is None  # exactly 1:4
    assert grow_to_ratio((10, 10, 40, 10), 3.0, 200, 200) is None  # 4:1 is past 3:1
    assert grow_to_ratio((10, 10, 20, 20), 1.0, 200, 200) is None


def test_grow_wide_target_grows_width_centred() -> None:
    # 2:1 box, target 4:1: width 20 -> 40 about the centre x = 20
    assert grow_to_ratio((10, 10, 20, 10), 4.0, 200, 200) == (0, 10, 40, 10)


def test_grow_square_target_grows_the_shorter_side() -> None:
    assert grow_to_ratio((10, 10, 10, 20), 1.0, 200, 200) == (5, 10, 20, 20)
    assert grow_to_ratio((10, 10, 30, 10), 1.0, 200, 200) == (10, 0, 30, 30)


def test_grow_clips_to_the_image() -> None:
    # height 20 -> 40 about y = 10 would start at -10: clipped to 0..30
    assert grow_to_ratio((2, 0, 10, 20), 0.25, 100, 100) == (2, 0, 10, 30)
    # and at the bottom of a 25 px high image
    assert grow_to_ratio((2, 0, 10, 20), 0.25, 100, 25) == (2, 0, 10, 25)
    # a wide target at the right edge
    assert grow_to_ratio((80, 0, 10, 10), 3.0, 90, 50) == (70, 0, 20, 10)


def test_grow_never_shrinks_a_side() -> None:
    rng = np.random.default_rng(0)
    for _ in range(300):
        x, y = rng.uniform(-10, 90, 2)
        w, h = rng.uniform(1, 60, 2)
        ratio = float(rng.choice([0.2, 0.25, 1 / 3, 0.5, 1.0, 2.0, 3.0, 4.0]))
        grown = grow_to_ratio((x, y, w, h), ratio, 100, 80)
        if grown is None:
            continue
        gx, gy, gw, gh = grown
        assert gw >= w - 1e-9 and gh >= h - 1e-9
        assert gx <= x + 1e-9 and gx + gw >= x + w - 1e-9
        assert gy <= y + 1e-9 and gy + gh >= y + h - 1e-9
        assert (gw == pytest.approx(w)) or (gh == pytest.approx(h))  # one side only


def test_grow_rejects_a_bad_ratio() -> None:
    with pytest.raises(ValueError, match="positive"):
        grow_to_ratio((0, 0, 1, 1), 0.0, 10, 10)


# ---- torch-free -------------------------------------------------------------------------


def test_boxstats_imports_without_torch() -> None:
    code = "import sys, ml.boxstats; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_many_rows_fit_on_a_sample_and_every_row_gets_its_nearest_centre() -> None:
    from ml.boxstats import FIT_SAMPLE

    rng = np.random.default_rng(1)
    groups = np.array([[10.0, 40.0], [40.0, 40.0], [80.0, 20.0]])
    points = groups[rng.integers(0, 3, FIT_SAMPLE * 3)] + rng.normal(0, 1, (FIT_SAMPLE * 3, 2))
    result = kmeans(points, 3)
    assert np.allclose(np.sort(result.centers, axis=0), np.sort(groups, axis=0), atol=0.2)
    nearest = np.argmin(((points[:, None] - result.centers[None]) ** 2).sum(2), axis=1)
    assert np.array_equal(result.labels, nearest) and result.counts.sum() == len(points)
    clusters, mean_iou = iou_kmeans(np.abs(points), 3)
    assert clusters.counts.sum() == len(points) and mean_iou > 0.9
