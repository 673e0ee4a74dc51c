"""Images for the demo project, made from data that ships inside installed packages (nothing
is downloaded): scikit-learn's 1,797 real 8x8 handwritten digits, upscaled smoothly to PNG,
and detection "scenes": skimage's bundled textures with a few of those digits pasted at known
places, each with the box that tightly holds its ink. Deterministic: the same bytes every run.
No Django here."""

import colorsys
import io
import random
from dataclasses import dataclass

import numpy as np
from PIL import Image

DIGIT_SIDE = 32  # stored size of a classification image (the CIFAR-style nets' input size)
SCENE_SIZE = (256, 192)
SCENE_DIGIT_SIDES = (48, 80)  # a pasted digit's side, in scene pixels
SCENE_TEXTURES = ("grass", "gravel", "brick", "moon")  # bundled with scikit-image
INK_THRESHOLD = 40  # 0..255: upscaled ink at least this dark counts for the box
Box = tuple[int, int, int, int]  # x, y, w, h in image pixels


@dataclass(frozen=True)
class DemoImage:
    name: str
    png: bytes


@dataclass(frozen=True)
class DemoScene(DemoImage):
    boxes: tuple[tuple[str, Box], ...]  # (class name, box)


def _png(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG", optimize=True)
    return buf.getvalue()


def _ink(pixels: np.ndarray, side: int) -> Image.Image:
    """An 8x8 scan (0 = paper .. 16 = ink) as an 'L' image of `side` px, 255 = full ink."""
    small = Image.fromarray((pixels * (255 / 16)).round().astype(np.uint8), "L")
    return small.resize((side, side), Image.Resampling.BICUBIC)


def _load() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits  # only the seed needs scikit-learn

    digits = load_digits()
    return digits.images, digits.target


def digit_images(per_class: int, side: int = DIGIT_SIDE) -> dict[str, list[DemoImage]]:
    """The first `per_class` scans of each digit (dataset order): dark ink on white paper."""
    images, targets = _load()
    out: dict[str, list[DemoImage]] = {str(d): [] for d in range(10)}
    for index, (pixels, target) in enumerate(zip(images, targets, strict=True)):
        group = out[str(int(target))]
        if len(group) < per_class:
            paper = Image.eval(_ink(pixels, side), lambda v: 255 - v)
            group.append(DemoImage(f"digit-{int(target)}-{index:04d}.png", _png(paper)))
    return out


def _texture(name: str, rng: random.Random) -> Image.Image:
    import skimage.data  # only the seed needs scikit-image

    base = Image.fromarray(getattr(skimage.data, name)()).convert("L")
    width, height = SCENE_SIZE
    scale = rng.uniform(1.0, min(base.width / width, base.height / height))
    w, h = round(width * scale), round(height * scale)
    x, y = rng.randint(0, base.width - w), rng.randint(0, base.height - h)
    grey = base.crop((x, y, x + w, y + h)).resize(SCENE_SIZE, Image.Resampling.BILINEAR)
    grey = grey.point(lambda v: 110 + v * 145 // 255)  # lighter, so dark ink stands out
    tint = colorsys.hsv_to_rgb(rng.random(), 0.2, 1.0)
    return Image.merge("RGB", [grey.point(lambda v, c=c: round(v * c)) for c in tint])


def _overlaps(box: Box, others: list[Box], gap: int = 4) -> bool:
    x, y, w, h = box
    return any(
        x < ox + ow + gap and ox < x + w + gap and y < oy + oh + gap and oy < y + h + gap
        for ox, oy, ow, oh in others
    )


def scene_images(count: int, skip_per_class: int, seed: int = 0) -> list[DemoScene]:
    """`count` scenes with 2-3 digits each, drawn from scans after the first `skip_per_class`
    of each class (so no scene reuses a classification image)."""
    images, targets = _load()
    seen: dict[int, int] = {}
    pool: list[tuple[np.ndarray, int]] = []
    for pixels, target in zip(images, targets, strict=True):
        seen[int(target)] = seen.get(int(target), 0) + 1
        if seen[int(target)] > skip_per_class:
            pool.append((pixels, int(target)))
    rng = random.Random(seed)
    rng.shuffle(pool)
    scenes: list[DemoScene] = []
    for i in range(count):
        canvas = _texture(SCENE_TEXTURES[i % len(SCENE_TEXTURES)], rng)
        ink_colour = tuple(round(c * 255) for c in colorsys.hsv_to_rgb(rng.random(), 0.8, 0.35))
        placed: list[Box] = []
        boxes: list[tuple[str, Box]] = []
        for _ in range(rng.randint(2, 3)):
            pixels, target = pool.pop()
            side = rng.randint(*SCENE_DIGIT_SIDES)
            mask = _ink(pixels, side)
            left, top, right, bottom = mask.point(
                lambda v: 255 if v >= INK_THRESHOLD else 0
            ).getbbox()
            for _attempt in range(50):
                x = rng.randint(-left, SCENE_SIZE[0] - right)
                y = rng.randint(-top, SCENE_SIZE[1] - bottom)
                box = (x + left, y + top, right - left, bottom - top)
                if not _overlaps(box, placed):
                    canvas.paste(Image.new("RGB", mask.size, ink_colour), (x, y), mask)
                    placed.append(box)
                    boxes.append((str(target), box))
                    break
        scenes.append(DemoScene(f"scene-{i:02d}.png", _png(canvas), tuple(boxes)))
    return scenes
