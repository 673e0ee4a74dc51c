"""Curation over embeddings (ml/embed.py): near-duplicate groups, how unique each image is,
a diverse subset, a 2-D map. numpy, scipy and scikit-learn only (no torch, no Django).

Vectors are float32 (n, d) rows compared with one of two metrics:
- "cosine": distance 1 - cos, in 0..2 (rows are L2-normalised here; a zero row stays zero);
- "hamming": the fraction of differing components, in 0..1 (rows of 0/1: ml.phash bits).

    duplicate_groups(vectors, ids, threshold, metric) -> [[id, ...], ...]  (exact)
    pair_count(vectors, threshold, metric)           -> images with a near-duplicate
    uniqueness(vectors, metric, k=5)                  -> (n,) in 0..1        (exact kNN)
    farthest_points(vectors, n, metric, seed, start)  -> n indices, spread out
    project_2d(vectors, seed)                         -> ((n, 2) in 0..1, "umap" | "pca")

How pairs are found. Both metrics are a dot product of prepared rows (cosine: the unit
rows; hamming: rows of -1/+1, where dot = d - 2 * differing bits), so "distance <= t" is
"dot >= a bound", and the upper triangle of X @ X.T is computed in tiles of ROW_BLOCK x
COL_BLOCK (BLAS; memory bounded by the tile) and thresholded. For many high-dimensional rows
(cosine, d >= 2 * BOUND_DIM, n >= BOUND_MIN_N) the tiles are first computed on short
vectors whose dot bounds the true one from above: the top BOUND_DIM principal directions
(of X.T @ X) plus the norm of what is left, z = [P x, |x - P P.T x|], so
z_i . z_j = Px_i . Px_j + |r_i| |r_j| >= x_i . x_j (Cauchy-Schwarz on the residuals). A pair
whose bound fails is no pair; the few that pass are checked in full dimension (a tile with
many candidates is recomputed whole), so the groups are exact and a run costs about
BOUND_DIM / d of the full products when near-duplicates are rare (0.15x the plain products
at n=100000, d=512: bench/curation_search.py). Tree indexes do not prune at d = 64..2048
(scipy's cKDTree.query_pairs: 8x the full products at n=20000, d=512), and sklearn's brute
radius search computes the whole square, not the triangle (the bench times it). Hamming with a small bit threshold t uses the
pigeonhole rule instead (multi-index hashing): split the bits into t + 1 blocks; two rows
within t bits agree exactly on at least one block, so rows sharing a block value are the
candidates, checked by popcount; identical rows are merged first.
"""

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from scipy.linalg import eigh
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from threadpoolctl import threadpool_limits

METRICS = ("cosine", "hamming")
ROW_BLOCK = 1024  # rows x columns of one tile of X @ X.T: 32 MiB of float32
COL_BLOCK = 8192
COS_SLACK = 1e-6  # a cosine distance within this of the threshold counts (float32 rounding)
BOUND_DIM = 64  # principal directions of the bound vectors
BOUND_MIN_N = 8192  # fewer rows: the full products are cheap enough
BOUND_SLACK = 1e-4  # float32 rounding of the bound's dot products
DENSE_VERIFY = 64  # a tile with more than 1/64 of its pairs as candidates is recomputed whole
GATHER = 16384  # candidate pairs verified at a time
MIH_MIN_BITS = 4  # narrower blocks than this: too many rows share a value
MIH_PAIRS_PER_ROW = 64  # more candidates than this a row: the tiles are cheaper
MAX_EDGES = 1 << 22  # pairs kept before they are reduced to a spanning forest
UMAP_MIN_N = 16  # fewer points: PCA (UMAP needs neighbours)


@dataclass(frozen=True)
class _Space:
    """Rows prepared so that a larger dot product is a smaller distance."""

    x: np.ndarray  # float32 (n, d), C-contiguous
    metric: str

    @property
    def d(self) -> int:
        return self.x.shape[1]

    def distance(self, dots: np.ndarray) -> np.ndarray:
        dots = np.asarray(dots, np.float64)
        if self.metric == "cosine":
            return np.clip(1.0 - dots, 0.0, 2.0)
        return np.clip((self.d - dots) / (2 * self.d), 0.0, 1.0) if self.d else dots * 0

    def min_dot(self, threshold: float) -> float:
        """The smallest dot product of a pair at distance <= threshold."""
        if self.metric == "cosine":
            return 1.0 - threshold - COS_SLACK
        return self.d - 2 * _max_bits(threshold, self.d) - 0.5  # integers: exact


