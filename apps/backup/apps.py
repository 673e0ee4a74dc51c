from django.apps import AppConfig


class BackupConfig(AppConfig):
    """manage.py backup / restore: the database and every stored file it references, in one
    archive. It sits above every other app: it reads them all, nothing uses it."""

    name = "apps.backup"
    label = "backup"
