"""Likely label errors, measured: sklearn's 1,797 real digits with 5% of their labels flipped
on purpose to another class. What fraction of the flipped images does the review queue
(ml/mistakes.py, highest score first) put in its top 10%? Random order gives 10%.

Ours, as a user gets it: a ResNet-20 trained through ml.train on the noisy labels of the
train split (the app trains on what people labelled), then every image scored from its
predictions. Reported for all images, for the train split (the model saw those flipped
labels and may have learnt some) and for val + test (it did not).
Baseline in the same run: the plain-library way, scikit-learn's LogisticRegression on the
raw 64 pixels with 5-fold cross_val_predict probabilities (each image scored by a model that
never saw it), scored with the same formula.

    .venv/bin/python bench/label_errors.py [--flip 0.05] [--epochs 10] [--seed 0]
"""

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ml.callbacks import Callbacks
from ml.config import TrainConfig
from ml.manifest import Manifest
from ml.mistakes import classification_mistakenness
from ml.predict import load_model
from ml.synthetic import digits_manifest


def top_fraction(scores: np.ndarray, flipped: np.ndarray, among: np.ndarray,
                 share: float | None = 0.1) -> float:  # fmt: skip
    """Of the flipped images in `among`, the fraction ranked in the top `share` of `among`
    (None: in the top k, k = how many were flipped there, i.e. the precision at k)."""
    idx = np.flatnonzero(among)
    k = max(1, round(share * len(idx))) if share else max(1, int(flipped[idx].sum()))
    top = set(idx[np.argsort(-scores[idx], kind="stable")[:k]].tolist())
    wanted = [i for i in idx if flipped[i]]
    return sum(i in top for i in wanted) / max(1, len(wanted))


def scores_from(probabilities: list[dict[str, float]], labels: list[int]) -> np.ndarray:
    return np.array([classification_mistakenness(p, [str(y)]).score
                     for p, y in zip(probabilities, labels, strict=True)])  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flip", type=float, default=0.05)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict

    with tempfile.TemporaryDirectory() as tmp:
        clean = digits_manifest(Path(tmp) / "data", seed=args.seed)
        rng = random.Random(args.seed)
        n = len(clean.samples)
        flipped = np.zeros(n, bool)
        flipped[rng.sample(range(n), round(args.flip * n))] = True
        noisy = []
        for i, s in enumerate(clean.samples):
            label = s.labels[0]
            if flipped[i]:
                label = (label + rng.randint(1, 9)) % 10
            noisy.append(label)
            s.labels = [label]
        manifest = Manifest("classify", clean.classes, clean.samples, root=clean.root)
        splits = np.array([s.split for s in manifest.samples])
        print(f"{n} digits, {flipped.sum()} labels flipped ({args.flip:.0%}); "
              f"splits {dict(zip(*np.unique(splits, return_counts=True), strict=True))}")  # fmt: skip

        t0 = time.perf_counter()
        params = {"epochs": args.epochs, "batch_size": 64, "lr": 0.1, "augment": 0.3,
                  "warmup_epochs": 1, "num_workers": 0, "seed": args.seed}  # fmt: skip
        from ml.train import train

        config = TrainConfig.from_params(task="classify", architecture_name="resnet20",
                                         params=params)  # fmt: skip
        result = train(manifest, config, Path(tmp) / "run", Callbacks())
        trained = time.perf_counter() - t0
        predictor = load_model(result.weights_path, "resnet20", manifest.classes, 32)
        t1 = time.perf_counter()
        predictions = predictor.classify([manifest.resolve(s) for s in manifest.samples], top_k=10)
        probabilities = [{c.label: c.confidence for c in row} for row in predictions]
        t2 = time.perf_counter()
        ours = scores_from(probabilities, noisy)
        scored = time.perf_counter() - t2

        digits = load_digits()
        t3 = time.perf_counter()
        proba = cross_val_predict(LogisticRegression(max_iter=2000), digits.data, np.array(noisy),
                                  cv=5, method="predict_proba")  # fmt: skip
        base = scores_from([{str(c): float(p) for c, p in enumerate(row)} for row in proba], noisy)
        based = time.perf_counter() - t3

    everyone = np.ones(n, bool)
    train_split = splits == "train"
    held_out = ~train_split
    rows = [
        ("all images", everyone),
        ("train split (labels the model trained on)", train_split),
        ("val + test (labels it never saw)", held_out),
    ]
    print(f"\nResNet-20 trained {trained:.0f} s (best val accuracy on noisy labels "
          f"{result.best_metrics.get('val_accuracy', float('nan')):.3f}); predictions "
          f"{1000 * (t2 - t1):.0f} ms, scoring {1000 * scored:.1f} ms for {n} images; "
          f"baseline {based:.1f} s\n")  # fmt: skip
    print("| flipped labels found | top 10%: ours | baseline | random "
          "| top k (k = flipped count): ours | baseline | random |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    summary = {}
    for name, among in rows:
        a, b = top_fraction(ours, flipped, among), top_fraction(base, flipped, among)
        pa, pb = (top_fraction(x, flipped, among, None) for x in (ours, base))
        chance = flipped[among].mean()
        summary[name] = {"ours": round(a, 3), "baseline": round(b, 3),
                         "ours_at_k": round(pa, 3), "baseline_at_k": round(pb, 3)}  # fmt: skip
        print(f"| {name} | {a:.0%} | {b:.0%} | 10% | {pa:.0%} | {pb:.0%} | {chance:.0%} |")
    a, b = summary["all images"]["ours"], summary["all images"]["baseline"]
    print(f"\nratio ours / baseline (all images): {a / max(b, 1e-9):.2f}x")
    print(json.dumps({"flip": args.flip, "epochs": args.epochs, "seed": args.seed, **summary}))


if __name__ == "__main__":
    main()
