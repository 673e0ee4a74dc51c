"""Registry endpoints x every kind of user: anonymous 401, non-member 404, a member below
the needed role 403, the rest succeed. (Predict is covered in test_predict_api.py.)"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.models.serving.services import service_token_create
from tests.factories.models import make_version
from tests.helpers.roles import RANK, ROLES

ENDPOINTS = [
    ("get", "/api/v1/projects/{p}/model-versions/", "annotator"),
    ("post", "/api/v1/projects/{p}/model-versions/import/", "manager"),
    ("get", "/api/v1/projects/{p}/stage-transitions/", "annotator"),
    ("get", "/api/v1/model-versions/{v}/", "annotator"),
    ("post", "/api/v1/model-versions/{v}/promote/", "owner"),
    ("get", "/api/v1/model-versions/{v}/download/", "annotator"),
    ("get", "/api/v1/projects/{p}/service-tokens/", "owner"),
    ("post", "/api/v1/projects/{p}/service-tokens/", "owner"),
    ("delete", "/api/v1/service-tokens/{t}/", "owner"),
]


def body(path: str):
    if path.endswith("import/"):
        return {
            "architecture": "resnet20",
            "classes": "a",
            "weights": SimpleUploadedFile("w.pt", b"x"),
        }
    if path.endswith("promote/"):
        return {"stage": "archived", "reason": "old"}
    if path.endswith("service-tokens/"):
        return {"name": "shop"}
    return None


@pytest.mark.django_db
@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize(("method", "path", "min_role"), ENDPOINTS, ids=lambda x: str(x))
def test_registry_permissions(world, who, method, path, min_role) -> None:
    version = make_version(world.project, world.users["owner"], prepare=False)
    token, _ = service_token_create(project=world.project, user=world.users["owner"], name="t")
    url = path.format(p=world.project.pk, v=version.pk, t=token.pk)
    fmt = "multipart" if url.endswith("import/") else "json"
    response = getattr(world.client(who), method)(url, body(url), format=fmt)
    if who == "anonymous":
        assert response.status_code == 401
    elif who == "outsider":
        assert response.status_code == 404
    elif RANK[who] < RANK[min_role]:
        assert response.status_code == 403
    else:
        assert 200 <= response.status_code < 300, response.json()
    if response.status_code >= 400:
        assert response.json()["code"] in {"not_authenticated", "not_found", "permission_denied"}
