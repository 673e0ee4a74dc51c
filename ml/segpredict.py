"""Segmentation inference in torch (called by ml/predict.Predictor): model outputs -> masks
in the input image's pixels -> Segmentation rows (box, polygon, RLE on request).

Instances (Mask R-CNN): the image at the detector's scale (ml/preprocess.detect_array), each
kept instance's mask probabilities resized to the image and cut at 0.5; its polygon is the
mask's largest region with its holes (ml/assist.mask_rings: OpenCV contours, simplified by
one pixel); an instance whose mask comes out empty keeps its box and no polygon.

Semantic: the image squashed to image_size x image_size and ImageNet-normalised, the logits
resized back to the image; the regions are ml/segshapes.py's (shared with ONNX serving).
"""

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from .preprocess import detect_array, load_rgb
from .results import ImageInput, Segmentation
from .segeval import instance_masks
from .segshapes import class_map, regions, segmentation_row, semantic_array

__all__ = ["class_map", "instances", "regions", "semantic_probabilities"]


def instances(model: torch.nn.Module, device: torch.device, autocast, images: Sequence[ImageInput],
              classes: list[str], offset: int, image_size: int, max_size: int,
              score_threshold: float, rle: bool) -> list[list[Segmentation]]:  # fmt: skip
    out = []
    for image in images:
        pil = load_rgb(image)
        width, height = pil.size
        array, fx, fy = detect_array(pil, image_size, max_size)
        with autocast:
            result = model([torch.from_numpy(array).to(device)])[0]
        labels = result["labels"] - offset
        keep = (result["scores"] >= score_threshold) & (labels >= 0) & (labels < len(classes))
        masks = instance_masks(result["masks"][keep], height, width)
        rows = []
        for (x1, y1, x2, y2), c, score, mask in zip(
            result["boxes"][keep].float().cpu().tolist(), labels[keep].tolist(),
            result["scores"][keep].float().cpu().tolist(), masks, strict=True,
        ):  # fmt: skip
            box = (x1 / fx, y1 / fy, (x2 - x1) / fx, (y2 - y1) / fy)
            rows.append(segmentation_row(mask, box, classes[c], float(score), rle))
        out.append(rows)
    return out


def semantic_probabilities(model: torch.nn.Module, device: torch.device, autocast,
                           image: ImageInput, image_size: int) -> np.ndarray:  # fmt: skip
    """float32 (classes + 1, height, width) softmax probabilities at the image's own size."""
    array, (width, height) = semantic_array(image, image_size)
    x = torch.from_numpy(array)[None].to(device)
    with autocast:
        logits = model(x)["out"]
    logits = F.interpolate(logits.float(), size=(height, width), mode="bilinear",
                           align_corners=False)  # fmt: skip
    return logits[0].softmax(0).cpu().numpy()
