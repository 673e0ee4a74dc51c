"""Classification input for inference, with PIL and numpy only (no torch): the torch and ONNX
backends run the very same float32 arrays.

JPEG files and bytes are decoded at a reduced scale when that still leaves a bit more than
image_size (Pillow's draft mode), then resized with PIL (bilinear, antialiased) so the
shorter side is image_size (smaller images are enlarged), centre-cropped to a square and
normalized with the ImageNet mean/std: the eval transform of ml/data.py, up to resampling.
Detection input is the image at the detector's own scale, in 0..1 (detectors normalize
inside), as ml/data.resize_for_detection makes it for validation.
"""

import math
from collections.abc import Sequence

import numpy as np
from PIL import Image

from .results import ImageInput, open_image

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
CACHE_MARGIN = 1.14  # decoded images keep a bit more than image_size (random crops, draft)

# (x / 255 - mean) / std == x * _SCALE - _OFFSET, one multiply and one subtract per value
_SCALE = (1 / (255 * np.array(IMAGENET_STD))).astype(np.float32)[:, None, None]
_OFFSET = (np.array(IMAGENET_MEAN) / np.array(IMAGENET_STD)).astype(np.float32)[:, None, None]


def cache_side(image_size: int) -> int:
    return math.ceil(image_size * CACHE_MARGIN)


def load_rgb(image: ImageInput, draft_side: int | None = None) -> Image.Image:
    """An RGB image; JPEG files and bytes we open ourselves are decoded in draft mode."""
    img = open_image(image)
    if draft_side and img is not image and img.format == "JPEG":
        img.draft("RGB", (draft_side, draft_side))  # decode at 1/2, 1/4, 1/8 scale when it can
    return img if img.mode == "RGB" else img.convert("RGB")


def resize_and_crop(img: Image.Image, image_size: int) -> Image.Image:
    """Shorter side to image_size (as torchvision's Resize), then the centre square."""
    s, (w, h) = image_size, img.size
    size = (s, int(s * h / w)) if w <= h else (int(s * w / h), s)
    if size != img.size:
        img = img.resize(size, Image.Resampling.BILINEAR, reducing_gap=3.0)
    if size != (s, s):
        left, top = round((size[0] - s) / 2.0), round((size[1] - s) / 2.0)  # as torchvision
        img = img.crop((left, top, left + s, top + s))
    return img


def normalize(pixels: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """uint8 (h, w, 3) -> float32 (3, h, w), ImageNet-normalized."""
    chw = pixels.transpose(2, 0, 1)
    if out is None:
        out = np.empty(chw.shape, np.float32)
    np.multiply(chw, _SCALE, out=out, casting="unsafe")
    out -= _OFFSET
    return out


def classify_array(image: ImageInput, image_size: int, out: np.ndarray | None = None) -> np.ndarray:
    """float32 (3, image_size, image_size), written into `out` when given."""
    img = resize_and_crop(load_rgb(image, cache_side(image_size)), image_size)
    return normalize(np.asarray(img, dtype=np.uint8), out)


def classify_batch(images: Sequence[ImageInput], image_size: int) -> np.ndarray:
    """float32 (N, 3, image_size, image_size)."""
    batch = np.empty((len(images), 3, image_size, image_size), np.float32)
    for i, image in enumerate(images):
        classify_array(image, image_size, out=batch[i])
    return batch


def detect_array(
    image: ImageInput, image_size: int, max_size: int
) -> tuple[np.ndarray, float, float]:
    """float32 (3, h, w) in 0..1, shorter side image_size and longer side at most max_size
    (the detector's resize rule), with the x and y factors applied."""
    img = open_image(image)
    width, height = img.size
    scale = min(image_size / min(width, height), max_size / max(width, height))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    if img is not image and img.format == "JPEG":
        img.draft("RGB", size)
    img = img if img.mode == "RGB" else img.convert("RGB")
    if img.size != size:
        img = img.resize(size, Image.Resampling.BILINEAR, reducing_gap=3.0)
    chw = np.asarray(img, dtype=np.uint8).transpose(2, 0, 1)
    out = np.empty(chw.shape, np.float32)
    np.divide(chw, np.float32(255), out=out, casting="unsafe")
    return out, size[0] / width, size[1] / height
