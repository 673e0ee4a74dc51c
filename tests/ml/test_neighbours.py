"""ml/neighbours.py: hand-worked cases for each function, and duplicate_groups / uniqueness
against brute-force numpy on random vectors, with the tiles shrunk so that every path (tile
edges, the bound screen, multi-index hashing, the edge reduction) runs at test size."""

import math

import numpy as np
import pytest
from scipy.sparse.csgraph import connected_components

from ml import neighbours
from ml.neighbours import (
    bound_vectors,
    duplicate_groups,
    farthest_points,
    pair_count,
    project_2d,
    uniqueness,
)


def arc(degrees: list[float]) -> np.ndarray:
    """Unit vectors in the plane: cosine distance grows with the angle between them."""
    rad = np.radians(degrees)
    return np.stack([np.cos(rad), np.sin(rad)], axis=1).astype(np.float32)


def bits(rows: list[str]) -> np.ndarray:
    return np.array([[float(c) for c in row] for row in rows], np.float32)


@pytest.fixture
def small_tiles(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(neighbours, "ROW_BLOCK", 192)
    monkeypatch.setattr(neighbours, "COL_BLOCK", 448)
    monkeypatch.setattr(neighbours, "BOUND_MIN_N", 500)
    monkeypatch.setattr(neighbours, "MAX_EDGES", 64)


# --- duplicate_groups -----------------------------------------------------------------------


def test_a_chain_is_one_group() -> None:
    vectors = arc([0, 10, 20, 90])  # 0~10 and 10~20, but 0 and 20 are farther apart
    step = 1 - math.cos(math.radians(10))
    assert 1 - math.cos(math.radians(20)) > step * 1.01
    assert duplicate_groups(vectors, [30, 10, 20, 5], step * 1.01, "cosine") == [[10, 20, 30]]
    assert duplicate_groups(vectors, [30, 10, 20, 5], step * 0.99, "cosine") == []


def test_the_threshold_is_inclusive() -> None:
    vectors = np.array([[1, 0], [0.6, 0.8]], np.float32)  # cosine distance exactly 0.4
    assert duplicate_groups(vectors, [1, 2], 0.4, "cosine") == [[1, 2]]
    assert duplicate_groups(vectors, [1, 2], 0.39, "cosine") == []
    assert duplicate_groups(vectors, [1, 2], 0.0, "cosine") == []
    same = np.array([[3, 4], [0.6, 0.8]], np.float32)  # rows are normalised: the same vector
    assert duplicate_groups(same, [1, 2], 0.0, "cosine") == [[1, 2]]


def test_groups_are_ordered_by_size_then_smallest_id() -> None:
    vectors = arc([0, 0.1, 40, 40.1, 40.2, 80, 80.1, 120, 160, 160.1])
    ids = [9, 4, 50, 51, 52, 3, 7, 1, 8, 2]
    groups = duplicate_groups(vectors, ids, 1e-4, "cosine")
    assert groups == [[50, 51, 52], [2, 8], [3, 7], [4, 9]]
    assert pair_count(vectors, 1e-4, "cosine") == 9


def test_hamming_counts_differing_bits() -> None:
    a = "0" * 16
    b = "111" + "0" * 13  # 3 bits from a
    c = "11111" + "0" * 11  # 2 bits from b, 5 from a
    d = "1" * 16
    vectors = bits([a, b, c, d])
    assert duplicate_groups(vectors, [0, 1, 2, 3], 2 / 16, "hamming") == [[1, 2]]
    assert duplicate_groups(vectors, [0, 1, 2, 3], 3 / 16, "hamming") == [[0, 1, 2]]
    assert duplicate_groups(vectors, [0, 1, 2, 3], 1 / 16, "hamming") == []
    assert duplicate_groups(vectors, [0, 1, 2, 3], 1.0, "hamming") == [[0, 1, 2, 3]]
    assert duplicate_groups(bits([a, a, d]), [7, 6, 5], 0.0, "hamming") == [[6, 7]]


def test_arguments_are_checked() -> None:
    vectors = arc([0, 1])
    with pytest.raises(ValueError, match="metric"):
        duplicate_groups(vectors, [0, 1], 0.1, "euclidean")
    with pytest.raises(ValueError, match="ids"):
        duplicate_groups(vectors, [0], 0.1, "cosine")
    with pytest.raises(ValueError, match="threshold"):
        duplicate_groups(vectors, [0, 1], -0.1, "cosine")
    assert duplicate_groups(np.zeros((0, 8), np.float32), [], 0.1, "cosine") == []
    assert duplicate_groups(vectors[:1], [0], 0.1, "cosine") == []


def reference_groups(vectors: np.ndarray, threshold: float, metric: str) -> list[list[int]]:
    """Every pair's distance in float64, the components of the graph."""
    x = vectors.astype(np.float64)
    if metric == "cosine":
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        close = 1 - x @ x.T <= threshold + 1e-6
    else:
        b = (x > 0.5).astype(np.float64)
        differing = b @ (1 - b).T + (1 - b) @ b.T
        close = differing <= math.floor(threshold * x.shape[1] + 1e-9)
    labels = connected_components(close, directed=False)[1]
    groups: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        groups.setdefault(label, []).append(i)
    return sorted((g for g in groups.values() if len(g) > 1), key=lambda g: (-len(g), g[0]))


def planted(rng: np.random.Generator, n: int, d: int, metric: str) -> np.ndarray:
    """Random vectors with near-copies (pairs, triples, chains) of some of them."""
    if metric == "hamming":
        x = rng.integers(0, 2, (n, d)).astype(np.float32)
    else:
        x = rng.standard_normal((n, d)).astype(np.float32)
    targets = rng.permutation(n)
    for k in range(n // 20):
        source, target = targets[k], targets[n // 20 + k]
        if k % 7 == 0:
            source = targets[n // 20 + k - 1]  # a copy of a copy: chains
        x[target] = x[source]
        if metric == "hamming":
            flip = rng.choice(d, int(rng.integers(0, 5)), replace=False)
            x[target, flip] = 1 - x[target, flip]
        else:
            x[target] += rng.normal(0, rng.uniform(0.005, 0.1), d).astype(np.float32)
    return x


@pytest.mark.usefixtures("small_tiles")
@pytest.mark.parametrize(("metric", "d", "thresholds"), [
    ("cosine", 24, [0.0, 0.002, 0.01, 0.4]),
    ("cosine", 160, [0.001, 0.005, 0.3]),  # d >= 2 * BOUND_DIM, n >= BOUND_MIN_N: bounds
    ("hamming", 64, [0.0, 2 / 64, 4 / 64, 20 / 64]),  # 20 bits: blocks too narrow, tiles
])  # fmt: skip
def test_duplicate_groups_equal_brute_force(metric: str, d: int, thresholds: list[float]) -> None:
    rng = np.random.default_rng(d)
    vectors = planted(rng, 2000, d, metric)
    seen = set()
    for threshold in thresholds:
        expected = reference_groups(vectors, threshold, metric)
        got = duplicate_groups(vectors, list(range(len(vectors))), threshold, metric)
        assert got == expected, (metric, threshold)
        assert pair_count(vectors, threshold, metric) == sum(map(len, expected))
        seen.add(len(expected))
    assert len(seen) == len(thresholds)  # the thresholds gave different answers
    assert any(len(g) > 2 for g in expected)


def test_bound_vectors_bound_the_dot_products() -> None:
    rng = np.random.default_rng(0)
    spectrum = (0.8 ** np.arange(200)).astype(np.float32)  # a few directions carry the most
    x = rng.standard_normal((300, 200)).astype(np.float32) * spectrum
    x = (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)
    z = bound_vectors(x, 16)
    assert z.shape == (300, 17)
    assert np.allclose(np.linalg.norm(z, axis=1), 1, atol=1e-5)  # |z| = |x|
    gap = z @ z.T - x @ x.T
    assert gap.min() > -1e-5  # never below the true dot product
    assert gap.mean() < 0.01 * (1 - x @ x.T).mean()  # and tight: 16 directions hold the most


# --- uniqueness -----------------------------------------------------------------------------


def test_an_outlier_is_most_unique() -> None:
    vectors = arc([0, 1, 2, 3, 4, 90])
    scores = uniqueness(vectors, "cosine", k=2)
    assert scores.shape == (6,)
    assert scores[5] == 1.0
    assert scores[:5].max() < 0.01
    assert scores[2] < scores[0]  # the middle of the cluster has closer neighbours than its end


def test_uniqueness_values_by_hand() -> None:
    # hamming on 4 bits: neighbours 1, 2 and 4 bits away
    vectors = bits(["0000", "1000", "1110", "0111"])
    # nearest (k=1): 0 -> 1 bit, 1 -> 1 bit, 2 -> 2 bits (to 1), 3 -> 2 bits (to 2)
    assert np.allclose(uniqueness(vectors, "hamming", k=1), [0.5, 0.5, 1.0, 1.0])
    # k=2: means (1+3)/2, (1+2)/2, (2+2)/2, (2+3)/2 bits
    assert np.allclose(uniqueness(vectors, "hamming", k=2), np.array([2, 1.5, 2, 2.5]) / 2.5)


def test_k_is_capped_and_small_sets_work() -> None:
    vectors = arc([0, 30, 100])
    assert np.allclose(uniqueness(vectors, "cosine", k=50), uniqueness(vectors, "cosine", k=2))
    assert not np.allclose(uniqueness(vectors, "cosine", k=1), uniqueness(vectors, "cosine", 2))
    assert uniqueness(np.zeros((0, 4), np.float32), "cosine").shape == (0,)
    assert uniqueness(arc([10]), "cosine").tolist() == [1.0]
    assert uniqueness(arc([10, 10, 10]), "cosine").tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(ValueError):
        uniqueness(vectors, "cosine", k=0)


@pytest.mark.usefixtures("small_tiles")
@pytest.mark.parametrize("metric", ["cosine", "hamming"])
def test_uniqueness_equals_brute_force(metric: str) -> None:
    rng = np.random.default_rng(5)
    vectors = planted(rng, 1000, 32, metric)
    x = vectors.astype(np.float64)
    if metric == "cosine":
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        dist = 1 - x @ x.T
    else:
        dist = (x @ (1 - x).T + (1 - x) @ x.T) / x.shape[1]
    np.fill_diagonal(dist, np.inf)
    for k in (1, 5):
        mean = np.sort(dist, axis=1)[:, :k].mean(axis=1)
        assert np.allclose(uniqueness(vectors, metric, k), mean / mean.max(), atol=1e-5)


# --- farthest_points ------------------------------------------------------------------------


def test_farthest_points_take_the_extremes_first() -> None:
    angles = [0, 10, 20, 30, 45, 60, 70, 80, 90]
    vectors = arc(angles)
    for seed in range(5):
        picks = farthest_points(vectors, 3, "cosine", seed=seed)
        assert sorted(picks[:2]) == [0, 8]  # the two ends of the arc
        assert picks[2] == 4  # then the middle
    assert farthest_points(vectors, 3, "cosine", start=[0]) == [8, 4, 2]
    assert farthest_points(vectors, 2, "cosine", start=[0, 8]) == [4, 2]


def test_farthest_points_are_distinct_deterministic_and_capped() -> None:
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((200, 16)).astype(np.float32)
    vectors[100:150] = vectors[0]  # many copies: each index still comes once
    picks = farthest_points(vectors, 60, "cosine", seed=3)
    assert len(picks) == 60 == len(set(picks))
    assert picks == farthest_points(vectors, 60, "cosine", seed=3)
    assert len({tuple(farthest_points(vectors, 5, "cosine", seed=s)) for s in range(6)}) > 1
    everything = farthest_points(vectors[:10], 100, "cosine", start=[1, 2, 2])
    assert sorted(everything) == [0, 3, 4, 5, 6, 7, 8, 9]
    assert farthest_points(vectors, 0, "cosine") == []
    with pytest.raises(ValueError):
        farthest_points(vectors, 3, "cosine", start=[200])


def test_farthest_points_hamming() -> None:
    vectors = bits(["0000", "0001", "0011", "1111", "0111"])
    assert farthest_points(vectors, 2, "hamming", start=[0]) == [3, 2]


# --- project_2d -----------------------------------------------------------------------------


def test_project_2d_is_pca_into_the_unit_square() -> None:
    rng = np.random.default_rng(0)
    position = np.linspace(-1, 1, 50)
    direction = rng.standard_normal(10)
    vectors = position[:, None] * direction + 0.01 * rng.standard_normal((50, 10))
    coords, method = project_2d(vectors.astype(np.float32))
    assert method == "pca"  # umap-learn is not installed here
    assert coords.shape == (50, 2) and coords.dtype == np.float32
    assert coords.min(axis=0).tolist() == [0, 0] and coords.max(axis=0).tolist() == [1, 1]
    order = np.argsort(coords[:, 0])  # the first axis follows the line, one way or the other
    assert order.tolist() in (list(range(50)), list(range(49, -1, -1)))
    again, _ = project_2d(vectors.astype(np.float32))
    assert np.array_equal(coords, again)


def test_project_2d_small_sets() -> None:
    assert project_2d(np.zeros((0, 5), np.float32))[0].shape == (0, 2)
    assert project_2d(np.ones((1, 5), np.float32))[0].tolist() == [[0.5, 0.5]]
    two, _ = project_2d(np.array([[0, 0, 0], [1, 2, 3]], np.float32))
    assert two.shape == (2, 2) and sorted(two[:, 0].tolist()) == [0, 1]
    assert np.all((two >= 0) & (two <= 1))
    one_dim, _ = project_2d(np.array([[0], [1], [3]], np.float32))
    assert np.allclose(one_dim[:, 0], [0, 1 / 3, 1]) and one_dim[:, 1].tolist() == [0.5] * 3
