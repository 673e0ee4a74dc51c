from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models


class Role(models.IntegerChoices):
    """Ordered: a higher role can do everything a lower one can."""

    ANNOTATOR = 1, "annotator"
    REVIEWER = 2, "reviewer"  # accepts or rejects annotators' work (stage review)
    MANAGER = 3, "manager"
    OWNER = 4, "owner"

    @classmethod
    def from_name(cls, name: str) -> "Role":
        for role in cls:
            if role.label == name:
                return role
        raise ValueError(name)


class Project(models.Model):
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.name


class Label(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="labels")
    name = models.CharField(max_length=100)
    color = models.CharField(
        max_length=7,
        default="#3b82f6",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "Colour must look like #1a2b3c.")],
    )
    hotkey = models.CharField(max_length=1, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="label_unique_name"),
            models.UniqueConstraint(
                fields=["project", "hotkey"],
                condition=~models.Q(hotkey=""),
                name="label_unique_hotkey",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.PositiveSmallIntegerField(choices=Role.choices, default=Role.ANNOTATOR)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="membership_unique_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.project_id}:{self.get_role_display()}"


class Notification(models.Model):
    """One line in a member's in-app inbox (a batch assigned, an image sent back, a batch
    due). `key` makes it once per event: the same (user, kind, key) is not notified twice."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=32)
    key = models.CharField(max_length=64)
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "key"], name="notification_once")
        ]
        indexes = [models.Index(fields=["user", "read_at", "-id"], name="notification_inbox")]

    def __str__(self) -> str:
        return self.text
