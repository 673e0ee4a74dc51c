"""Stage changes: owners only, audit rows, one production version per project and task even
when promotions race, rollback, websocket events."""

import threading

import pytest
from django.db import close_old_connections

from apps.core.exceptions import Conflict
from apps.models.models import ModelVersion, Stage, StageTransition
from apps.models.registry.services import model_version_promote
from tests.factories.models import make_version


def promote(world, who, version, stage="production", reason="looks good"):
    return world.client(who).post(
        f"/api/v1/model-versions/{version.pk}/promote/",
        {"stage": stage, "reason": reason},
        format="json",
    )


@pytest.mark.django_db
def test_promote_archive_and_audit_trail(world) -> None:
    v1 = make_version(world.project, world.users["owner"])
    v2 = make_version(world.project, world.users["owner"], seed=1)
    assert (v1.version, v2.version) == (1, 2)
    assert promote(world, "owner", v1, "staging", "try it").json()["stage"] == "staging"
    assert promote(world, "owner", v1).json()["stage"] == "production"
    response = promote(world, "staff", v2, reason="higher accuracy")
    assert response.status_code == 200 and response.json()["stage"] == "production"
    v1.refresh_from_db()
    assert (
        v1.stage == Stage.ARCHIVED
    )  # the old production version steps down in the same transaction

    trail = (
        world.client("annotator")
        .get(f"/api/v1/projects/{world.project.pk}/stage-transitions/")
        .json()["results"]
    )
    assert [(t["version"], t["from_stage"], t["to_stage"]) for t in trail] == [
        (2, "none", "production"),
        (1, "production", "archived"),
        (1, "staging", "production"),
        (1, "none", "staging"),
    ]
    assert trail[0]["user"] == "staff" and trail[0]["reason"] == "higher accuracy"
    assert trail[1]["reason"] == "Replaced by v2: higher accuracy"
    assert trail[3]["user"] == "owner" and trail[3]["created_at"]

    only_v2 = (
        world.client("annotator")
        .get(f"/api/v1/projects/{world.project.pk}/stage-transitions/?model_version={v2.pk}")
        .json()["results"]
    )
    assert [t["version"] for t in only_v2] == [2]

    rollback = promote(world, "owner", v1, reason="v2 misbehaves")
    assert rollback.status_code == 200
    stages = dict(ModelVersion.objects.values_list("version", "stage"))
    assert stages == {1: "production", 2: "archived"}


@pytest.mark.django_db
def test_promotion_rules(world) -> None:
    v1 = make_version(world.project, world.users["owner"])
    pending = make_version(world.project, world.users["owner"], prepare=False)
    assert promote(world, "owner", v1, reason="").json()["code"] == "blank"
    assert promote(world, "owner", v1, stage="bogus").status_code == 400
    response = promote(world, "owner", pending)
    assert response.status_code == 409 and response.json()["code"] == "model_not_ready"
    assert promote(world, "owner", pending, "archived", "never mind").status_code == 200
    promote(world, "owner", v1, "staging")
    again = promote(world, "owner", v1, "staging")
    assert again.status_code == 409 and again.json()["code"] == "same_stage"
    assert StageTransition.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 401),
        ("outsider", 404),
        ("annotator", 403),
        ("manager", 403),
        ("owner", 200),
        ("staff", 200),
    ],
)
def test_only_owners_and_staff_promote(world, who, status) -> None:
    version = make_version(world.project, world.users["owner"])
    assert promote(world, who, version).status_code == status
    assert ModelVersion.objects.get(pk=version.pk).stage == (
        "production" if status == 200 else "none"
    )


@pytest.mark.django_db(transaction=True)
def test_one_production_version_under_concurrent_promotions(world) -> None:
    versions = [make_version(world.project, world.users["owner"], seed=i) for i in range(4)]
    barrier = threading.Barrier(len(versions))
    errors: list[BaseException] = []

    def race(version: ModelVersion) -> None:
        try:
            barrier.wait()
            model_version_promote(version=version, user=world.users["owner"],
                                  stage=Stage.PRODUCTION, reason=f"race {version.version}")  # fmt: skip
        except Conflict as exc:  # pragma: no cover - would show as a failure below
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=race, args=(v,)) for v in versions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    production = list(ModelVersion.objects.filter(project=world.project, stage=Stage.PRODUCTION))
    assert len(production) == 1
    # the audit trail replays to the same state: 4 promotions, 3 of them replaced
    transitions = list(StageTransition.objects.order_by("id"))
    assert len(transitions) == 4 + 3
    assert transitions[-1].model_version_id == production[0].pk
    assert transitions[-1].to_stage == "production"


@pytest.mark.django_db
def test_classify_and_detect_each_have_their_production(world) -> None:
    classifier = make_version(world.project, world.users["owner"])
    model_version_promote(
        version=classifier, user=world.users["owner"], stage="production", reason="c"
    )
    detector = make_version(world.project, world.users["owner"], prepare=False)
    ModelVersion.objects.filter(pk=detector.pk).update(task="detect", status="ready")
    detector.refresh_from_db()
    model_version_promote(
        version=detector, user=world.users["owner"], stage="production", reason="d"
    )
    assert ModelVersion.objects.filter(stage="production").count() == 2
    response = world.client("annotator").post(
        f"/api/v1/projects/{world.project.pk}/predict/", {}, format="json"
    )
    assert response.status_code == 400 and response.json()["code"] == "task_required"
