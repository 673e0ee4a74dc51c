import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage

from apps.annotations.models import Annotation, AnnotationEvent
from apps.images.models import Image, ImageStatus
from tests.factories.images import distinct_images, image_bytes, zip_bytes
from tests.helpers.processes import run_worker

pytestmark = pytest.mark.django_db


def upload(world, *files: tuple[str, bytes], who: str = "manager", **fields):
    payload = {"files": [SimpleUploadedFile(name, data) for name, data in files], **fields}
    return world.client(who).post(
        f"/api/v1/projects/{world.project.pk}/images/", payload, format="multipart"
    )


def stored_files() -> int:
    def count(path: str) -> int:
        dirs, files = default_storage.listdir(path) if default_storage.exists(path) else ([], [])
        return len(files) + sum(count(f"{path}/{d}") for d in dirs)

    return count("projects")


def test_many_files_in_all_formats(world) -> None:
    formats = {"a.jpg": "JPEG", "b.png": "PNG", "c.webp": "WEBP", "d.bmp": "BMP"}
    files = [
        (name, image_bytes(30 + i, 20, fmt=fmt, color=(i * 50, 10, 10)))
        for i, (name, fmt) in enumerate(formats.items())
    ]
    response = upload(world, *files)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert len(body["created"]) == 4 and body["errors"] == [] and body["duplicates"] == []
    images = Image.objects.filter(pk__in=body["created"]).order_by("id")
    assert [i.format for i in images] == list(formats.values())
    assert [i.width for i in images] == [30, 31, 32, 33]
    assert all(len(i.sha256) == 64 and i.status == ImageStatus.NEW for i in images)
    assert {i.filename for i in images} == set(formats)