def _max_bits(threshold: float, d: int) -> int:
    return math.floor(threshold * d + 1e-9)


def _matrix(vectors: np.ndarray) -> np.ndarray:
    x = np.asarray(vectors, dtype=np.float32)
    if x.ndim != 2:
        raise ValueError(f"Expected (n, d) vectors, got shape {x.shape}.")
    return x


def _space(vectors: np.ndarray, metric: str) -> _Space:
    if metric not in METRICS:
        raise ValueError(f"Unknown metric '{metric}': one of {', '.join(METRICS)}.")
    x = _matrix(vectors)
    if metric == "cosine":
        norms = np.linalg.norm(x, axis=1, keepdims=True)
        x = x / np.where(norms > 0, norms, 1)
    else:
        x = np.where(x > 0.5, np.float32(1), np.float32(-1))
    return _Space(np.ascontiguousarray(x, dtype=np.float32), metric)


# --- tiles of the upper triangle of X @ X.T -------------------------------------------------


def _tile(a: np.ndarray, r0: int, c0: int, rows: int, cols: int) -> np.ndarray:
    """a[r0:r0+rows] @ a[c0:c0+cols].T with the pairs (i, j), j <= i, set to -inf."""
    tile = a[r0 : r0 + rows] @ a[c0 : c0 + cols].T
    if c0 < r0 + tile.shape[0]:  # touches the diagonal
        i = np.arange(r0, r0 + tile.shape[0])[:, None]
        j = np.arange(c0, c0 + tile.shape[1])[None, :]
        tile[j <= i] = -np.inf
    return tile


def _tiles(a: np.ndarray) -> Iterator[tuple[int, int, np.ndarray]]:
    n = len(a)
    for r0 in range(0, n, ROW_BLOCK):
        for c0 in range(r0, n, COL_BLOCK):
            yield r0, c0, _tile(a, r0, c0, ROW_BLOCK, COL_BLOCK)


