import pytest
from django.core.files.storage import default_storage

from apps.images.jobs import image_thumbnails_make

pytestmark = pytest.mark.django_db


def test_thumbnail_job_is_safe_to_run_twice_and_skips_missing_ids(make_images) -> None:
    images = make_images(2)
    assert image_thumbnails_make(image_ids=[i.pk for i in images] + [987654]) == 2
    for image in images:
        image.refresh_from_db()
        assert default_storage.exists(image.thumbnail.name)
    names = {i.thumbnail.name for i in images}
    assert image_thumbnails_make(image_ids=[i.pk for i in images]) == 0
    for image in images:
        image.refresh_from_db()
    assert {i.thumbnail.name for i in images} == names
