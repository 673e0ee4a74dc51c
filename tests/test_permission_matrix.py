"""Every endpoint x every kind of user: anonymous 401, non-member 404 (sees nothing),
a member below the needed role 403, the rest succeed."""

import io
import zipfile
from dataclasses import dataclass

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.annotations.models import AnnotationEvent, Attempt
from apps.annotations.services import annotation_create
from apps.core.storage import storage_replace
from apps.datasets.models import DatasetExport, DatasetImport, DatasetOperation
from apps.images.models import Batch, Image, Issue
from apps.images.services import image_thumbnail_make
from apps.models.models import EmbeddingRun, ImageEmbedding
from apps.projects.models import Membership
from tests.factories.images import image_bytes
from tests.factories.models import make_version
from tests.helpers.roles import RANK, ROLES


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    min_role: str
    body: str | None = None  # key into BODIES


ENDPOINTS = [
    Endpoint("get", "/api/v1/projects/{p}/", "annotator"),
    Endpoint("patch", "/api/v1/projects/{p}/", "manager", "project"),
    Endpoint("delete", "/api/v1/projects/{p}/", "owner"),
    Endpoint("get", "/api/v1/projects/{p}/labels/", "annotator"),
    Endpoint("post", "/api/v1/projects/{p}/labels/", "manager", "label"),
    Endpoint("patch", "/api/v1/projects/{p}/labels/{l}/", "manager", "label"),
    Endpoint("delete", "/api/v1/projects/{p}/labels/{l}/", "manager"),
    Endpoint("get", "/api/v1/projects/{p}/members/", "annotator"),
    Endpoint("post", "/api/v1/projects/{p}/members/", "owner", "member"),
    Endpoint("patch", "/api/v1/projects/{p}/members/{m}/", "owner", "role"),
    Endpoint("delete", "/api/v1/projects/{p}/members/{m}/", "owner"),
    Endpoint("get", "/api/v1/projects/{p}/images/", "annotator"),
    Endpoint("post", "/api/v1/projects/{p}/images/", "manager", "upload"),
    Endpoint("get", "/api/v1/projects/{p}/split/", "annotator"),
    Endpoint("get", "/api/v1/projects/{p}/videos/", "annotator"),
    Endpoint("post", "/api/v1/projects/{p}/split/", "manager", "split"),
    Endpoint("get", "/api/v1/images/{i}/", "annotator"),
    Endpoint("patch", "/api/v1/images/{i}/", "annotator", "status"),
    Endpoint("get", "/api/v1/images/{i}/neighbors/", "annotator"),
    Endpoint("get", "/api/v1/images/{i}/file/", "annotator"),
    Endpoint("get", "/api/v1/images/{i}/thumbnail/", "annotator"),
    Endpoint("get", "/api/v1/images/{i}/annotations/", "annotator"),
    Endpoint("post", "/api/v1/images/{i}/annotations/", "annotator", "annotation"),
    Endpoint("get", "/api/v1/images/{i}/history/", "annotator"),
    Endpoint("get", "/api/v1/annotations/{a}/", "annotator"),
    Endpoint("patch", "/api/v1/annotations/{a}/", "annotator", "version"),
    Endpoint("delete", "/api/v1/annotations/{a}/", "annotator", "version"),
    Endpoint("post", "/api/v1/history/{e}/revert/", "annotator"),
    Endpoint("post", "/api/v1/images/{i}/review/", "annotator", "review"),
    Endpoint("post", "/api/v1/images/{i}/crop/", "manager", "crop"),
    Endpoint("get", "/api/v1/projects/{p}/auto-annotation-runs/", "annotator"),
    Endpoint("get", "/api/v1/projects/{p}/training-runs/check/?task=classify", "annotator"),
    Endpoint("get", "/api/v1/projects/{p}/imports/", "manager"),
    Endpoint("post", "/api/v1/projects/{p}/imports/", "manager", "import"),
    Endpoint("get", "/api/v1/imports/{imp}/", "manager"),
    Endpoint("post", "/api/v1/imports/{imp}/cancel/", "manager"),
    Endpoint("get", "/api/v1/projects/{p}/exports/", "manager"),
    Endpoint("post", "/api/v1/projects/{p}/exports/", "manager", "export"),
    Endpoint("get", "/api/v1/exports/{exp}/", "manager"),
    Endpoint("post", "/api/v1/exports/{exp}/cancel/", "manager"),
    Endpoint("get", "/api/v1/exports/{exp}/download/", "manager"),
    Endpoint("get", "/api/v1/projects/{p}/dataset/stats/", "annotator"),
    Endpoint("get", "/api/v1/projects/{p}/dataset/clusters/", "annotator"),
    Endpoint("get", "/api/v1/projects/{p}/dataset/anchors/", "annotator"),
    Endpoint("post", "/api/v1/projects/{p}/dataset/remove-small-boxes/", "manager", "small"),
    Endpoint("post", "/api/v1/projects/{p}/dataset/remove-duplicates/", "manager", "dry_run"),
    Endpoint("post", "/api/v1/projects/{p}/dataset/fix-outside/", "manager", "dry_run"),
    Endpoint("post", "/api/v1/projects/{p}/dataset/normalize-aspect/", "manager", "aspect"),
    Endpoint("post", "/api/v1/projects/{p}/dataset/scale-classes/", "manager", "dry_run"),
    Endpoint("post", "/api/v1/projects/{p}/dataset/remove-small-shapes/", "manager", "specks"),
    Endpoint("get", "/api/v1/projects/{p}/dataset/operations/", "annotator"),
    Endpoint("post", "/api/v1/dataset-operations/{op}/undo/", "manager"),
    Endpoint("get", "/api/v1/projects/{p}/embeddings/", "annotator"),
    Endpoint("post", "/api/v1/projects/{p}/embeddings/", "manager", "embed"),
    Endpoint("get", "/api/v1/embedding-runs/{emb}/", "annotator"),
    Endpoint("post", "/api/v1/embedding-runs/{emb}/cancel/", "manager"),
    Endpoint("get", "/api/v1/projects/{p}/embedding-spaces/", "annotator"),
    Endpoint("get", "/api/v1/projects/{p}/duplicates/", "annotator"),
    Endpoint("post", "/api/v1/projects/{p}/curation/", "manager", "curate"),
    Endpoint("post", "/api/v1/projects/{p}/curation/diverse/", "manager", "diverse"),
    Endpoint("get", "/api/v1/projects/{p}/embedding-map/", "annotator"),
    Endpoint("get", "/api/v1/images/{i}/opinion/", "annotator"),
    Endpoint("get", "/api/v1/projects/{p}/batches/", "annotator"),
    Endpoint("post", "/api/v1/projects/{p}/batches/", "manager", "batch"),
    Endpoint("post", "/api/v1/projects/{p}/batches/split/", "manager", "batch_split"),
    Endpoint("get", "/api/v1/batches/{b}/", "annotator"),  # the annotator's own batch
    Endpoint("patch", "/api/v1/batches/{b}/", "manager", "label"),
    Endpoint("delete", "/api/v1/batches/{b}/", "manager"),
    Endpoint("post", "/api/v1/images/{r}/decision/", "reviewer", "decision"),  # waits for review
    Endpoint("get", "/api/v1/images/{i}/issues/", "annotator"),
    Endpoint("get", "/api/v1/images/{i}/events/", "annotator"),
    Endpoint("patch", "/api/v1/issues/{iss}/", "annotator", "resolve"),
    Endpoint("get", "/api/v1/projects/{p}/team-stats/", "manager"),
    Endpoint("get", "/api/v1/projects/{p}/team-stats/daily/", "manager"),
    Endpoint("get", "/api/v1/projects/{p}/team-stats/csv/", "manager"),
    Endpoint("post", "/api/v1/projects/{p}/activity/", "annotator", "activity"),
    Endpoint("post", "/api/v1/images/{i}/segment/", "annotator", "segment"),
    Endpoint("get", "/api/v1/projects/{p}/gold/", "manager"),
    Endpoint("get", "/api/v1/projects/{p}/consensus/", "reviewer"),
    Endpoint("post", "/api/v1/projects/{p}/consensus/", "manager", "consensus"),
    Endpoint("get", "/api/v1/images/{c}/consensus/", "reviewer"),
    Endpoint("post", "/api/v1/images/{c}/consensus/merge/", "reviewer", "quorum"),
]
MULTIPART = {"upload", "import"}