class _Components:
    """Union of pairs as they are found, reduced to a spanning forest (each component a star
    on its smallest index) whenever MAX_EDGES pile up: memory stays O(n + MAX_EDGES) even
    when thousands of images are one picture."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.left: list[np.ndarray] = []
        self.right: list[np.ndarray] = []
        self.count = 0

    def add(self, left: np.ndarray, right: np.ndarray) -> None:
        if len(left):
            self.left.append(np.asarray(left, np.int64))
            self.right.append(np.asarray(right, np.int64))
            self.count += len(left)
            if self.count > MAX_EDGES:
                labels = self.labels()
                first = np.unique(labels, return_index=True)[1]
                self.left, self.right = [np.arange(self.n)], [first[labels]]
                self.count = self.n

    def labels(self) -> np.ndarray:
        if not self.left:
            return np.arange(self.n)
        left, right = np.concatenate(self.left), np.concatenate(self.right)
        graph = coo_matrix((np.ones(len(left), np.int8), (left, right)), shape=(self.n,) * 2)
        return connected_components(graph, directed=False)[1]


def _over(tile: np.ndarray, bound: float) -> tuple[np.ndarray, np.ndarray]:
    """(rows, columns) of the entries >= bound; most tiles have none, and a row maximum
    is a cheaper pass than a full boolean mask."""
    rows = np.flatnonzero(tile.max(axis=1) >= bound)
    if len(rows) == 0:
        return rows, rows
    i, j = np.nonzero(tile[rows] >= bound)
    return rows[i], j


def _dense_pairs(x: np.ndarray, min_dot: float, found: _Components,
                 index: np.ndarray | None = None) -> None:  # fmt: skip
    """Every pair of rows with dot >= min_dot, from the full products."""
    for r0, c0, tile in _tiles(x):
        i, j = _over(tile, min_dot)
        i, j = i + r0, j + c0
        found.add(i, j) if index is None else found.add(index[i], index[j])


def bound_vectors(x: np.ndarray, dim: int = BOUND_DIM) -> np.ndarray:
    """float32 (n, dim + 1): [P x, |x - P P.T x|] with P the top `dim` eigenvectors of
    X.T @ X, so that bound_i . bound_j >= x_i . x_j for every pair."""
    d = x.shape[1]
    dim = min(dim, d)
    gram = (x.T @ x).astype(np.float64)
    # one thread: multithreaded LAPACK eigh slows down 10-20x when another process holds a
    # core (measured at d=2048); only the top `dim` pairs are computed
    with threadpool_limits(1):
        top = eigh(gram, subset_by_index=(d - dim, d - 1), driver="evr")[1]
    top = np.ascontiguousarray(top[:, ::-1], dtype=np.float32)
    projected = x @ top
    residual = np.linalg.norm(x - projected @ top.T, axis=1)
    return np.ascontiguousarray(np.hstack([projected, residual[:, None]]), dtype=np.float32)


def _bounded_pairs(x: np.ndarray, min_dot: float, found: _Components) -> None:
    """_dense_pairs' pairs, with each tile screened on bound_vectors first."""
    z = bound_vectors(x)
    for r0, c0, tile in _tiles(z):
        ci, cj = _over(tile, min_dot - BOUND_SLACK)
        if len(ci) == 0:
            continue
        if len(ci) > tile.size // DENSE_VERIFY:  # many candidates: the full tile
            i, j = _over(_tile(x, r0, c0, *tile.shape), min_dot)
            found.add(i + r0, j + c0)
            continue
        ci, cj = ci + r0, cj + c0
        for lo in range(0, len(ci), GATHER):
            i, j = ci[lo : lo + GATHER], cj[lo : lo + GATHER]
            keep = np.einsum("ij,ij->i", x[i], x[j]) >= min_dot
            found.add(i[keep], j[keep])


