"""The engine's interfaces, torch-free, in the spirit of CVAT's auto-annotation functions: a
spec (what the model is: task, classes, input size) plus what it does (classify / detect).
ml/predict.py (torch) and ml/serving.py (ONNX Runtime) implement them; ml/autolabel.py and
the Django side (apps/models/serving, apps/models/autolabel) are typed against them only."""

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from .results import Classification, Detection, ImageInput, Segmentation


class ModelSpec(Protocol):
    task: str  # "classify" | "detect" | "segment" | "semantic"
    architecture: str
    classes: list[str]  # index -> class name
    image_size: int  # the side images are resized to
    backend: str  # "onnx" | "torch-cpu" | "torch-cuda"


class Classifier(ModelSpec, Protocol):
    def classify(self, images: Sequence[ImageInput], top_k: int = 3) -> list[list[Classification]]:
        """Per image, the top_k classes by confidence (highest first)."""
        ...


class Detector(ModelSpec, Protocol):
    def detect(
        self, images: Sequence[ImageInput], score_threshold: float = 0.3
    ) -> list[list[Detection]]:
        """Per image, the boxes scoring at least score_threshold, in the image's pixels."""
        ...


class Segmenter(ModelSpec, Protocol):
    def segment(
        self, images: Sequence[ImageInput], score_threshold: float = 0.3, rle: bool = False
    ) -> list[list[Segmentation]]:
        """Per image, the instances (or class regions) scoring at least score_threshold,
        with polygons in the image's pixels (and masks as COCO RLE when `rle`)."""
        ...


@runtime_checkable
class JpegClassifier(Classifier, Protocol):
    """A classifier that decodes JPEG bytes where it runs (nvJPEG on a GPU)."""

    def classify_jpegs(
        self, blobs: Sequence[bytes], top_k: int = 3
    ) -> list[list[Classification]]: ...


class Predictor(Classifier, Detector, Protocol):
    """What load_predictor returns: both calls exist; the one that fits `task` is used, and
    predict() calls it for you."""

    def predict(self, images: Sequence[ImageInput], **options: float) -> list[list]: ...
