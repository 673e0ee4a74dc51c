import pytest

from apps.projects.models import Membership, Role

pytestmark = pytest.mark.django_db


def url(world, member_id: int | None = None) -> str:
    base = f"/api/v1/projects/{world.project.pk}/members/"
    return f"{base}{member_id}/" if member_id else base


def test_owner_adds_changes_and_removes_members(world) -> None:
    client = world.client("owner")
    added = client.post(url(world), {"username": "outsider", "role": "manager"}, format="json")
    assert added.status_code == 201 and added.json()["role"] == "manager"
    member_id = added.json()["id"]
    changed = client.patch(url(world, member_id), {"role": "annotator"}, format="json")
    assert changed.status_code == 200 and changed.json()["role"] == "annotator"
    assert client.delete(url(world, member_id)).status_code == 204
    assert not Membership.objects.filter(pk=member_id).exists()


def test_unknown_user_and_duplicate_member(world) -> None:
    client = world.client("owner")
    unknown = client.post(url(world), {"username": "nobody"}, format="json")
    assert unknown.status_code == 400 and unknown.json()["code"] == "unknown_user"
    dup = client.post(url(world), {"username": "annotator"}, format="json")
    assert dup.status_code == 409


def test_bad_role_is_400(world) -> None:
    response = world.client("owner").post(
        url(world), {"username": "outsider", "role": "king"}, format="json"
    )
    assert response.status_code == 400 and response.json()["detail"].startswith("role:")


def test_last_owner_cannot_leave_or_be_demoted(world) -> None:
    owner = Membership.objects.get(project=world.project, role=Role.OWNER)
    client = world.client("owner")
    demote = client.patch(url(world, owner.pk), {"role": "manager"}, format="json")
    assert demote.status_code == 409 and demote.json()["code"] == "last_owner"
    assert client.delete(url(world, owner.pk)).status_code == 409
    manager = Membership.objects.get(project=world.project, role=Role.MANAGER)
    assert client.patch(url(world, manager.pk), {"role": "owner"}, format="json").status_code == 200
    assert client.delete(url(world, owner.pk)).status_code == 204