def _block_pairs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every pair (i < j by position in the sorted order) of rows with the same key."""
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    ends = np.r_[starts[1:], len(keys)]
    end_of = np.repeat(ends, ends - starts)  # the end of each position's run
    after = end_of - np.arange(len(keys)) - 1  # partners after each position
    total = int(after.sum())
    left = np.repeat(np.arange(len(keys)), after)
    step = np.arange(total) - np.repeat(np.cumsum(after) - after, after)
    return order[left], order[left + 1 + step]


def _block_keys(bits: np.ndarray, blocks: int) -> list[np.ndarray]:
    """One integer key per row for each of `blocks` contiguous runs of bits."""
    edges = np.linspace(0, bits.shape[1], blocks + 1).round().astype(int)
    out = []
    for lo, hi in pairwise(edges):
        packed = np.ascontiguousarray(np.packbits(bits[:, lo:hi], axis=1))
        out.append(np.unique(packed.view(f"V{packed.shape[1]}").ravel(), return_inverse=True)[1])
    return out


def _hamming_pairs(space: _Space, threshold: float, found: _Components) -> None:
    bits = space.x > 0
    d, max_bits = space.d, _max_bits(threshold, space.d)
    packed = np.ascontiguousarray(np.packbits(bits, axis=1))
    keys = packed.view(f"V{packed.shape[1]}").ravel() if d else np.zeros(len(bits), "V1")
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    found.add(np.arange(len(bits)), first[inverse])  # identical rows
    if max_bits == 0 or len(first) < 2:
        return
    unique_bits, unique_packed = bits[first], packed[first]
    blocks = max_bits + 1
    block_keys = _block_keys(unique_bits, blocks) if d // blocks >= MIH_MIN_BITS else None
    if block_keys is not None:
        sizes = [np.bincount(k) for k in block_keys]
        candidates = sum(int((s * (s - 1) // 2).sum()) for s in sizes)
        if candidates > MIH_PAIRS_PER_ROW * len(first):
            block_keys = None
    if block_keys is None:  # the tiles, on the -1/+1 rows of the distinct hashes
        _dense_pairs(space.x[first], space.min_dot(threshold), found, index=first)
        return
    for k in block_keys:
        left, right = _block_pairs(k)
        for lo in range(0, len(left), 1 << 20):
            i, j = left[lo : lo + (1 << 20)], right[lo : lo + (1 << 20)]
            differ = np.bitwise_count(unique_packed[i] ^ unique_packed[j]).sum(1, dtype=np.int64)
            keep = differ <= max_bits
            found.add(first[i[keep]], first[j[keep]])


def _labels(vectors: np.ndarray, threshold: float, metric: str) -> np.ndarray:
    """Component label of every row in the graph of pairs at distance <= threshold."""
    if threshold < 0:
        raise ValueError("threshold must be at least 0.")
    space = _space(vectors, metric)
    n, d = space.x.shape
    found = _Components(n)
    if n >= 2:
        if metric == "hamming":
            _hamming_pairs(space, threshold, found)
        elif d >= 2 * BOUND_DIM and n >= BOUND_MIN_N:
            _bounded_pairs(space.x, space.min_dot(threshold), found)
        else:
            _dense_pairs(space.x, space.min_dot(threshold), found)
    return found.labels()


def duplicate_groups(vectors: np.ndarray, ids: Sequence[int], threshold: float,
                     metric: str) -> list[list[int]]:  # fmt: skip
    """Groups of near-duplicates: the connected components (2 or more rows) of the graph
    with an edge between every pair at distance <= threshold (so a chain a~b~c is one group
    even when a and c are farther apart). Each group's ids ascending; the largest groups
    first, ties by smallest id."""
    x = _matrix(vectors)
    if len(ids) != len(x):
        raise ValueError(f"{len(ids)} ids for {len(x)} vectors.")
    labels = _labels(x, threshold, metric)
    sizes = np.bincount(labels, minlength=1)
    members = np.flatnonzero(sizes[labels] >= 2)
    members = members[np.argsort(labels[members], kind="stable")]
    cuts = np.flatnonzero(np.diff(labels[members])) + 1
    groups = [sorted(int(ids[i]) for i in part) for part in np.split(members, cuts) if len(part)]
    return sorted(groups, key=lambda g: (-len(g), g[0]))


def pair_count(vectors: np.ndarray, threshold: float, metric: str) -> int:
    """How many images have at least one near-duplicate (the sizes of duplicate_groups,
    summed)."""
    labels = _labels(vectors, threshold, metric)
    return int((np.bincount(labels, minlength=1)[labels] >= 2).sum())


# --- uniqueness: exact k nearest neighbours --------------------------------------------------


def _offer(best: np.ndarray, tile: np.ndarray) -> None:
    """Merge the dot products of `tile` (rows: best's rows) into best, each row's k largest
    (unordered). Only entries above a row's current k-th are looked at."""
    k = best.shape[1]
    kth = best.min(axis=1)
    above = tile > kth[:, None]
    count = int(above.sum())
    if count == 0:
        return
    if count > 4 * k * len(best):  # early tiles: most entries beat -inf
        top = tile if tile.shape[1] <= k else np.partition(tile, tile.shape[1] - k, axis=1)
        merged = np.concatenate([best, top[:, -k:]], axis=1)
        best[:] = np.partition(merged, merged.shape[1] - k, axis=1)[:, -k:]
        return
    rows, cols = np.nonzero(above)
    values = tile[rows, cols]
    order = np.lexsort((-values, rows))
    rows, values = rows[order], values[order]
    first = np.r_[0, np.flatnonzero(np.diff(rows)) + 1]
    rank = np.arange(len(rows)) - np.repeat(first, np.diff(np.r_[first, len(rows)]))
    keep = rank < k
    touched = rows[first]
    extra = np.full((len(touched), k), -np.inf, np.float32)
    extra[np.searchsorted(touched, rows[keep]), rank[keep]] = values[keep]
    merged = np.concatenate([best[touched], extra], axis=1)
    best[touched] = np.partition(merged, merged.shape[1] - k, axis=1)[:, -k:]


def nearest_dots(space: _Space, k: int) -> np.ndarray:
    """float32 (n, k): each row's k largest dot products with the other rows, unordered;
    every pair of the upper triangle is offered to both of its rows."""
    best = np.full((len(space.x), k), -np.inf, np.float32)
    for r0, c0, tile in _tiles(space.x):
        _offer(best[r0 : r0 + tile.shape[0]], tile)
        _offer(best[c0 : c0 + tile.shape[1]], tile.T)
    return best


def uniqueness(vectors: np.ndarray, metric: str, k: int = 5) -> np.ndarray:
    """(n,) in 0..1: each point's mean distance to its k nearest other points, divided by
    the largest such mean in the set (FiftyOne Brain's uniqueness): 1 for the most isolated
    point, near 0 for one with close copies. k is capped at n - 1; a single point is 1.0;
    a set of identical points is all 0."""
    if k < 1:
        raise ValueError("k must be at least 1.")
    space = _space(vectors, metric)
    n = len(space.x)
    if n <= 1:
        return np.ones(n)
    mean = space.distance(nearest_dots(space, min(k, n - 1))).mean(axis=1)
    top = mean.max()
    return mean / top if top > 0 else np.zeros(n)


# --- a diverse subset -----------------------------------------------------------------------


def farthest_points(vectors: np.ndarray, n: int, metric: str, seed: int = 0,
                    start: Sequence[int] = ()) -> list[int]:  # fmt: skip
    """Farthest-point sampling: `n` indices (fewer when fewer are left), each the point
    farthest from all those picked before it. `start` are indices already picked (they
    count, they are not returned). Without them the first pick is the point farthest from
    one drawn with `seed`, so that the first two are near the set's extremes; ties go to
    the lower index: the same seed gives the same picks."""
    space = _space(vectors, metric)
    total, x = len(space.x), space.x
    chosen = sorted({int(i) for i in start})
    if chosen and not 0 <= chosen[0] <= chosen[-1] < total:
        raise ValueError(f"start indices must be in 0..{total - 1}.")
    want = max(0, min(int(n), total - len(chosen)))
    if want == 0:
        return []
    nearest = np.full(total, np.inf)
    for lo in range(0, len(chosen), 256):
        dots = (x @ x[chosen[lo : lo + 256]].T).max(axis=1)
        nearest = np.minimum(nearest, space.distance(dots))
    if not chosen:  # provisional: the distance to a random point
        nearest = space.distance(x @ x[int(np.random.default_rng(seed).integers(total))])
    nearest[chosen] = -1.0
    picks: list[int] = []
    for _ in range(want):
        pick = int(np.argmax(nearest))
        picks.append(pick)
        if not chosen and len(picks) == 1:
            nearest = np.full(total, np.inf)
        nearest = np.minimum(nearest, space.distance(x @ x[pick]))
        nearest[picks] = -1.0
        nearest[chosen] = -1.0
    return picks


# --- a 2-D map ------------------------------------------------------------------------------


def project_2d(vectors: np.ndarray, seed: int = 0) -> tuple[np.ndarray, str]:
    """float32 (n, 2), each axis scaled into 0..1 (a flat axis sits at 0.5), and the method:
    "umap" where umap-learn is installed (and there are UMAP_MIN_N points or more), else
    "pca" (scikit-learn, the two principal components)."""
    x = _matrix(vectors)
    n, d = x.shape
    try:
        import umap  # type: ignore[import-not-found]  # optional, not a dependency
    except ImportError:
        umap = None
    coords, method = np.zeros((n, 2)), "pca"
    if umap is not None and n >= UMAP_MIN_N:
        reducer = umap.UMAP(n_components=2, n_neighbors=min(15, n - 1), random_state=seed)
        coords, method = np.asarray(reducer.fit_transform(x), np.float64), "umap"
    elif n >= 2 and d >= 1:
        from sklearn.decomposition import PCA

        parts = min(2, n, d)
        coords[:, :parts] = PCA(n_components=parts, random_state=seed).fit_transform(x)
    low, high = coords.min(axis=0, initial=np.inf), coords.max(axis=0, initial=-np.inf)
    span = high - low
    scaled = np.where(span > 0, (coords - low) / np.where(span > 0, span, 1), 0.5)
    return np.clip(scaled, 0, 1).astype(np.float32), method
