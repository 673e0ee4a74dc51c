"""`manage.py ensure_bucket`: with LABELFORGE_STORAGE=s3, create the media bucket when it is
not there yet (a fresh MinIO or SeaweedFS has none; django-storages never creates one) and
check that a file can be written, read and deleted. Safe to run on every start."""

import io
import uuid

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError

from apps.core.storage import STORAGE_ERRORS


class Command(BaseCommand):
    help = "Create the S3 media bucket if missing, and check it can be written."

    def handle(self, *args: object, **options: object) -> None:
        if not settings.STORAGES["default"]["BACKEND"].startswith("storages.backends.s3"):
            self.stdout.write("Media on the filesystem: no bucket to create.")
            return
        client = default_storage.connection.meta.client
        bucket = default_storage.bucket_name
        try:
            client.head_bucket(Bucket=bucket)
            made = False
        except STORAGE_ERRORS as exc:
            if (
                "404" not in str(exc)
                and "NoSuchBucket" not in str(exc)
                and "Not Found" not in str(exc)
            ):
                raise CommandError(f"Cannot reach bucket {bucket!r}: {exc}") from exc
            client.create_bucket(Bucket=bucket)
            made = True
        probe = f".labelforge-probe-{uuid.uuid4().hex}"
        try:
            name = default_storage.save(probe, io.BytesIO(b"ok"))
            with default_storage.open(name, "rb") as fh:
                assert fh.read() == b"ok"
            default_storage.delete(name)
        except (*STORAGE_ERRORS, AssertionError) as exc:
            raise CommandError(f"Bucket {bucket!r} refused a write and read back: {exc}") from exc
        self.stdout.write(f"Bucket {bucket!r} {'created' if made else 'is there'}; writes work.")
