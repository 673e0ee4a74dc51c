import pytest

from apps.annotations.models import Annotation
from apps.annotations.services import annotation_create
from apps.images.models import Image
from apps.projects.models import Label, Membership, Project, Role

pytestmark = pytest.mark.django_db


def test_create_project_makes_creator_owner(world) -> None:
    response = world.client("annotator").post(
        "/api/v1/projects/", {"name": "Cats", "description": "whiskers"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Cats" and body["role"] == "owner"
    membership = Membership.objects.get(project_id=body["id"], user=world.users["annotator"])
    assert membership.role == Role.OWNER


def test_list_shows_only_member_projects_but_staff_sees_all(world) -> None:
    names = {
        p["name"] for p in world.client("annotator").get("/api/v1/projects/").json()["results"]
    }
    assert names == {"Birds"}
    staff = {p["name"] for p in world.client("staff").get("/api/v1/projects/").json()["results"]}
    assert staff == {"Birds", "Other"}


def test_patch_and_delete(world, make_images) -> None:
    """Deleting a project takes its images and their annotations with it, labels in use
    included (a label alone cannot be deleted while in use)."""
    image = make_images(1)[0]
    tag = annotation_create(image=image, user=world.users["owner"], kind="tag",
                            label_id=world.labels[0].pk)  # fmt: skip
    url = f"/api/v1/projects/{world.project.pk}/"
    response = world.client("manager").patch(url, {"description": "new"}, format="json")
    assert response.status_code == 200 and response.json()["description"] == "new"
    assert world.client("manager").delete(url).status_code == 403
    assert world.client("owner").delete(url).status_code == 204
    assert not Project.objects.filter(pk=world.project.pk).exists()
    assert not Annotation.objects.filter(pk=tag.pk).exists()
    assert not Label.objects.filter(pk=world.labels[0].pk).exists()
    assert not Image.objects.filter(pk=image.pk).exists()


def test_create_requires_name(world) -> None:
    response = world.client("owner").post("/api/v1/projects/", {"description": "x"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "required" and body["detail"].startswith("name:")


def test_malformed_json_is_400_not_500(world) -> None:
    response = world.client("owner").post(
        "/api/v1/projects/", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["code"] == "parse_error"


def test_deleting_a_project_removes_its_images_annotations_and_files(
    world, make_images, django_capture_on_commit_callbacks
) -> None:
    from django.core.files.storage import default_storage

    from apps.annotations.models import Annotation
    from apps.annotations.services import annotation_create
    from apps.images.models import Image

    image = make_images(1)[0]
    annotation_create(image=image, user=None, kind="tag", label_id=world.labels[0].pk)
    assert default_storage.exists(image.file.name)
    with django_capture_on_commit_callbacks(execute=True):
        response = world.client("owner").delete(f"/api/v1/projects/{world.project.pk}/")
    assert response.status_code == 204
    assert not Image.objects.filter(pk=image.pk).exists()
    assert not Annotation.objects.filter(image_id=image.pk).exists()
    assert not default_storage.exists(image.file.name)
