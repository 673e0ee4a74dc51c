"""Workers and pinning: a train worker records its device in its RQ entry and listens on its
host's pinned queue as well as `train`; GET /api/v1/workers/ lists it; a run pinned to that
host (params.worker) is queued where only that worker looks, an unknown pin is refused before
anything is stored, and resume lets any worker take the run."""

import socket

import django_rq
import pytest
from rq import Queue, SimpleWorker
from rq.timeouts import TimerDeathPenalty

from apps.core.worker import PreloadingWorker, gpu_index, pin_names
from apps.models.models import RunStatus, TrainingRun
from tests.helpers.training import FAST

pytestmark = pytest.mark.django_db(transaction=True)
HOST = socket.gethostname()


class InProcess(SimpleWorker, PreloadingWorker):
    """The app's worker class, running jobs in this process (it sees the test's database):
    SimpleWorker first, so its in-process execute_job wins over Worker's fork."""

    death_penalty_class = TimerDeathPenalty


@pytest.fixture
def train_worker():
    """The app's worker for `train`, registered in Redis as a started one is."""
    connection = django_rq.get_connection("train")
    worker = InProcess([django_rq.get_queue("train")], connection=connection)
    worker.register_birth()
    yield worker
    worker.register_death()


def _run(world, **params):
    return world.client("manager").post(
        f"/api/v1/projects/{world.project.pk}/training-runs/",
        {"task": "classify", "architecture": "resnet20", "params": {**FAST, "epochs": 1, **params}},
        format="json",
    )


def test_a_worker_records_its_device_and_listens_on_its_pins(world, train_worker) -> None:
    assert train_worker.queue_names() == ["train", f"train@{HOST}"]  # no GPU on this host
    response = world.client("manager").get("/api/v1/workers/")
    assert response.status_code == 200, response.json()
    [row] = [w for w in response.json()["results"] if w["name"] == train_worker.name]
    assert row["host"] == HOST and row["device"] == "cpu" and row["pins"] == [HOST]
    assert row["gpu_name"] == "" and row["gpu_memory_mb"] == 0 and row["gpu_count"] == 0
    assert row["state"]


def test_the_worker_rqworker_builds_takes_its_pinned_queues() -> None:
    """As `manage.py rqworker train infer` makes it (django-rq's queue class and settings)."""
    from django_rq.workers import get_worker

    worker = get_worker("train", "infer")
    assert isinstance(worker, PreloadingWorker)
    assert worker.queue_names() == ["train", "infer", f"train@{HOST}", f"infer@{HOST}"]
    assert {type(q) for q in worker.queues} == {type(django_rq.get_queue("train"))}


def test_a_gpu_index_pins_the_worker_to_its_gpu(monkeypatch) -> None:
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")  # recorded first: restored afterwards
    monkeypatch.setenv("LABELFORGE_GPU", "3")
    assert gpu_index() == "3"
    import os

    assert os.environ["CUDA_VISIBLE_DEVICES"] == "3"  # torch then sees only that GPU
    assert pin_names("gpu-box", "3") == ["gpu-box", "gpu-box/gpu3"]
    monkeypatch.delenv("LABELFORGE_GPU")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "1,2")
    assert gpu_index() is None  # several visible: not one GPU's worker


def test_a_pinned_run_waits_in_its_hosts_queue(world, tagged_images, train_worker) -> None:
    response = _run(world, worker=HOST)
    assert response.status_code == 202, response.json()
    run = TrainingRun.objects.get(pk=response.json()["id"])
    assert run.worker_pin == HOST and "worker" not in run.params
    pinned = Queue(f"train@{HOST}", connection=django_rq.get_connection("train"))
    assert pinned.count == 1 and django_rq.get_queue("train").count == 0
    # the worker for that host takes it (its own queue is one it listens on)
    train_worker.register_death()  # work() registers it again
    train_worker.work(burst=True)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error


def test_a_two_process_run_trains_through_the_worker(world, tagged_images, train_worker) -> None:
    """gpus: 2 on a CPU worker: two gloo processes, rank 0 in the worker reporting; the run
    has the steps a single-process run has, and its log says how the batch was split."""
    response = _run(world, worker=HOST, gpus=2)
    assert response.status_code == 202, response.json()
    train_worker.register_death()
    train_worker.work(burst=True)
    run = TrainingRun.objects.get(pk=response.json()["id"])
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.params["gpus"] == 2
    n_train = run.snapshot.splits["train"]
    assert run.total_steps == run.step == -(-n_train // FAST["batch_size"])  # one epoch
    log = world.client("manager").get(f"/api/v1/training-runs/{run.pk}/log/").json()["text"]
    assert "data parallel: 2 processes (gloo), each step's batch of 8 split 4 per process" in log
    steps = run.metrics.filter(name="train_loss").values_list("step", flat=True)
    assert sorted(steps) == list(range(1, run.total_steps + 1))  # rank 0 alone reported


def test_more_gpus_than_the_pinned_worker_sees_is_refused(
    world, tagged_images, train_worker
) -> None:
    connection = django_rq.get_connection("train")
    connection.hset(train_worker.key, mapping={"lf_device": "cuda", "lf_gpu_count": "1"})
    response = _run(world, worker=HOST, gpus=2)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_params" and "see at most 1" in body["detail"]
    assert not TrainingRun.objects.exists()


def test_an_unknown_pin_is_refused_and_stores_nothing(world, tagged_images, train_worker) -> None:
    response = _run(world, worker="elsewhere/gpu7")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "unknown_worker" and HOST in body["detail"]
    assert not TrainingRun.objects.exists()


def test_workers_are_for_managers_and_staff(world) -> None:
    assert world.client("annotator").get("/api/v1/workers/").status_code == 403
    assert world.client("anonymous").get("/api/v1/workers/").status_code == 401


def test_a_worker_forgotten_by_redis_registers_again_on_its_heartbeat(train_worker) -> None:
    connection = train_worker.connection
    connection.delete(train_worker.key)  # what a Redis restart without persistence leaves
    connection.srem("rq:workers", train_worker.key)
    from apps.models.runs.workers import workers_online

    assert train_worker.name not in [w["name"] for w in workers_online()]
    train_worker.heartbeat()
    [row] = [w for w in workers_online() if w["name"] == train_worker.name]
    assert row["device"] == "cpu" and row["pins"] == [HOST]
