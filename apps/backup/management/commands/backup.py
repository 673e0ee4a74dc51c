from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.backup.archive import BackupError, backup_write


class Command(BaseCommand):
    help = (
        "Write a consistent backup: the database and every stored file it references, in one "
        "tar archive (restore it with manage.py restore)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("out", type=Path, help="the archive to write (a new file)")

    def handle(self, *args: Any, out: Path, **options: Any) -> None:
        try:
            backup_write(out=out, log=self.stdout.write)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
