"""How fast ml/neighbours.py's curation searches are, against the simplest correct way, on
random unit vectors with planted near-duplicates.

Data: n random L2-normalised vectors (isotropic: the hardest case for any index, no
direction matters more than another) of which about 1% are overwritten by near-copies of
others, in pairs and triples (noise of norm sqrt(threshold / 4): copies are about
threshold / 4 .. threshold / 2 apart in cosine distance, random pairs about 1).

Timed (best of --repeats where it is cheap, else once):
- duplicate_groups (cosine) against a brute-force baseline in the same run: chunked
  X[rows] @ X.T, every pair over the bound, a union-find; the groups must be identical;
  at n / 10 also sklearn's NearestNeighbors.radius_neighbors (brute: its tree indexes do
  not prune at this dimension). The same at n / 10 and n / 4, to show the growth.
- duplicate_groups (hamming) on n random 64-bit hashes with planted copies up to 2 bits
  off, threshold 4 bits, against the baseline on -1/+1 rows.
- uniqueness (k=5), at n; at n / 10 against sklearn's exact kneighbors (same values).
- farthest_points(n=100) and project_2d.
With --embed N: images a second of ml.embed.model_embedder (resnet18, random weights,
224 px, CPU; preprocessing included) against a plain torchvision forward loop over the same
images' tensors (made beforehand).

    python bench/curation_search.py                          # n=100000, dim=512 (~6 min, 2 cores)
    python bench/curation_search.py --n 20000 --dim 768
    python bench/curation_search.py --n 0 --embed 256

No Django: this imports ml/ only.
"""

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from ml.neighbours import (  # noqa: E402
    duplicate_groups,
    farthest_points,
    project_2d,
    uniqueness,
)

ROWS = 1024  # the baseline's chunk of rows


