"""Stored files are only ever served as images: the Content-Type is the decoded format's
(never the file name's or the uploader's), with nosniff, a sandboxing CSP and a download
name with the right extension; bytes that are not that image are not served at all."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.annotations.services import upload_with_tags
from apps.images.models import Image
from apps.images.services import image_thumbnail_make
from tests.factories.images import image_bytes

pytestmark = pytest.mark.django_db
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.domain)</script></svg>'
HTML = b"<!doctype html><html><script>alert(document.domain)</script></html>"


def upload(world, name: str, data: bytes, content_type: str = "text/html") -> Image:
    """An upload whose name (and the client's Content-Type) lie about what it is."""
    files = [SimpleUploadedFile(name, data, content_type=content_type)]
    result = upload_with_tags(project=world.project, user=world.users["owner"], files=files)
    assert not result.errors, result.errors
    return Image.objects.get(pk=result.created[0])


def store_as(image: Image, name: str, data: bytes | None = None) -> None:
    """Put the image's file at a stored name of our choosing (the extension lies)."""
    content = data if data is not None else default_storage.open(image.file.name).read()
    image.file.name = default_storage.save(name, ContentFile(content))
    image.save(update_fields=["file"])


def assert_safe(response, content_type: str) -> None:
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = response["Content-Security-Policy"]
    assert "sandbox" in policy and "default-src 'none'" in policy, policy
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"


@pytest.mark.parametrize(
    ("fmt", "content_type", "extension"),
    [("PNG", "image/png", "png"), ("JPEG", "image/jpeg", "jpg"), ("WEBP", "image/webp", "webp")],
)
def test_the_type_comes_from_the_decoded_format_not_the_names(
    world, fmt, content_type, extension
) -> None:
    image = upload(world, "holiday.html", image_bytes(fmt=fmt))
    store_as(image, f"projects/{world.project.pk}/evil.svg")
    response = world.client("annotator").get(f"/api/v1/images/{image.pk}/file/")
    assert_safe(response, content_type)
    assert response["Content-Disposition"] == f'inline; filename="holiday.{extension}"'
    assert b"".join(response.streaming_content) == default_storage.open(image.file.name).read()


def test_the_thumbnail_is_served_as_jpeg(world) -> None:
    image = upload(world, "x/photo.svg", image_bytes(fmt="PNG"))
    assert image_thumbnail_make(image=image)
    image.refresh_from_db()
    response = world.client("annotator").get(f"/api/v1/images/{image.pk}/thumbnail/")
    assert_safe(response, "image/jpeg")
    assert response["Content-Disposition"] == 'inline; filename="photo.jpg"'


@pytest.mark.parametrize("content", [SVG, HTML, b""])
def test_stored_bytes_that_are_not_the_image_are_not_served(world, content) -> None:
    image = upload(world, "ok.png", image_bytes(fmt="PNG"))
    store_as(image, f"projects/{world.project.pk}/replaced.png", content)
    response = world.client("owner").get(f"/api/v1/images/{image.pk}/file/")
    assert response.status_code == 404 and response.json()["code"] == "not_an_image"
    assert b"<script>" not in response.content


def test_a_format_that_is_not_an_image_type_is_not_served(world) -> None:
    image = upload(world, "ok.png", image_bytes(fmt="PNG"))
    store_as(image, f"projects/{world.project.pk}/drawing.svg", SVG)
    Image.objects.filter(pk=image.pk).update(format="SVG")
    response = world.client("owner").get(f"/api/v1/images/{image.pk}/file/")
    assert response.status_code == 404 and response.json()["code"] == "not_an_image"
