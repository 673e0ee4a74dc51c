from django.conf import settings
from django.db import models

from apps.core.crypto import decrypt, encrypt
from apps.projects.models import Project

EVENTS = ("run.succeeded", "run.failed", "model.promoted", "autoannotate.finished", "image.done",
          "batch.assigned", "image.accepted", "image.rejected", "batch.due")  # fmt: skip


class Webhook(models.Model):
    """A project's subscription: matching events are POSTed as JSON to `url`, signed with
    HMAC-SHA256 over the body using `secret`, which is stored encrypted (apps.core.crypto):
    read and set it through the `secret` property."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=500)
    events = models.JSONField(default=list)
    secret_encrypted = models.TextField(help_text="The signing secret, Fernet-encrypted.")
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"webhook {self.pk} -> {self.url}"

    @property
    def secret(self) -> str:
        return decrypt(self.secret_encrypted)

    @secret.setter
    def secret(self, value: str) -> None:
        self.secret_encrypted = encrypt(value)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending"
    RETRYING = "retrying"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Delivery(models.Model):
    """One event for one webhook, and how sending it went (the delivery log)."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40)
    payload = models.JSONField()
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    duration_ms = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["webhook", "-id"], name="delivery_webhook_recent")]

    def __str__(self) -> str:
        return f"{self.event} -> webhook {self.webhook_id}: {self.status}"