def planted(n: int, dim: int, threshold: float, seed: int,
            bits: bool = False) -> tuple[np.ndarray, list[list[int]]]:  # fmt: skip
    """n vectors, ~1% of them near-copies (in pairs and triples) of others; the planted
    groups (sorted indices)."""
    rng = np.random.default_rng(seed)
    if bits:
        x = rng.integers(0, 2, (n, dim)).astype(np.float32)
    else:
        x = rng.standard_normal((n, dim), dtype=np.float32)
        x /= np.linalg.norm(x, axis=1, keepdims=True)
    sizes = rng.choice([2, 3], size=max(1, n // 200))
    picked = rng.permutation(n)[: int(sizes.sum())]
    groups, at = [], 0
    for size in sizes:
        base, *copies = picked[at : at + size]
        at += size
        for c in copies:
            if bits:  # up to 2 bits flipped
                x[c] = x[base]
                flip = rng.choice(dim, int(rng.integers(0, 3)), replace=False)
                x[c, flip] = 1 - x[c, flip]
            else:
                noise = rng.standard_normal(dim).astype(np.float32)
                noise *= np.sqrt(threshold / 4) / np.linalg.norm(noise)
                x[c] = x[base] + noise
                x[c] /= np.linalg.norm(x[c])
        groups.append(sorted(int(i) for i in (base, *copies)))
    return x, groups


def baseline_groups(x: np.ndarray, min_dot: float) -> list[list[int]]:
    """The simplest correct way: chunked products, every pair j > i over the bound, a
    union-find."""
    n = len(x)
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for lo in range(0, n, ROWS):
        dots = x[lo : lo + ROWS] @ x.T
        for i, j in zip(*np.nonzero(dots >= min_dot), strict=True):
            if j > i + lo:
                parent[root(i + lo)] = root(int(j))
    members: dict[int, list[int]] = {}
    for i in range(n):
        members.setdefault(root(i), []).append(i)
    groups = [g for g in members.values() if len(g) >= 2]
    return sorted(groups, key=lambda g: (-len(g), g[0]))


def timed(fn: Callable[[], object], repeats: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best * 1000, out


def row(name: str, ms: float, base_ms: float | None = None, note: str = "") -> None:
    ratio = f"{ms / base_ms:8.3f}" if base_ms else " " * 8
    print(f"{name:<44} {ms:>11,.1f} {ratio}  {note}")


def contains(found: list[list[int]], groups: list[list[int]]) -> bool:
    where = {i: k for k, g in enumerate(found) for i in g}
    return all(len({where.get(i, -1 - i) for i in g}) == 1 for g in groups)


def cosine_groups(args: argparse.Namespace) -> None:
    t = args.threshold
    for size in (args.n // 10, args.n // 4, args.n):
        x, plants = planted(size, args.dim, t, args.seed)
        ms, ours = timed(lambda x=x: duplicate_groups(x, range(len(x)), t, "cosine"), args.repeats)
        base_ms, base = timed(lambda x=x: baseline_groups(x, 1 - t - 1e-6), 1)
        same = "same groups" if ours == base else "DIFFERENT GROUPS"
        found = f"planted found: {contains(ours, plants)}"
        row(f"duplicate_groups cosine n={size:,}", ms, base_ms,
            f"{len(ours):,} groups ({len(plants):,} planted), {same}, {found}")  # fmt: skip
        row(f"  baseline (products + union-find) n={size:,}", base_ms)
        if size == args.n // 10:
            from sklearn.neighbors import NearestNeighbors

            index = NearestNeighbors(radius=float(np.sqrt(2 * t)), algorithm="brute").fit(x)
            sk_ms, _ = timed(lambda x=x, i=index: i.radius_neighbors(x), 1)
            row(f"  sklearn radius_neighbors (brute) n={size:,}", sk_ms, base_ms)


def hamming_groups(args: argparse.Namespace) -> None:
    n, t = args.n, 4 / 64
    bits, plants = planted(n, 64, t, args.seed + 1, bits=True)
    ms, ours = timed(lambda: duplicate_groups(bits, range(n), t, "hamming"), args.repeats)
    signs = np.where(bits > 0.5, 1, -1).astype(np.float32)
    base_ms, base = timed(lambda: baseline_groups(signs, 64 - 2 * 4 - 0.5), 1)
    same = "same groups" if ours == base else "DIFFERENT GROUPS"
    found = f"planted found: {contains(ours, plants)}"
    row(f"duplicate_groups hamming 64 bits n={n:,}", ms, base_ms,
        f"{len(ours):,} groups ({len(plants):,} planted), {same}, {found}")  # fmt: skip
    row("  baseline (products + union-find)", base_ms)


def others(args: argparse.Namespace, x: np.ndarray) -> None:
    from sklearn.neighbors import NearestNeighbors

    small = x[: len(x) // 10]
    ms_small, u_small = timed(lambda: uniqueness(small, "cosine", 5), args.repeats)
    index = NearestNeighbors(n_neighbors=5, algorithm="brute").fit(small)
    sk_ms, (dist, _) = timed(lambda: index.kneighbors(), 1)
    mean = (dist.astype(np.float64) ** 2 / 2).mean(axis=1)  # euclidean -> cosine distance
    agree = np.abs(mean / mean.max() - u_small).max()
    row(f"uniqueness k=5 n={len(small):,}", ms_small, sk_ms, f"max |diff| {agree:.1e}")
    row(f"  sklearn kneighbors (brute, exact) n={len(small):,}", sk_ms)
    ms, _ = timed(lambda: uniqueness(x, "cosine", 5), 1)
    row(f"uniqueness k=5 n={len(x):,}", ms)
    ms, picks = timed(lambda: farthest_points(x, 100, "cosine", seed=0), args.repeats)
    row(f"farthest_points n=100 of {len(x):,}", ms, None, f"{len(set(picks))} distinct")
    ms, (coords, method) = timed(lambda: project_2d(x, seed=0), 1)
    row(f"project_2d n={len(x):,}", ms, None, f"{method}, {coords.shape}")


def embed_speed(count: int, seed: int, batch_size: int = 32) -> None:
    import torch
    from PIL import Image

    from ml.embed import model_embedder
    from ml.predict import Predictor
    from ml.preprocess import classify_batch
    from ml.registry import build

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    images = [Image.fromarray(rng.integers(0, 256, (224, 224, 3), dtype=np.uint8))
              for _ in range(count)]  # fmt: skip
    model = build("resnet18", 10)
    predictor = Predictor(model, "resnet18", [str(i) for i in range(10)], 224,
                          torch.device("cpu"))  # fmt: skip
    embedder = model_embedder(predictor, batch_size=batch_size)
    embedder.embed(images[:batch_size])  # warm-up
    t0 = time.perf_counter()
    vectors = embedder.embed(images)
    ours = count / (time.perf_counter() - t0)
    tensors = [torch.from_numpy(classify_batch(images[lo : lo + batch_size], 224))
               for lo in range(0, count, batch_size)]  # fmt: skip
    t0 = time.perf_counter()
    with torch.no_grad():
        for batch in tensors:
            model(batch)
    plain = count / (time.perf_counter() - t0)
    print(f"model_embedder resnet18 224px, {count} images, batch {batch_size}, "
          f"{torch.get_num_threads()} threads: {ours:.1f} img/s (with preprocessing), "
          f"plain forward loop on ready tensors: {plain:.1f} img/s, ours/plain "
          f"{ours / plain:.2f}; dim {vectors.shape[1]}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100000)
    parser.add_argument("--dim", type=int, default=512)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threshold", type=float, default=0.02, help="cosine distance")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--embed", type=int, default=0, help="images for the embedder speed")
    args = parser.parse_args()
    if args.n:
        print(f"n={args.n:,} dim={args.dim} threshold={args.threshold} (cosine) seed={args.seed}")
        print(f"{'':<44} {'ms':>11} {'ours/base':>8}")
        cosine_groups(args)
        hamming_groups(args)
        others(args, planted(args.n, args.dim, args.threshold, args.seed)[0])
    if args.embed:
        embed_speed(args.embed, args.seed)


if __name__ == "__main__":
    main()
