from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.backup.archive import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup (manage.py backup) into an empty database and empty storage, then "
        "migrate. Everything is checked before anything is written."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("archive", type=Path)

    def handle(self, *args: Any, archive: Path, **options: Any) -> None:
        try:
            backup_restore(archive=archive, log=self.stdout.write)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
