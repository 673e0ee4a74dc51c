"""The model version and compare pages follow the project page's rules: anonymous users go to
the login page, non-members get 404 (they learn nothing), a version of another project through
this project's URL is 404, members see the page."""

import pytest

from apps.models.models import ModelVersion
from tests.helpers.roles import ROLES

EXPECTED = {"anonymous": 302, "outsider": 404}


def version(project, number: int) -> ModelVersion:
    return ModelVersion.objects.create(
        project=project, version=number, source="imported", task="classify",
        architecture="resnet20", classes=["sparrow", "robin"], image_size=32,
        weights=f"models/x{number}/model.pt",
    )  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("who", ROLES)
def test_version_page_is_hidden_from_non_members(world, client, who) -> None:
    mine = version(world.project, 1)
    theirs = version(world.other_project, 1)
    if who != "anonymous":
        client.force_login(world.users[who])
    response = client.get(f"/projects/{world.project.pk}/models/{mine.pk}/")
    assert response.status_code == EXPECTED.get(who, 200)
    if who not in EXPECTED:
        assert b'data-page="model"' in response.content
        assert f'data-version-id="{mine.pk}"'.encode() in response.content
        assert client.get(f"/projects/{world.project.pk}/models/{theirs.pk}/").status_code == 404
        assert client.get(f"/projects/{world.project.pk}/models/999999/").status_code == 404
    if who == "outsider":
        # the outsider owns the other project, but cannot reach this one's version through it
        assert (
            client.get(f"/projects/{world.other_project.pk}/models/{mine.pk}/").status_code == 404
        )


@pytest.mark.django_db
@pytest.mark.parametrize("who", ROLES)
def test_compare_page_is_hidden_from_non_members(world, client, who) -> None:
    a, b = version(world.project, 1), version(world.project, 2)
    theirs = version(world.other_project, 1)
    if who != "anonymous":
        client.force_login(world.users[who])
    base = f"/projects/{world.project.pk}/models/compare/"
    response = client.get(f"{base}?a={a.pk}&b={b.pk}")
    assert response.status_code == EXPECTED.get(who, 200)
    if who not in EXPECTED:
        assert b'data-mode="compare"' in response.content
        assert b"v1 \xe2\x86\x94 v2" in response.content  # the title names both versions
        assert client.get(base).status_code == 200  # no ids: the page offers a picker
        assert client.get(f"{base}?a={a.pk}&b={theirs.pk}").status_code == 404
        for junk in ("abc", "-1", "\u00b2", "9" * 40):
            assert client.get(f"{base}?a={junk}&b={b.pk}").status_code == 404
