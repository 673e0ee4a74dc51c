"""Honest test data without downloads.

digits_manifest: the 1,797 real 8x8 scans of sklearn's load_digits(), upscaled to PNG files
(grey -> RGB), with a seeded stratified train/val/test split.

photo_patches_manifest: a real-photo classification set: crops of ten of skimage's bundled
photographs (people, a cat, coffee, a rocket, a retina, tissue, deep sky, grass, gravel,
brick), the class being the photograph; train crops come from the left 70% of each photo and
val crops from the rest, so no val pixel was ever trained on. At 32 px it is a CIFAR-sized
task; at 224 px an ImageNet-sized one.

shapes_manifest: detection scenes with exactly known boxes: filled rectangles, ellipses and
triangles in random bright colours pasted (without overlap) on crops of skimage's bundled
grey textures (camera, grass, gravel, brick), saved as JPEG files.
"""

import colorsys
import random
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from .manifest import Box, Manifest, Sample

SHAPES = ("rectangle", "ellipse", "triangle")
TEXTURES = ("camera", "grass", "gravel", "brick")


def _split_names(n: int, val: float, test: float, labels: list[int] | None, seed: int) -> list[str]:
    """Seeded split, stratified by label when labels are given."""
    rng = random.Random(seed)
    names = ["train"] * n
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(labels[i] if labels else 0, []).append(i)
    for members in groups.values():
        rng.shuffle(members)
        n_val, n_test = round(val * len(members)), round(test * len(members))
        for i in members[:n_val]:
            names[i] = "val"
        for i in members[n_val : n_val + n_test]:
            names[i] = "test"
    return names


def digits_manifest(
    out_dir: Path, size: int = 32, seed: int = 0, val: float = 0.15, test: float = 0.15
) -> Manifest:
    from sklearn.datasets import load_digits

    out_dir = Path(out_dir)
    (out_dir / "digits").mkdir(parents=True, exist_ok=True)
    digits = load_digits()
    labels = [int(t) for t in digits.target]
    splits = _split_names(len(labels), val, test, labels, seed)
    samples = []
    for i, (pixels, label) in enumerate(zip(digits.images, labels, strict=True)):
        grey = Image.fromarray((255 - pixels * 255 / 16).astype(np.uint8), "L")
        image = grey.resize((size, size), Image.Resampling.BILINEAR).convert("RGB")
        rel = f"digits/{i:04d}.png"
        image.save(out_dir / rel)
        samples.append(Sample(path=rel, sha256=f"digit-{i}", split=splits[i], labels=[label],
                              width=size, height=size, image_id=i))  # fmt: skip
    manifest = Manifest("classify", [str(d) for d in range(10)], samples, root=str(out_dir))
    (out_dir / "manifest.json").write_text(manifest.to_json())
    return manifest


