"""How a detector's own transform resizes an image (torchvision's min_size / max_size rule),
without torch: the app scales boxes with it to get anchors at a training size."""

import numpy as np

MAX_SIZE_RATIO = 1333 / 800  # torchvision's default max_size / min_size


def max_size_for(image_size: int) -> int:
    return round(image_size * MAX_SIZE_RATIO)


def training_scale(width: np.ndarray | float, height: np.ndarray | float,
                   image_size: int) -> np.ndarray:  # fmt: skip
    """The factor per image: shorter side to image_size, unless the longer side would pass
    max_size_for(image_size)."""
    width, height = np.asarray(width, np.float64), np.asarray(height, np.float64)
    return np.minimum(image_size / np.minimum(width, height),
                      max_size_for(image_size) / np.maximum(width, height))  # fmt: skip
