"""The one representation of a training run: API responses and websocket events."""

from typing import Any

from rest_framework import serializers

from .models import FINAL_STATUSES, RunStatus, TrainingRun


def eta_seconds(run: TrainingRun) -> float | None:
    throughput = run.latest_metrics.get("throughput") or 0
    if run.status != RunStatus.RUNNING or throughput <= 0 or not run.total_steps:
        return None
    batch = run.params.get("batch_size", 1)
    return max(0.0, (run.total_steps - run.step) * batch / throughput)


class TrainingRunSerializer(serializers.ModelSerializer):
    latest = serializers.JSONField(source="latest_metrics")
    eta_seconds = serializers.SerializerMethodField()
    epochs = serializers.SerializerMethodField()
    snapshot = serializers.SerializerMethodField()
    created_by = serializers.CharField(source="created_by.username", default=None)
    finished = serializers.SerializerMethodField()

    class Meta:
        model = TrainingRun
        fields = [
            "id", "project", "task", "architecture", "status", "finished", "progress", "step",
            "total_steps", "epoch", "epochs", "device", "worker", "params", "best_metrics",
            "latest", "eta_seconds", "error", "snapshot", "created_by", "created_at",
            "started_at", "finished_at", "heartbeat_at", "resumed_from", "attempts",
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
        return {"id": s.pk, "images": s.image_count, "classes": s.classes, "splits": s.splits}
