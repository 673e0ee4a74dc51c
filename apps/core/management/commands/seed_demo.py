"""Create the demo login and a demo project with real bundled images (idempotent)."""

import io
import os
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from PIL import Image as PILImage

from apps.images.services import image_upload
from apps.projects.models import Project, Role
from apps.projects.services import label_create, member_add, project_create

DEMO_PROJECT = "Demo: everyday photos"
# (skimage.data function, file name, image-level class)
SKIMAGE_IMAGES = [
    ("astronaut", "astronaut.jpg", "person"),
    ("chelsea", "chelsea.jpg", "cat"),
    ("coffee", "coffee.jpg", "object"),
    ("horse", "horse.png", "animal"),
    ("rocket", "rocket.jpg", "object"),
    ("camera", "camera.png", "person"),
    ("coins", "coins.png", "object"),
]


def _encode(array: Any, name: str) -> SimpleUploadedFile:
    image = PILImage.fromarray(array)
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    buf = io.BytesIO()
    fmt = "PNG" if name.endswith(".png") else "JPEG"
    image.save(buf, fmt, quality=92) if fmt == "JPEG" else image.save(buf, fmt)
    return SimpleUploadedFile(name, buf.getvalue())


def demo_images() -> list[tuple[SimpleUploadedFile, str]]:
    from skimage import data  # imported here: only the seed needs scikit-image
    from sklearn.datasets import load_sample_images

    out = [(_encode(getattr(data, fn)(), name), label) for fn, name, label in SKIMAGE_IMAGES]
    samples = load_sample_images()
    for array, path in zip(samples.images, samples.filenames, strict=True):
        out.append((_encode(array, os.path.basename(path)), "scene"))
    return out


class Command(BaseCommand):
    help = "Create the demo users and the demo project (safe to run again)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--password", default=os.environ.get("LABELFORGE_DEMO_PASSWORD", "labelforge")
        )

    def handle(self, *args: Any, password: str, **options: Any) -> None:
        User = get_user_model()
        admin, created = User.objects.get_or_create(
            username="admin", defaults={"is_staff": True, "is_superuser": True}
        )
        if created:
            admin.set_password(password)
            admin.save()
        annotator, created = User.objects.get_or_create(username="annotator")
        if created:
            annotator.set_password(password)
            annotator.save()
        if Project.objects.filter(name=DEMO_PROJECT).exists():
            self.stdout.write("Demo project already there.")
            return
        project = project_create(
            name=DEMO_PROJECT,
            description="Photos bundled with scikit-image and scikit-learn, tagged by class.",
            user=admin,
        )
        member_add(project=project, username="annotator", role=Role.ANNOTATOR)
        labels = {
            name: label_create(project=project, name=name)
            for name in ("person", "cat", "animal", "object", "scene")
        }
        for upload, label in demo_images():
            image_upload(project=project, user=admin, files=[upload], label=labels[label])
        self.stdout.write(
            self.style.SUCCESS(f"Demo project #{project.pk} with {project.images.count()} images.")
        )