def _texture(rng: random.Random, width: int, height: int) -> Image.Image:
    import skimage.data

    base = Image.fromarray(getattr(skimage.data, rng.choice(TEXTURES))())
    side = rng.randint(min(base.size) // 3, min(base.size))
    x, y = rng.randint(0, base.width - side), rng.randint(0, base.height - side)
    grey = base.crop((x, y, x + side, y + side)).resize((width, height))
    tint = tuple(int(c * 255) for c in colorsys.hsv_to_rgb(rng.random(), 0.25, 1.0))
    return Image.merge("RGB", [grey.point(lambda v, c=c: v * c // 255) for c in tint])


def _colour(rng: random.Random) -> tuple[int, int, int]:
    r, g, b = colorsys.hsv_to_rgb(rng.random(), rng.uniform(0.6, 1.0), rng.uniform(0.75, 1.0))
    return int(r * 255), int(g * 255), int(b * 255)


def _draw(draw: ImageDraw.ImageDraw, shape: str, x: int, y: int, w: int, h: int,
          rng: random.Random) -> None:  # fmt: skip
    colour = _colour(rng)
    if shape == "rectangle":
        draw.rectangle([x, y, x + w - 1, y + h - 1], fill=colour)
    elif shape == "ellipse":
        draw.ellipse([x, y, x + w - 1, y + h - 1], fill=colour)
    elif rng.random() < 0.5:  # triangle pointing up
        draw.polygon([(x + (w - 1) / 2, y), (x, y + h - 1), (x + w - 1, y + h - 1)], fill=colour)
    else:  # pointing down
        draw.polygon([(x, y), (x + w - 1, y), (x + (w - 1) / 2, y + h - 1)], fill=colour)


def _spot(rng: random.Random, width: int, height: int, boxes: list[Box],
          size_range: tuple[float, float]) -> tuple[int, int, int, int] | None:  # fmt: skip
    """A place (x, y, w, h) for one more object, 2 px clear of `boxes`; None after 30 tries."""
    short = min(width, height)
    for _attempt in range(30):
        w = int(rng.uniform(*size_range) * short)
        h = int(min(max(w * rng.uniform(0.6, 1.6), size_range[0] * short), 0.6 * short))
        x, y = rng.randint(0, width - w), rng.randint(0, height - h)
        if all(x + w + 2 <= bx or bx + bw + 2 <= x or y + h + 2 <= by or by + bh + 2 <= y
               for bx, by, bw, bh, _ in boxes):  # fmt: skip
            return x, y, w, h
    return None


def scene(rng: random.Random, width: int, height: int, max_objects: int = 3,
          size_range: tuple[float, float] = (0.2, 0.45),
          shapes: tuple[str, ...] = SHAPES) -> tuple[Image.Image, list[Box]]:  # fmt: skip
    """One scene and its boxes (x, y, w, h, class index), none overlapping."""
    image = _texture(rng, width, height)
    draw = ImageDraw.Draw(image)
    boxes: list[Box] = []
    for _ in range(rng.randint(1, max_objects)):
        if (spot := _spot(rng, width, height, boxes, size_range)) is None:
            continue
        x, y, w, h = spot
        cls = rng.randrange(len(shapes))
        _draw(draw, shapes[cls], x, y, w, h, rng)
        boxes.append((float(x), float(y), float(w), float(h), cls))
    return image, boxes


def shapes_manifest(
    out_dir: Path, n_train: int = 200, n_val: int = 50, n_test: int = 0, width: int = 160,
    height: int = 128, seed: int = 0, max_objects: int = 3, num_classes: int = 3,
    size_range: tuple[float, float] = (0.2, 0.45),
) -> Manifest:  # fmt: skip
    rng = random.Random(seed)

    def make(i: int, split: str) -> Sample:
        image, boxes = scene(rng, width, height, max_objects, size_range, SHAPES[:num_classes])
        rel = f"scenes/{i:05d}.jpg"
        image.save(Path(out_dir) / rel, quality=90)
        return Sample(path=rel, sha256=f"scene-{i}", split=split, boxes=boxes, width=width,
                      height=height, image_id=i)  # fmt: skip

    return _scenes_manifest(out_dir, "detect", num_classes, (n_train, n_val, n_test), make)


def _scenes_manifest(out_dir: Path, task: str, num_classes: int, counts: tuple[int, int, int],
                     make: Callable[[int, str], Sample]) -> Manifest:  # fmt: skip
    """A manifest (written to out_dir) of counts train/val/test samples that `make` draws into
    out_dir/scenes/."""
    out_dir = Path(out_dir)
    (out_dir / "scenes").mkdir(parents=True, exist_ok=True)
    splits = [s for s, n in zip(("train", "val", "test"), counts, strict=True) for _ in range(n)]
    samples = [make(i, split) for i, split in enumerate(splits)]
    manifest = Manifest(task, list(SHAPES[:num_classes]), samples, root=str(out_dir))
    (out_dir / "manifest.json").write_text(manifest.to_json())
    return manifest


PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "retina", "immunohistochemistry",
          "hubble_deep_field", "grass", "gravel", "brick")  # fmt: skip
TRAIN_WIDTH = 0.7  # train crops from the left 70% of a photo, val crops from the right 30%


def photo_patches_manifest(
    out_dir: Path, size: int = 32, train_per_class: int = 300, val_per_class: int = 96,
    seed: int = 0, crop: tuple[float, float] = (0.06, 0.2), fmt: str = "PNG",
) -> Manifest:  # fmt: skip
    """Square crops with a side of `crop` (fractions of the photo's shorter side), resized
    to `size`; PNG at small sizes, JPEG for photo-sized sets."""
    import skimage.data

    out_dir = Path(out_dir)
    (out_dir / "patches").mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    suffix = ".png" if fmt == "PNG" else ".jpg"
    samples = []
    for label, name in enumerate(PHOTOS):
        photo = Image.fromarray(getattr(skimage.data, name)()).convert("RGB")
        width, height = photo.size
        cut = int(width * TRAIN_WIDTH)
        for split, count, (x_lo, x_hi) in (("train", train_per_class, (0, cut)),
                                           ("val", val_per_class, (cut, width))):  # fmt: skip
            for _ in range(count):
                side = int(rng.uniform(*crop) * min(width, height))
                side = min(side, x_hi - x_lo, height)
                x, y = rng.randint(x_lo, x_hi - side), rng.randint(0, height - side)
                patch = photo.crop((x, y, x + side, y + side))
                patch = patch.resize((size, size), Image.Resampling.BILINEAR, reducing_gap=3.0)
                i = len(samples)
                rel = f"patches/{i:05d}{suffix}"
                patch.save(out_dir / rel, fmt, **({"quality": 90} if fmt == "JPEG" else {}))
                samples.append(Sample(path=rel, sha256=f"patch-{size}-{i}", split=split,
                                      labels=[label], width=size, height=size, image_id=i))  # fmt: skip
    manifest = Manifest("classify", list(PHOTOS), samples, root=str(out_dir))
    (out_dir / "manifest.json").write_text(manifest.to_json())
    return manifest


def shape_ring(shape: str, x: float, y: float, w: float, h: float, up: bool = True,
               points: int = 24) -> list[tuple[float, float]]:  # fmt: skip
    """The outline of a shape filling the box x, y, w, h (ellipses as `points` vertices)."""
    if shape == "rectangle":
        return [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]
    if shape == "ellipse":
        cx, cy = x + w / 2, y + h / 2
        return [(cx + w / 2 * np.cos(t), cy + h / 2 * np.sin(t))
                for t in np.linspace(0, 2 * np.pi, points, endpoint=False)]  # fmt: skip
    if up:
        return [(x + w / 2, y), (x + w, y + h), (x, y + h)]
    return [(x, y), (x + w, y), (x + w / 2, y + h)]


def segment_scene(rng: random.Random, width: int, height: int, max_objects: int = 3,
                  size_range: tuple[float, float] = (0.2, 0.45),
                  shapes: tuple[str, ...] = SHAPES) -> tuple[Image.Image, list[Box], list[dict]]:  # fmt: skip
    """A scene of filled shapes, their boxes and their exact outlines as polygons (the pixels
    drawn are the polygon's): no two overlap. Ellipses are 24-gons; the box is the ring's."""
    image = _texture(rng, width, height)
    draw = ImageDraw.Draw(image)
    boxes: list[Box] = []
    segments: list[dict] = []
    for _ in range(rng.randint(1, max_objects)):
        if (spot := _spot(rng, width, height, boxes, size_range)) is None:
            continue
        x, y, w, h = spot
        cls = rng.randrange(len(shapes))
        ring = shape_ring(shapes[cls], x, y, w, h, rng.random() < 0.5)
        draw.polygon(ring, fill=_colour(rng))
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        x0, y0 = float(min(xs)), float(min(ys))
        boxes.append((x0, y0, float(max(xs)) - x0, float(max(ys)) - y0, cls))
        segments.append({"polygon": [[[float(px), float(py)] for px, py in ring]]})
    return image, boxes, segments


def segment_manifest(
    out_dir: Path, n_train: int = 120, n_val: int = 30, n_test: int = 0, width: int = 96,
    height: int = 80, seed: int = 0, max_objects: int = 2, num_classes: int = 2,
    size_range: tuple[float, float] = (0.3, 0.5), task: str = "segment",
) -> Manifest:  # fmt: skip
    """Segmentation scenes with exactly known outlines (task "segment" or "semantic")."""
    rng = random.Random(seed)

    def make(i: int, split: str) -> Sample:
        image, boxes, segments = segment_scene(rng, width, height, max_objects, size_range,
                                               SHAPES[:num_classes])  # fmt: skip
        rel = f"scenes/{i:05d}.png"
        image.save(Path(out_dir) / rel)
        return Sample(path=rel, sha256=f"seg-{i}", split=split, boxes=boxes, segments=segments,
                      width=width, height=height, image_id=i)  # fmt: skip

    return _scenes_manifest(out_dir, task, num_classes, (n_train, n_val, n_test), make)