def test_thumbnails_made_by_a_real_worker(world, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(world, ("big.jpg", image_bytes(1200, 600, fmt="JPEG")))
    image_id = response.json()["created"][0]
    client = world.client("annotator")
    assert client.get(f"/api/v1/images/{image_id}/").json()["thumbnail"] is None
    assert client.get(f"/api/v1/images/{image_id}/thumbnail/").status_code == 404
    assert run_worker("default") == 1
    detail = client.get(f"/api/v1/images/{image_id}/").json()
    assert detail["thumbnail"] == f"/api/v1/images/{image_id}/thumbnail/"
    thumb = client.get(detail["thumbnail"])
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    with PILImage.open(io.BytesIO(b"".join(thumb.streaming_content))) as im:
        assert im.size == (256, 128)
    original = client.get(detail["file"])
    assert original.status_code == 200 and original["Content-Type"] == "image/jpeg"


def test_exif_orientation_is_applied(world) -> None:
    # orientation 6 = rotate 90 CW on display: a 60x20 landscape photo is really 20x60
    response = upload(world, ("phone.jpg", image_bytes(60, 20, fmt="JPEG", exif_orientation=6)))
    image = Image.objects.get(pk=response.json()["created"][0])
    assert (image.width, image.height) == (20, 60)
    with default_storage.open(image.file.name) as fh, PILImage.open(fh) as stored:
        assert stored.size == (20, 60)
        assert stored.getexif().get(0x0112, 1) == 1


def test_duplicates_reported_not_stored(world) -> None:
    data = image_bytes(fmt="PNG")
    first = upload(world, ("one.png", data))
    assert first.status_code == 201
    second = upload(world, ("copy.png", data), ("again.png", data))
    assert second.status_code == 200
    dups = second.json()["duplicates"]
    assert [d["file"] for d in dups] == ["copy.png", "again.png"]
    assert dups[0]["existing"] == first.json()["created"][0]
    assert Image.objects.filter(project=world.project).count() == 1
    in_one = upload(
        world, ("x.png", image_bytes(color=(1, 2, 3))), ("y.png", image_bytes(color=(1, 2, 3)))
    )
    assert len(in_one.json()["created"]) == 1
    assert in_one.json()["duplicates"][0]["same_as"] == "x.png"


def test_same_image_in_another_project_is_fine(world) -> None:
    data = image_bytes()
    assert upload(world, ("a.png", data)).status_code == 201
    other = world.client("outsider").post(
        f"/api/v1/projects/{world.other_project.pk}/images/",
        {"files": [SimpleUploadedFile("a.png", data)]},
        format="multipart",
    )
    assert other.status_code == 201


def test_label_tags_every_image_without_touching_status(world) -> None:
    label = world.labels[1]
    response = upload(
        world, *[(f"{i}.png", d) for i, d in enumerate(distinct_images(3))], label=label.pk
    )
    ids = response.json()["created"]
    tags = Annotation.objects.filter(image_id__in=ids, kind="tag", label=label)
    assert tags.count() == 3
    assert AnnotationEvent.objects.filter(image_id__in=ids, action="created").count() == 3
    assert set(Image.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"new"}


def test_zip_of_loose_files_and_unicode_names(world) -> None:
    images = distinct_images(3)
    archive = zip_bytes({"Ölçüm.png": images[0], "猫/../猫.png": images[1], "小猫.png": images[2]})
    response = upload(world, ("photos.zip", archive))
    # the ../ entry is refused: the whole archive is rejected
    assert response.status_code == 400
    assert "escapes" in response.json()["errors"][0]["detail"]
    archive = zip_bytes(
        {
            "Ölçüm.png": images[0],
            "小猫.png": images[2],
            "__MACOSX/._x.png": b"junk",
            ".DS_Store": b"x",
        }
    )
    response = upload(world, ("photos.zip", archive))
    assert response.status_code == 201
    names = set(
        Image.objects.filter(pk__in=response.json()["created"]).values_list("filename", flat=True)
    )
    assert names == {"photos.zip/Ölçüm.png", "photos.zip/小猫.png"}
    assert response.json()["labels_created"] == []


def test_folder_per_class_zip_creates_labels_and_tags(world) -> None:
    imgs = distinct_images(5)
    archive = zip_bytes({
        "dataset/sparrow/1.png": imgs[0], "dataset/sparrow/2.png": imgs[1],
        "dataset/heron/3.jpg": image_bytes(fmt="JPEG", color=(9, 9, 9)),
        "dataset/owl/4.png": imgs[3], "dataset/owl/5.png": imgs[4],
    })  # fmt: skip
    response = upload(world, ("birds.zip", archive))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert sorted(body["labels_created"]) == ["heron", "owl"]  # sparrow already existed
    tags = Annotation.objects.filter(image_id__in=body["created"], kind="tag")
    by_label = {}
    for tag in tags.select_related("label"):
        by_label.setdefault(tag.label.name, 0)
        by_label[tag.label.name] += 1
    assert by_label == {"sparrow": 2, "heron": 1, "owl": 2}
    assert world.project.labels.get(name="sparrow").pk == world.labels[0].pk


def test_layout_flat_ignores_folders_and_folders_forces_classes(world) -> None:
    imgs = distinct_images(2)
    archive = zip_bytes({"cat/1.png": imgs[0], "dog/2.png": imgs[1]})
    flat = upload(world, ("a.zip", archive), layout="flat")
    assert flat.json()["labels_created"] == [] and len(flat.json()["created"]) == 2
    one_class = zip_bytes({"cat/1.png": image_bytes(color=(5, 5, 5))})
    auto = upload(world, ("b.zip", one_class))
    assert auto.json()["labels_created"] == []  # a single wrapping folder is not a class in auto
    forced = upload(
        world, ("c.zip", zip_bytes({"cat/1.png": image_bytes(color=(6, 6, 6))})), layout="folders"
    )
    assert forced.json()["labels_created"] == ["cat"]


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("notes.jpg", b"this is plain text, not a JPEG", "not_an_image"),
        ("empty.png", b"", "empty_file"),
        ("cut.png", image_bytes(200, 200, fmt="PNG")[:300], "corrupt_image"),
        (
            "anim.gif",
            b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x00\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;",
            "unsupported_format",
        ),
    ],
)
def test_bad_image_files_are_400_and_nothing_stored(world, name, data, code) -> None:
    response = upload(world, (name, data))
    assert response.status_code == 400
    body = response.json()
    assert body["errors"] == [{"file": name, "detail": body["errors"][0]["detail"], "code": code}]
    assert body["detail"].startswith(name)
    assert Image.objects.count() == 0 and stored_files() == 0


