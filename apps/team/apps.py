from django.apps import AppConfig


class TeamConfig(AppConfig):
    name = "apps.team"
    verbose_name = "Team"
