import pytest

from apps.models.models import ServiceToken


@pytest.mark.django_db
def test_create_shows_the_key_once_then_list_and_revoke(world) -> None:
    client = world.client("owner")
    url = f"/api/v1/projects/{world.project.pk}/service-tokens/"
    created = client.post(url, {"name": "webshop"}, format="json")
    assert created.status_code == 201
    key = created.json()["key"]
    assert key.startswith("lfs_") and len(key) > 40 and created.json()["prefix"] == key[:8]
    listed = client.get(url).json()["results"]
    assert [t["name"] for t in listed] == ["webshop"] and "key" not in listed[0]
    assert ServiceToken.objects.get().key_hash != key
    revoked = client.delete(f"/api/v1/service-tokens/{listed[0]['id']}/")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    again = client.delete(f"/api/v1/service-tokens/{listed[0]['id']}/")
    assert again.status_code == 409
    assert client.post(url, {"name": ""}, format="json").status_code == 400
