from datetime import timedelta
from typing import Any

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand

from apps.backup.files import upload_orphans


class Command(BaseCommand):
    help = (
        "Delete uploaded image files that no image references (left by an upload whose web "
        "process died before it committed), older than --older-than seconds (default 3600)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--older-than", type=float, default=3600.0)
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args: Any, older_than: float, dry_run: bool, **options: Any) -> None:
        orphans = upload_orphans(older_than=timedelta(seconds=older_than))
        for name in orphans:
            if not dry_run:
                default_storage.delete(name)
        verb = "would delete" if dry_run else "deleted"
        self.stdout.write(f"{verb} {len(orphans)} orphaned upload file(s)")
