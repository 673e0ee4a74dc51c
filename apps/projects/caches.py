"""Per-process cache of project roles (apps.core.gencache): a request's permission check
costs a Redis GET instead of a query. Every membership write bumps its project's scope,
through model signals so that the admin and any ORM write are covered too."""

from typing import Any

from django.db.models.signals import post_delete, post_save

from apps.core.gencache import GenerationCache

from .models import Membership

role_cache = GenerationCache("roles")


def _membership_changed(sender: type, instance: Membership, **kwargs: Any) -> None:
    role_cache.bump_on_commit(instance.project_id)


def connect() -> None:
    for signal in (post_save, post_delete):
        signal.connect(_membership_changed, sender=Membership, dispatch_uid=f"roles-{signal}")
