import pytest

from apps.projects.models import Membership, Project, Role

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


def test_patch_and_delete(world) -> None:
    url = f"/api/v1/projects/{world.project.pk}/"
    response = world.client("manager").patch(url, {"description": "new"}, format="json")
    assert response.status_code == 200 and response.json()["description"] == "new"
    assert world.client("manager").delete(url).status_code == 403
    assert world.client("owner").delete(url).status_code == 204
    assert not Project.objects.filter(pk=world.project.pk).exists()


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
