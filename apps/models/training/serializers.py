"""The one representation of a training run: API responses and websocket events."""

from typing import Any

from django.utils import timezone
from rest_framework import serializers

from apps.models.models import (
    FINAL_STATUSES,
    RunStatus,
    TrainingRun,
)


def eta_seconds(run: TrainingRun) -> float | None:
    """Seconds until the worker expects the last step to end; None until it has measured."""
    if run.status != RunStatus.RUNNING or run.expected_end_at is None:
        return None
    return max(0.0, (run.expected_end_at - timezone.now()).total_seconds())


class TrainingRunSerializer(serializers.ModelSerializer):
    latest = serializers.JSONField(source="latest_metrics")
    eta_seconds = serializers.SerializerMethodField()
    warnings = serializers.JSONField(
        source="snapshot.warnings", read_only=True,
        help_text="Why this run's figures may mean little ([{code, detail}], from the data check).",
    )  # fmt: skip
    epochs = serializers.SerializerMethodField()
    snapshot = serializers.SerializerMethodField()
    created_by = serializers.CharField(
        source="created_by.username", default=None, read_only=True, allow_null=True
    )
    finished = serializers.SerializerMethodField()
    model_version = serializers.SerializerMethodField()

    class Meta:
        model = TrainingRun
        fields = [
            "id", "project", "task", "architecture", "status", "finished", "progress", "step",
            "total_steps", "epoch", "epochs", "device", "worker", "worker_pin", "params", "best_metrics",
            "latest", "eta_seconds", "warnings", "error", "snapshot", "created_by", "created_at",
            "started_at", "finished_at", "heartbeat_at", "attempts", "init_from",
            "model_version",
        ]  # fmt: skip
        read_only_fields = fields

    def get_eta_seconds(self, run: TrainingRun) -> float | None:
        return eta_seconds(run)

    def get_epochs(self, run: TrainingRun) -> int:
        return int(run.params.get("epochs", 0))

    def get_finished(self, run: TrainingRun) -> bool:
        return run.status in FINAL_STATUSES

    def get_snapshot(self, run: TrainingRun) -> dict[str, Any]:
        s = run.snapshot
        return {
            "id": s.pk, "images": s.image_count, "classes": s.classes, "splits": s.splits,
            "left_out": s.left_out, "source": s.source, "scale_class": s.scale_class,
        }  # fmt: skip

    def get_model_version(self, run: TrainingRun) -> dict[str, Any] | None:
        version = getattr(run, "model_version", None)  # reverse one-to-one: absent -> None
        if version is None:
            return None
        return {"id": version.pk, "version": version.version, "status": version.status}


def run_payload(run: TrainingRun) -> dict[str, Any]:
    """A run as API responses and websocket events carry it."""
    return dict(TrainingRunSerializer(run).data)