def _zip(files: dict[str, bytes | str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def body_for(key: str | None, world, image=None):
    bodies = {
        "project": {"description": "changed"},
        "label": {"name": "finch"},
        "member": {"username": "newbie", "role": "annotator"},
        "role": {"role": "manager"},
        "split": {"train": 1, "val": 0, "test": 0},
        "status": {"status": "done"},
        "annotation": {
            "kind": "box",
            "label": world.labels[0].pk,
            "box": {"x": 1, "y": 1, "w": 3, "h": 3},
        },
        "version": {"version": 1},
        "review": {"action": "accept"},
        "upload": {"files": [SimpleUploadedFile("new.png", image_bytes(color=(7, 7, 7)))]},
        "import": {"file": SimpleUploadedFile("set.zip", _zip({"cats/a.png": image_bytes()}))},
        "export": {"format": "coco"},
        "small": {"min_width": 2, "min_height": 2},
        "specks": {"min_area": 2, "dry_run": True},
        "crop": {"x": 0, "y": 0, "w": 20, "h": 20},
        "dry_run": {"dry_run": True},
        "aspect": {"label": world.labels[0].pk, "ratio": 0.5, "dry_run": True},
        "embed": {"model_version": None},
        "curate": {"action": "gold", "image_ids": [image.pk if image else 1]},
        "diverse": {"n": 1, "split": "val"},
        "batch": {"image_ids": [image.pk if image else 1], "assignee": "annotator"},
        "batch_split": {"assignees": ["annotator"]},
        "decision": {"decision": "accept"},
        "resolve": {"resolved": True},
        "activity": {"seconds": 5},
        "consensus": {
            "image_ids": [image.pk if image else 1],
            "annotators": ["annotator", "owner"],
        },
        "quorum": {},
        "segment": {"box": {"x": 2, "y": 2, "w": 20, "h": 20}},
    }
    return bodies.get(key) if key else None


def expected_status(who: str, endpoint: Endpoint) -> int | None:
    if who == "anonymous":
        return 401
    if who == "outsider":
        return 404
    if RANK[who] < RANK[endpoint.min_role]:
        return 403
    return None  # success (2xx)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e.method} {e.path}")
def test_permission_matrix(world, make_images, who: str, endpoint: Endpoint) -> None:
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user("newbie")
    image = make_images(1)[0]
    image_thumbnail_make(image=image)
    annotation = annotation_create(
        image=image, user=world.users["owner"], kind="tag", label_id=world.labels[0].pk
    )
    event = AnnotationEvent.objects.get(annotation_id=annotation.pk)
    imported = DatasetImport.objects.create(project=world.project, filename="set.zip")
    exported = DatasetExport.objects.create(project=world.project, format="coco")
    exported.file = storage_replace(f"projects/{world.project.pk}/exports/{exported.pk}.zip",
                                    io.BytesIO(_zip({"a.txt": "x"})))  # fmt: skip
    exported.save()
    operation = DatasetOperation.objects.create(project=world.project, kind="remove_small_boxes")
    embedding_run = EmbeddingRun.objects.create(project=world.project)
    batch = Batch.objects.create(project=world.project, name="b", assignee=world.users["annotator"])
    in_review = make_images(1)[0]
    Image.objects.filter(pk=in_review.pk).update(status="done")
    issue = Issue.objects.create(project=world.project, image=image, x=1, y=1, comment="here")
    blind = make_images(1)[0]  # out for consensus, labelled by two who have submitted
    Attempt.objects.bulk_create(
        Attempt(
            image=blind, user=world.users[name], purpose="consensus", submitted_at=timezone.now()
        )
        for name in ("annotator", "owner")
    )
    ImageEmbedding.objects.create(image=image, space="dhash", dim=64,
                                  vector=np.zeros(64, dtype=np.float32).tobytes())  # fmt: skip
    if "opinion" in endpoint.path:  # a version's predictions for the image
        version = make_version(world.project, world.users["owner"], prepare=False)
        ImageEmbedding.objects.create(image=image, model_version=version, dim=1,
                                      space=f"version:{version.pk}", vector=b"\0\0\0\0",
                                      predictions=[{"label": "sparrow", "confidence": 1.0}])  # fmt: skip
    membership = Membership.objects.get(project=world.project, user=world.users["annotator"])
    path = endpoint.path.format(
        p=world.project.pk,
        l=world.labels[1].pk,
        m=membership.pk,
        i=image.pk,
        a=annotation.pk,
        e=event.pk,
        imp=imported.pk,
        exp=exported.pk,
        op=operation.pk,
        emb=embedding_run.pk,
        b=batch.pk,
        r=in_review.pk,
        iss=issue.pk,
        c=blind.pk,
    )
    client = world.client(who)
    body = body_for(endpoint.body, world, image)
    fmt = "multipart" if endpoint.body in MULTIPART else "json"
    response = getattr(client, endpoint.method)(path, body, format=fmt)
    expected = expected_status(who, endpoint)
    if expected is None:
        assert 200 <= response.status_code < 300, (
            response.status_code,
            getattr(response, "data", None),
        )
    else:
        assert response.status_code == expected
        assert response.json()["code"] in {"not_authenticated", "not_found", "permission_denied"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "status"), [("anonymous", 401), ("outsider", 201), ("annotator", 201)]
)
def test_any_logged_in_user_may_create_and_list_projects(world, who, status) -> None:
    client = world.client(who)
    assert client.post("/api/v1/projects/", {"name": "mine"}, format="json").status_code == status
    assert client.get("/api/v1/projects/").status_code == (401 if who == "anonymous" else 200)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ROLES)
