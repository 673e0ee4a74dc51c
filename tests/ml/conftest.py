"""ml/ tests need no database, Redis or Django: plain torch on the CPU. The project-wide
autouse fixtures (Redis flush, MEDIA_ROOT) are replaced by no-ops for this folder."""

import pytest

from ml.manifest import Manifest
from ml.synthetic import digits_manifest


@pytest.fixture(autouse=True)
def _clean_redis() -> None:
    """Overrides tests/conftest.py: nothing here touches Redis."""


@pytest.fixture(autouse=True)
def _media_root() -> None:
    """Overrides tests/conftest.py: nothing here touches Django settings."""


@pytest.fixture(scope="session")
def digits(tmp_path_factory: pytest.TempPathFactory) -> Manifest:
    """sklearn's 1,797 real digits as 32x32 PNG files, split 70/15/15 (seeded, stratified)."""
    return digits_manifest(tmp_path_factory.mktemp("digits"), size=32, seed=0)


@pytest.fixture
def tiny(digits: Manifest) -> Manifest:
    """96 training and 32 val digits: for tests of the loop itself, not of accuracy."""
    train = [s for s in digits.samples if s.split == "train"][:96]
    val = [s for s in digits.samples if s.split == "val"][:32]
    return Manifest("classify", digits.classes, train + val, root=digits.root)
