from collections.abc import Callable
from dataclasses import dataclass

import django_rq
import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.annotations.services import upload_with_tags
from apps.core.gencache import GenerationCache
from apps.images.models import Image
from apps.projects.models import Label, Membership, Project, Role
from apps.projects.services import label_create, project_create
from tests.factories.images import distinct_images
from tests.helpers.roles import ROLES
from tests.helpers.training import noisy_png

User = get_user_model()


@pytest.fixture(autouse=True)
def _clean_redis() -> None:
    django_rq.get_connection("default").flushdb()
    GenerationCache.clear_all()  # this process's cached roles, tokens, production versions


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@dataclass
class World:
    project: Project
    other_project: Project
    labels: list[Label]
    other_label: Label
    users: dict[str, object]

    def client(self, who: str) -> APIClient:
        client = APIClient()
        if who != "anonymous":
            token, _ = Token.objects.get_or_create(user=self.users[who])
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client


@pytest.fixture
def world(db) -> World:
    users = {
        name: User.objects.create_user(name, password="pw", is_staff=(name == "staff"))
        for name in ROLES[1:]
    }
    project = project_create(name="Birds", description="", user=users["owner"])
    for role in ("annotator", "reviewer", "manager"):
        Membership.objects.create(project=project, user=users[role], role=Role.from_name(role))
    labels = [label_create(project=project, name=n) for n in ("sparrow", "robin")]
    other = project_create(name="Other", user=users["outsider"])
    other_label = label_create(project=other, name="sparrow")
    return World(project, other, labels, other_label, users)


@pytest.fixture
def make_images(world: World) -> Callable[..., list[Image]]:
    made = 0

    def make(n: int = 3, project: Project | None = None) -> list[Image]:
        nonlocal made
        project = project or world.project
        images = distinct_images(made + n)[made:]
        made += n
        files = [SimpleUploadedFile(f"img{made + i}.png", data) for i, data in enumerate(images)]
        result = upload_with_tags(project=project, user=world.users["owner"], files=files)
        assert not result.errors, result.errors
        return list(Image.objects.filter(pk__in=result.created).order_by("id"))

    return make


@pytest.fixture
def tagged_images(world):
    """20 reddish images tagged sparrow, 20 bluish tagged robin; 30 train, 10 val."""
    created = []
    for label, color in ((world.labels[0], (200, 40, 40)), (world.labels[1], (40, 60, 200))):
        files = [SimpleUploadedFile(f"{label.name}{i}.png", noisy_png(color, i)) for i in range(20)]
        result = upload_with_tags(
            project=world.project, user=world.users["owner"], files=files, label=label
        )
        created += result.created
    images = list(Image.objects.filter(pk__in=created).order_by("id"))
    for i, image in enumerate(images):
        image.split = "val" if i % 4 == 0 else "train"
        image.save(update_fields=["split"])
    return images