def test_decompression_bomb_is_refused(world) -> None:
    from tests.factories.images import decompression_bomb_png

    bomb = decompression_bomb_png(8000, 8000)  # 64 MP, over the test limit of 40 MP
    assert len(bomb) < 100_000
    response = upload(world, ("bomb.png", bomb))
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "too_many_pixels"
    assert Image.objects.count() == 0


def test_good_and_bad_files_together(world) -> None:
    response = upload(world, ("ok.png", image_bytes()), ("bad.jpg", b"nope"))
    assert response.status_code == 201
    body = response.json()
    assert len(body["created"]) == 1 and body["errors"][0]["file"] == "bad.jpg"


def test_nested_archive_rejects_whole_zip_and_removes_its_files(world) -> None:
    imgs = distinct_images(2)
    inner = zip_bytes({"x.png": imgs[0]})
    for entries in (
        {"a.png": imgs[1], "inner.zip": inner},
        {"a.png": imgs[1], "sneaky.png": inner},  # an archive by content, under an image name
    ):
        response = upload(world, ("outer.zip", zip_bytes(entries)))
        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == "nested_archive"
        assert Image.objects.count() == 0 and stored_files() == 0


def test_corrupt_zip_and_zip_bomb(world, settings) -> None:
    response = upload(world, ("broken.zip", b"PK\x03\x04 this is not really a zip"))
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "corrupt_archive"
    settings.LABELFORGE_MAX_ZIP_UNCOMPRESSED_BYTES = 1_000_000
    bomb = zip_bytes({"zeros.bmp": b"\0" * 2_000_000})
    assert len(bomb) < 10_000
    response = upload(world, ("bomb.zip", bomb))
    assert response.status_code == 413 and "zip bomb" in response.json()["detail"]


def test_oversize_request_and_file_are_413(world, settings) -> None:
    settings.LABELFORGE_MAX_FILE_BYTES = 1000
    response = upload(world, ("big.png", image_bytes(300, 300, fmt="BMP")))
    assert response.status_code == 413 and response.json()["code"] == "too_large"
    settings.LABELFORGE_MAX_UPLOAD_BYTES = 500
    response = upload(
        world, ("small.png", image_bytes(4, 4)), ("b.png", image_bytes(300, 300, fmt="BMP"))
    )
    assert response.status_code == 413
    assert "limit per request" in response.json()["detail"]
    assert Image.objects.count() == 0


def test_unknown_or_foreign_label_is_400_and_nothing_stored(world) -> None:
    for label in (999_999, world.other_label.pk):
        response = upload(world, ("a.png", image_bytes()), label=label)
        assert response.status_code == 400 and response.json()["code"] == "unknown_label"
    assert Image.objects.count() == 0 and stored_files() == 0


def test_no_files_is_400(world) -> None:
    response = world.client("manager").post(
        f"/api/v1/projects/{world.project.pk}/images/", {}, format="multipart"
    )
    assert response.status_code == 400 and response.json()["detail"].startswith("files:")


def test_oversize_browser_upload_is_refused_before_the_body_is_read(world, settings) -> None:
    from django.test import Client

    settings.LABELFORGE_MAX_UPLOAD_BYTES = 2000
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.users["manager"])
    response = browser.post(
        f"/api/v1/projects/{world.project.pk}/images/",
        {"files": [SimpleUploadedFile("big.bmp", image_bytes(100, 100, fmt="BMP"))]},
    )
    assert response.status_code == 413  # not 403 for the missing CSRF token: never parsed
    assert response.json()["code"] == "too_large"
