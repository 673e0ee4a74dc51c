from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from .transport import allowed_networks


def check_allowed_networks(**kwargs: Any) -> list[checks.CheckMessage]:
    """A malformed LABELFORGE_WEBHOOK_ALLOWED_NETWORKS fails `manage.py check` (and start-up
    checks), not the first delivery."""
    try:
        allowed_networks()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="webhooks.E001")]
    return []


class WebhooksConfig(AppConfig):
    name = "apps.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        checks.register(check_allowed_networks)
