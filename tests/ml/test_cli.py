"""`python -m ml` runs alone: no Django, no apps.* in the process."""

import json
import subprocess
import sys
from pathlib import Path

from ml.architectures import ARCHITECTURES
from ml.manifest import Manifest

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)  # fmt: skip


def test_importing_ml_pulls_in_no_django() -> None:
    code = (
        "import sys, ml.train, ml.predict, ml.registry, ml.synthetic, ml.__main__\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'django', 'apps', 'rest_framework'}))"
    )
    out = _run("-c", code)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_architectures_command() -> None:
    out = _run("-m", "ml", "architectures")
    assert out.returncode == 0, out.stderr
    for name in ARCHITECTURES:
        assert name in out.stdout


def test_train_resume_and_predict_commands(tiny: Manifest, tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.json"
    manifest.write_text(tiny.to_json())
    params = json.dumps({"epochs": 2, "batch_size": 32, "image_size": 16, "num_workers": 0})
    out_dir = tmp_path / "run"
    out = _run("-m", "ml", "train", "--manifest", str(manifest), "--arch", "resnet20",
               "--params", params, "--out", str(out_dir))  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "step 3/6" in out.stdout and "epoch 2/2" in out.stdout
    end = json.loads(out.stdout.strip().splitlines()[-1])
    assert end["status"] == "completed" and end["step"] == 6
    again = _run("-m", "ml", "train", "--manifest", str(manifest), "--arch", "resnet20",
                 "--params", params, "--out", str(out_dir), "--resume")  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout.strip().splitlines()[-1])["step"] == 6  # nothing left to do
    image = tiny.resolve(tiny.samples[0])
    pred = _run("-m", "ml", "predict", "--weights", str(out_dir / "model.pt"), "--arch", "resnet20",
                "--classes", ",".join(tiny.classes), "--image-size", "16", str(image))  # fmt: skip
    assert pred.returncode == 0, pred.stderr
    rows = json.loads(pred.stdout)["predictions"]
    assert len(rows) == 3 and {"label", "confidence"} <= set(rows[0])


def test_bad_params_are_reported(tiny: Manifest, tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.json"
    manifest.write_text(tiny.to_json())
    out = _run("-m", "ml", "train", "--manifest", str(manifest), "--arch", "resnet20",
               "--params", '{"epochs": 0}', "--out", str(tmp_path / "run"))  # fmt: skip
    assert out.returncode == 2 and "epochs" in out.stderr
    missing = _run("-m", "ml", "train", "--manifest", str(manifest), "--arch", "resnet20",
                   "--out", str(tmp_path / "none"), "--resume")  # fmt: skip
    assert missing.returncode == 2 and "nothing to resume" in missing.stderr
