import pytest
from django.core.management import call_command

from apps.images.models import Image
from apps.projects.models import Project

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_logins_and_a_tagged_project_once() -> None:
    call_command("seed_demo")
    project = Project.objects.get()
    images = Image.objects.filter(project=project)
    assert images.count() == 9
    assert all(i.width > 100 and i.height > 100 for i in images)
    assert all(i.annotations.filter(kind="tag").count() == 1 for i in images)
    assert {m.user.username: m.get_role_display() for m in project.memberships.select_related("user")} == {
        "admin": "owner", "annotator": "annotator",
    }  # fmt: skip
    call_command("seed_demo")
    assert Project.objects.count() == 1 and Image.objects.count() == 9
