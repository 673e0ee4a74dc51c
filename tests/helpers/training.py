"""Small, fast training inputs for tests that go through the real train queue."""

import io
import random

from PIL import Image as PILImage

FAST = {
    "epochs": 2,
    "batch_size": 8,
    "image_size": 32,
    "num_workers": 0,
    "cache": "none",
    "lr": 0.05,
}


def noisy_png(color: tuple[int, int, int], seed: int) -> bytes:
    rng = random.Random(seed)
    image = PILImage.new("RGB", (24, 24), color)
    pixels = image.load()
    for _ in range(60):
        x, y = rng.randrange(24), rng.randrange(24)
        pixels[x, y] = tuple(min(255, max(0, c + rng.randint(-60, 60))) for c in color)
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()
