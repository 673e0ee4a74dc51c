from pathlib import Path

import pytest

from ml.config import TrainConfig
from ml.manifest import Manifest, Sample


def test_config_defaults_then_params() -> None:
    config = TrainConfig.from_params(task="classify", architecture_name="resnet20",
                                     params={"epochs": 3, "lr": "0.05"})  # fmt: skip
    assert config.epochs == 3 and config.lr == 0.05
    assert config.image_size == 32 and config.batch_size == 128  # CIFAR defaults
    again = TrainConfig(**config.to_dict())
    assert again == config


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"epochs": 0}, "epochs"),
        ({"epochs": 1.5}, "epochs"),
        ({"optimizer": "adam"}, "optimizer"),
        ({"nope": 1}, "Unknown parameter"),
        ({"amp": "yes"}, "amp"),
        ({"device": "tpu"}, "device"),
    ],
)
def test_config_rejects(params: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TrainConfig.from_params(task="classify", architecture_name="resnet20", params=params)


def test_config_task_must_match() -> None:
    with pytest.raises(ValueError, match="detect"):
        TrainConfig.from_params(task="classify", architecture_name="fcos_resnet50_fpn", params={})


def test_manifest_round_trip(tmp_path: Path) -> None:
    manifest = Manifest(
        task="detect",
        classes=["cat", "dog"],
        samples=[
            Sample(
                "a.jpg",
                "h1",
                "train",
                weight=4.0,
                boxes=[(1.0, 2.0, 3.0, 4.0, 1)],
                width=9,
                height=8,
            ),
            Sample("/abs/b.jpg", "h2", "val", labels=[0], image_id=7),
        ],
    )
    path = tmp_path / "m.json"
    path.write_text(manifest.to_json())
    loaded = Manifest.load(path)
    assert loaded.root == str(tmp_path)
    assert loaded.samples == manifest.samples
    assert loaded.samples[0].boxes == [(1.0, 2.0, 3.0, 4.0, 1)]
    assert loaded.resolve(loaded.samples[0]) == tmp_path / "a.jpg"
    assert loaded.resolve(loaded.samples[1]) == Path("/abs/b.jpg")
    assert [s.path for s in loaded.split("val")] == ["/abs/b.jpg"]
