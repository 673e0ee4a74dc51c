"""The frozen input of a training run: which images (by path and hash), their split, sampling
weight and labels. Written by the app when a run starts; read by ml/ only."""

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

# Splits trained on: an unassigned image has simply not been put in val or test by anyone.
TRAIN_SPLITS = ("train", "unassigned")

Box = tuple[float, float, float, float, int]  # x, y, w, h in image pixels, class index


@dataclass
class Sample:
    path: str  # absolute, or relative to the manifest's folder
    sha256: str
    split: str  # train | val | test | unassigned
    weight: float = 1.0  # gold images > 1 are drawn more often
    labels: list[int] = field(default_factory=list)  # classify: class indices (first is used)
    boxes: list[Box] = field(default_factory=list)  # detect, segment, semantic
    # segment / semantic: one per box, in the same order (the box is its bounding box):
    # {"polygon": [[[x, y], ...], ...]} (rings, outline first) or {"mask": {size, counts}}
    segments: list[dict] = field(default_factory=list)
    width: int = 0
    height: int = 0
    image_id: int | None = None


@dataclass
class Manifest:
    task: str  # classify | detect | segment | semantic
    classes: list[str]
    samples: list[Sample]
    root: str = ""  # folder relative sample paths are read from

    def split(self, name: str) -> list[Sample]:
        return [s for s in self.samples if s.split == name]

    def resolve(self, sample: Sample) -> Path:
        path = Path(sample.path)
        return path if path.is_absolute() else Path(self.root) / path

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_dict(cls, data: dict) -> "Manifest":
        samples = [
            Sample(**{**s, "boxes": [tuple(b) for b in s.get("boxes", [])]})
            for s in data["samples"]
        ]
        return cls(
            task=data["task"],
            classes=list(data["classes"]),
            samples=samples,
            root=data.get("root", ""),
        )

    @classmethod
    def load(cls, path: Path) -> "Manifest":
        manifest = cls.from_dict(json.loads(Path(path).read_text()))
        if not manifest.root:
            manifest.root = str(Path(path).resolve().parent)
        return manifest
