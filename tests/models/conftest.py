import io
import random

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage

from apps.annotations.services import upload_with_tags
from apps.images.models import Image

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


@pytest.fixture
def tagged_images(world):
    """20 reddish images tagged sparrow, 20 bluish tagged robin; 30 train, 10 val."""
    created = []
    for label, color in ((world.labels[0], (200, 40, 40)), (world.labels[1], (40, 60, 200))):
        files = [SimpleUploadedFile(f"{label.name}{i}.png", noisy_png(color, i)) for i in range(20)]
        result = upload_with_tags(
            project=world.project, user=world.users["owner"], files=files, label=label
        )
        created += result.created
    images = list(Image.objects.filter(pk__in=created).order_by("id"))
    for i, image in enumerate(images):
        image.split = "val" if i % 4 == 0 else "train"
        image.save(update_fields=["split"])
    return images
