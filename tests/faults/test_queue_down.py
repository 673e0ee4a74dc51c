"""Starting a job while Redis does not answer: a 503 with Retry-After, and nothing stored
(the run row rolls back instead of waiting forever for a job that was never queued)."""

import pytest

from apps.models.models import TrainingRun
from tests.helpers.services import RedisServer


@pytest.mark.django_db
def test_a_run_started_while_the_queue_is_down_is_a_503_and_stores_nothing(
    world, tagged_images, settings, tmp_path
) -> None:
    redis = RedisServer(tmp_path / "redis").start()
    redis.stop()  # a port nothing answers on
    settings.RQ_QUEUES = {
        name: {**queue, "URL": redis.url} for name, queue in settings.RQ_QUEUES.items()
    }
    body = {"task": "classify", "architecture": "resnet20", "params": {"epochs": 1}}
    response = world.client("manager").post(
        f"/api/v1/projects/{world.project.pk}/training-runs/", body, format="json"
    )
    assert response.status_code == 503, response.json()
    assert response.json()["code"] == "unavailable" and response["Retry-After"] == "5"
    assert not TrainingRun.objects.exists()
