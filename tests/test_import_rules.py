"""scripts/check_imports.py, the import rule the test command enforces: it passes on this
repository and catches each kind of break in a small tree made here."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("check_imports", ROOT / "scripts/check_imports.py")
check_imports = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_imports)


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        for parent in path.relative_to(root).parents:
            if str(parent) != ".":
                (root / parent / "__init__.py").touch()
    return root


def test_this_repository_follows_the_rule() -> None:
    assert check_imports.check() == []


def test_a_clean_tree_passes(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "ml/train.py": "import torch\nfrom ml import data\n",
        "ml/data.py": "import numpy\n",
        "apps/core/exceptions.py": "",
        "apps/projects/models.py": "from django.db import models\n",
        "apps/projects/selectors.py": "from apps.core.exceptions import *\nfrom .models import *\n",
        "apps/projects/api/views.py": "from apps.projects import selectors\nfrom ml import train\n",
    })  # fmt: skip
    assert check_imports.check(root) == []


def test_each_break_is_reported(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "ml/train.py": "def f():\n    from django.conf import settings\n",
        "apps/core/exceptions.py": "from apps.projects import models\n",
        "apps/projects/models.py": "from apps.images.models import Image\n",
        "apps/projects/selectors.py": "from apps.projects.services import x\n",
        "apps/projects/services.py": "from . import helpers\n",
        "apps/projects/helpers.py": "from apps.projects import services\n",
        "apps/images/models.py": "",
        "apps/models/training/services.py": "from apps.models.registry import services\n",
        "apps/models/registry/services.py": "def f():\n    from apps.models.training import jobs\n",
        "apps/models/training/jobs.py": "",
        "apps/unknown/services.py": "from apps.core import exceptions\nimport project.settings\n",
        "project/settings.py": "",
    })  # fmt: skip
    report = "\n".join(check_imports.check(root))
    assert "ml/train.py:2: ml/ imports django.conf" in report
    assert "apps.core.exceptions (layer None) imports up: apps.projects.models" in report
    assert "apps.projects models import later models: apps.images.models" in report
    assert (
        "apps.projects.selectors (layer 2) imports up: apps.projects.services (layer 3)" in report
    )
    assert "import circle: apps.projects.helpers <-> apps.projects.services" in report
    assert ("circle between parts of apps.models: apps.models.registry <-> apps.models.training"
            in report)  # fmt: skip
    assert "apps.unknown is not in APP_ORDER" in report
    assert "an app imports project.settings" in report