def test_project_page_is_hidden_from_non_members(world, client, who) -> None:
    if who != "anonymous":
        client.force_login(world.users[who])
    response = client.get(f"/projects/{world.project.pk}/")
    assert response.status_code == {"anonymous": 302, "outsider": 404}.get(who, 200)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ROLES)
def test_labeller_page_is_hidden_from_non_members(world, make_images, client, who) -> None:
    image = make_images(1)[0]
    theirs = make_images(1, project=world.other_project)[0]
    if who != "anonymous":
        client.force_login(world.users[who])
    response = client.get(f"/projects/{world.project.pk}/label/{image.pk}/")
    assert response.status_code == {"anonymous": 302, "outsider": 404}.get(who, 200)
    if who not in ("anonymous", "outsider"):
        # an image of another project through this project's URL
        assert client.get(f"/projects/{world.project.pk}/label/{theirs.pk}/").status_code == 404


# Site-wide endpoints (no project in the path): who may read them, by what they are anywhere.
SITE_ENDPOINTS = {
    # the workers online: staff, and anyone who manages a project (the outsider owns "Other")
    "/api/v1/workers/": {
        "anonymous": 401,
        "newbie": 403,
        "annotator": 403,
        "reviewer": 403,
        "outsider": 200,
        "manager": 200,
        "owner": 200,
        "staff": 200,
    },
    # batches: everyone signed in gets a list, of what they may see (tests/images/test_batches.py)
    "/api/v1/batches/": {
        "anonymous": 401,
        "newbie": 200,
        "annotator": 200,
        "reviewer": 200,
        "outsider": 200,
        "manager": 200,
        "owner": 200,
        "staff": 200,
    },
    # the inbox: one's own, anywhere
    "/api/v1/notifications/": {
        "anonymous": 401,
        "newbie": 200,
        "annotator": 200,
        "reviewer": 200,
        "outsider": 200,
        "manager": 200,
        "owner": 200,
        "staff": 200,
    },
}


@pytest.mark.django_db
@pytest.mark.parametrize("path", SITE_ENDPOINTS)
def test_site_wide_permission_matrix(world, path: str) -> None:
    from django.contrib.auth import get_user_model

    world.users["newbie"] = get_user_model().objects.create_user("newbie")  # a member of nothing
    for who, status in SITE_ENDPOINTS[path].items():
        response = world.client(who).get(path)
        assert response.status_code == status, (who, response.status_code, response.content)
        if status >= 400:
            assert response.json()["code"] in {"not_authenticated", "permission_denied"}
