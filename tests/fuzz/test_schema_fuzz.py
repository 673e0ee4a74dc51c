"""Schemathesis against the live server's published contract (`/api/schema/`): as a project
owner every answer must be documented (status, content type, body schema) and none a server
error; as a non-member, no 2xx on the owner's objects. Path parameters are drawn mostly from
real objects (so the fuzzer gets past 404), the rest at random.

Bounded two ways. By default, a fixed number of examples per operation with a fixed seed
(about a minute per run here): the same cases every time, so CI is repeatable. With
LABELFORGE_FUZZ_SECONDS=N, each run explores for N seconds (`--max-time`, the owner's run
twice as long) and finds new cases every time; LABELFORGE_FUZZ_SEED picks the seed."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db.models import QuerySet
from rest_framework.authtoken.models import Token

from apps.annotations.models import Annotation, AnnotationEvent
from apps.images.models import Batch, Image
from apps.models.models import AutoAnnotationRun, ModelVersion, ServiceToken, TrainingRun
from apps.projects.models import Label, Membership
from apps.projects.services import project_create
from apps.webhooks.models import Webhook
from tests.factories.models import make_version
from tests.helpers.processes import ROOT, live_web, subprocess_env

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
SECONDS = float(os.environ.get("LABELFORGE_FUZZ_SECONDS", "0"))
SEED = os.environ.get("LABELFORGE_FUZZ_SEED", "20261202")

pytestmark = pytest.mark.django_db(transaction=True)


def _seed(world, images) -> None:
    """A project with every kind of object the API has, made through the API."""
    clients = {who: world.client(who) for who in ("owner", "manager")}

    def post(who: str, url: str, body: dict, method: str = "post") -> dict:
        response = getattr(clients[who], method)(url, body, format="json")
        assert response.status_code < 300, (url, response.json())
        return response.json()

    label, project = world.labels[0].pk, world.project.pk
    for image in images[:4]:
        box = {"x": 1, "y": 1, "w": 10, "h": 8}
        made = post("owner", f"/api/v1/images/{image.pk}/annotations/",
                    {"kind": "box", "label": label, "box": box})  # fmt: skip
        post("owner", f"/api/v1/annotations/{made['id']}/",
             {"version": made["version"], "box": {**box, "x": 2}}, method="patch")  # fmt: skip
    version = make_version(world.project, world.users["owner"])
    post("owner", f"/api/v1/model-versions/{version.pk}/promote/",
         {"stage": "production", "reason": "fuzz"})  # fmt: skip
    post("manager", f"/api/v1/projects/{project}/training-runs/",
         {"task": "classify", "architecture": "resnet20", "params": {"epochs": 1}})  # fmt: skip
    post("manager", f"/api/v1/projects/{project}/auto-annotate/",
         {"model_version": version.pk, "scope": "all"})  # fmt: skip
    post("manager", f"/api/v1/projects/{project}/webhooks/",
         {"url": "https://hooks.example.com/labelforge", "events": ["run.succeeded"]})  # fmt: skip
    post("owner", f"/api/v1/projects/{project}/service-tokens/", {"name": "fuzz"})
    post("manager", f"/api/v1/projects/{project}/batches/",
         {"image_ids": [i.pk for i in images[:2]], "assignee": "annotator"})  # fmt: skip


def _ids(project_id: int) -> dict[str, list[int]]:
    """Every object of the project, by the path parameter that names it."""

    def pks(qs: QuerySet) -> list[int]:
        return list(qs.values_list("pk", flat=True))

    p = {"project_id": project_id}
    runs = pks(TrainingRun.objects.filter(**p)) + pks(AutoAnnotationRun.objects.filter(**p))
    return {
        "project_id": [project_id],
        "image_id": pks(Image.objects.filter(**p)),
        "annotation_id": pks(Annotation.objects.filter(image__project_id=project_id)),
        "event_id": pks(AnnotationEvent.objects.filter(project_id=project_id)),
        "label_id": pks(Label.objects.filter(**p)),
        "member_id": pks(Membership.objects.filter(**p)),
        "run_id": runs,
        "version_id": pks(ModelVersion.objects.filter(**p)),
        "token_id": pks(ServiceToken.objects.filter(**p)),
        "webhook_id": pks(Webhook.objects.filter(**p)),
        "batch_id": pks(Batch.objects.filter(**p)),
    }


def _config(path: Path, ids: dict[str, list[int]], overrides: dict[str, dict[str, int]]) -> Path:
    lines = []
    for name, values in ids.items():
        lines += [f"[dictionaries.{name}]", f"values = {json.dumps(values)}", ""]
    lines.append("[parameters]")
    lines += [f'"path.{name}" = {{ dictionary = "{name}", probability = 0.85 }}' for name in ids]
    for operation, params in overrides.items():
        lines += ["", "[[operations]]", f'include-name = "{operation}"',
                  f"parameters = {json.dumps({f'path.{k}': v for k, v in params.items()})}"]  # fmt: skip
    path.write_text("\n".join(lines).replace('": ', '" = ') + "\n")
    return path


def _fuzz(url: str, token: str, config: Path, report: Path, examples: int, checks: str,
          env: dict[str, str] | None = None) -> dict:  # fmt: skip
    seconds = SECONDS * examples / 25  # the owner's run: 2x the non-member's
    bound = ["--max-time", str(int(seconds))] if seconds else ["--max-examples", str(examples)]
    cmd = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run",
        f"{url}/api/schema/", "-H", f"Authorization: Token {token}", "--checks", checks,
        "--phases", "examples,coverage,fuzzing", *bound,
        "--seed", SEED, "--output-truncate", "false", "--report", "json",
        "--report-json-path", str(report), "--request-timeout", "30",
    ]  # fmt: skip
    proc = subprocess.run(cmd, cwd=ROOT, env={**os.environ, **(env or {})},
                          capture_output=True, text=True, timeout=seconds + 600)  # fmt: skip
    report.with_suffix(".txt").write_text(proc.stdout + proc.stderr)
    summary = json.loads(report.read_text())
    print(proc.stdout[-3000:])  # the figures, in the test's captured output
    assert proc.returncode == 0, proc.stdout[-20000:] + proc.stderr[-3000:]
    ops = summary["operations"]
    assert ops["tested"] == ops["total"] > 60, ops
    assert summary["test_cases"]["generated"] > 500, summary["test_cases"]
    return summary


@pytest.fixture
def stack(tmp_path, world, tagged_images) -> tuple[Path, dict[str, list[int]]]:
    _seed(world, tagged_images)
    return tmp_path, _ids(world.project.pk)


def test_the_api_answers_the_fuzzer_as_its_schema_says(stack, world, tmp_path) -> None:
    tmp, ids = stack
    scratch = project_create(name="Scratch", user=world.users["owner"])
    # a project for the fuzzer to delete: the seeded one must last the whole run
    overrides = {"DELETE /api/v1/projects/{project_id}/": {"project_id": scratch.pk}}
    config = _config(tmp / "member.toml", ids, overrides)
    token = Token.objects.get_or_create(user=world.users["owner"])[0].key
    with live_web(subprocess_env(Path(settings.MEDIA_ROOT)), tmp) as url:
        _fuzz(url, token, config, tmp / "member.json", 50, CHECKS)


def test_a_non_member_gets_no_2xx_on_another_projects_objects(stack, world, tmp_path) -> None:
    tmp, ids = stack
    config = _config(tmp / "outsider.toml", ids, {})
    token = Token.objects.get_or_create(user=world.users["outsider"])[0].key
    env = {"SCHEMATHESIS_HOOKS": "tests.fuzz.hooks", "LABELFORGE_FUZZ_FOREIGN": json.dumps(ids)}
    with live_web(subprocess_env(Path(settings.MEDIA_ROOT)), tmp) as url:
        _fuzz(url, token, config, tmp / "outsider.json", 25,
              "not_a_server_error,outsider_sees_nothing", env)  # fmt: skip
    assert Annotation.objects.filter(image__project=world.project).count() >= 8
    assert Membership.objects.filter(project=world.project).count() == 4
