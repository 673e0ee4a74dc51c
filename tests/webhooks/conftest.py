from tests.models.conftest import tagged_images  # noqa: F401 - shared fixture
