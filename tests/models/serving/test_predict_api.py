"""POST /projects/{id}/predict/ and /model-versions/{id}/predict/: every input form, errors,
service tokens, and a promotion picked up by the same process without a restart."""

import base64

import pytest
from rest_framework.test import APIClient

from apps.models.models import Stage, VersionStatus
from apps.models.registry.services import model_version_promote
from apps.models.serving import inference
from apps.models.serving.services import service_token_create, service_token_revoke
from ml.predict import load_model
from tests.factories.images import image_bytes
from tests.factories.models import make_version

pytestmark = pytest.mark.django_db

RED = image_bytes(50, 40, fmt="JPEG", color=(200, 30, 30))
BLUE = image_bytes(33, 70, fmt="PNG", color=(20, 40, 220))


@pytest.fixture
def version(world):
    v = make_version(world.project, world.users["owner"])
    assert v.status == VersionStatus.READY, v.error
    return v


@pytest.fixture
def production(world, version):
    return model_version_promote(version=version, user=world.users["owner"],
                                 stage=Stage.PRODUCTION, reason="first")  # fmt: skip


def expected(version, data: bytes, k: int = 3):
    """The same weights through the plain torch predictor (ml/), for comparison."""
    from django.core.files.storage import default_storage

    predictor = load_model(default_storage.path(version.weights), version.architecture,
                           version.classes, version.image_size, device="cpu")  # fmt: skip
    return predictor.classify([data], top_k=k)[0]


def labels(rows):
    return [r["label"] for r in rows]


def test_multipart_single_image_top_k(world, production) -> None:
    response = world.client("annotator").post(
        f"/api/v1/projects/{world.project.pk}/predict/", {"image": _file("red.jpg", RED)}
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["model_version"]["id"] == production.pk and body["backend"] == "onnx"
    rows = body["predictions"]
    assert len(rows) == 2  # k=3 capped at the 2 classes
    assert sum(r["confidence"] for r in rows) == pytest.approx(1.0, abs=1e-4)
    want = expected(production, RED)
    assert labels(rows) == [w.label for w in want]
    for got, w in zip(rows, want, strict=True):
        assert got["confidence"] == pytest.approx(w.confidence, abs=2e-4)  # ONNX == torch
    assert body["results"][0]["image"] == "red.jpg" and body["inference_ms"] > 0


def test_multipart_batch_and_top_k_option(world, production) -> None:
    response = world.client("annotator").post(
        f"/api/v1/projects/{world.project.pk}/predict/?top_k=1",
        {"image": [_file("a.jpg", RED), _file("b.png", BLUE)]},
    )
    body = response.json()
    assert response.status_code == 200 and "predictions" not in body  # only for one image
    assert [r["image"] for r in body["results"]] == ["a.jpg", "b.png"]
    assert [len(r["predictions"]) for r in body["results"]] == [1, 1]
    assert body["results"][1]["predictions"][0]["label"] == expected(production, BLUE)[0].label


def test_json_base64_forms_on_the_version_endpoint(world, version) -> None:
    client = world.client("annotator")
    url = f"/api/v1/model-versions/{version.pk}/predict/"
    b64 = base64.b64encode(BLUE).decode()
    single = client.post(url, {"image": b64, "top_k": 2}, format="json")
    assert single.status_code == 200, single.json()
    batch = client.post(
        url,
        {
            "images": [
                f"data:image/png;base64,{b64}",
                {"name": "red", "data": base64.b64encode(RED).decode()},
            ]
        },
        format="json",
    )
    assert batch.status_code == 200, batch.json()
    results = batch.json()["results"]
    assert results[0]["predictions"] == single.json()["predictions"]
    assert results[1]["image"] == "red"
    assert labels(results[1]["predictions"]) == [w.label for w in expected(version, RED)]


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"image": "not base64!!"}, 400, "invalid_base64"),
        ({"image": base64.b64encode(b"GIF89a-not-really").decode()}, 400, "not_an_image"),
        ({"image": base64.b64encode(RED[: len(RED) // 2]).decode()}, 400, "corrupt_image"),
        ({}, 400, "no_image"),
        ({"image": 12}, 400, "invalid_base64"),
        ({"image": base64.b64encode(RED).decode(), "top_k": 0}, 400, "min_value"),
    ],
)
def test_bad_input_is_a_clear_4xx(world, version, payload, status, code) -> None:
    response = world.client("annotator").post(
        f"/api/v1/model-versions/{version.pk}/predict/", payload, format="json"
    )
    assert response.status_code == status, response.json()
    assert response.json()["code"] == code and response.json()["detail"]


def test_fake_and_truncated_files_name_the_file(world, version) -> None:
    url = f"/api/v1/model-versions/{version.pk}/predict/"
    client = world.client("annotator")
    fake = client.post(url, {"image": [_file("ok.jpg", RED), _file("cat.jpg", b"<html>hi</html>")]})
    assert fake.status_code == 400 and fake.json()["detail"].startswith("cat.jpg:")
    bomb = image_bytes(300, 300, fmt="PNG")
    with pytest.MonkeyPatch.context() as mp:
        from django.conf import settings

        mp.setattr(settings, "LABELFORGE_MAX_IMAGE_PIXELS", 300 * 299)
        response = client.post(url, {"image": _file("big.png", bomb)})
    assert response.status_code == 400 and response.json()["code"] == "too_many_pixels"


def test_oversize_file_and_too_many_images_are_413(world, version, settings) -> None:
    url = f"/api/v1/model-versions/{version.pk}/predict/"
    client = world.client("annotator")
    settings.LABELFORGE_MAX_FILE_BYTES = len(RED) - 1
    assert client.post(url, {"image": _file("red.jpg", RED)}).status_code == 413
    b64 = base64.b64encode(RED).decode()
    assert client.post(url, {"image": b64}, format="json").status_code == 413
    settings.LABELFORGE_MAX_FILE_BYTES = 10**7
    settings.LABELFORGE_PREDICT_MAX_IMAGES = 2
    response = client.post(url, {"images": [b64] * 3}, format="json")
    assert response.status_code == 413 and "at most 2" in response.json()["detail"]


def test_not_ready_and_no_production_are_409(world) -> None:
    client = world.client("annotator")
    none = client.post(
        f"/api/v1/projects/{world.project.pk}/predict/", {"image": _file("r.jpg", RED)}
    )
    assert none.status_code == 409 and none.json()["code"] == "no_production_model"
    pending = make_version(world.project, world.users["owner"], prepare=False)
    response = client.post(
        f"/api/v1/model-versions/{pending.pk}/predict/", {"image": _file("r.jpg", RED)}
    )
    assert response.status_code == 409 and response.json()["code"] == "model_not_ready"
    assert "being prepared" in response.json()["detail"]


def test_members_only(world, version) -> None:
    url = f"/api/v1/model-versions/{version.pk}/predict/"
    assert world.client("anonymous").post(url, {"image": _file("r.jpg", RED)}).status_code == 401
    assert world.client("outsider").post(url, {"image": _file("r.jpg", RED)}).status_code == 404


def test_service_token_can_predict_and_nothing_else(
    world, production, django_capture_on_commit_callbacks
) -> None:
    token, key = service_token_create(project=world.project, user=world.users["owner"], name="shop")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    ok = client.post(
        f"/api/v1/projects/{world.project.pk}/predict/", {"image": _file("r.jpg", RED)}
    )
    assert ok.status_code == 200 and ok.json()["model_version"]["id"] == production.pk
    by_version = client.post(
        f"/api/v1/model-versions/{production.pk}/predict/", {"image": _file("r.jpg", RED)}
    )
    assert by_version.status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None and key not in str(vars(token))  # only a hash is kept
    # another project's endpoints, and every non-predict endpoint, are closed to it
    other = make_version(world.other_project, world.users["outsider"])
    assert (
        client.post(
            f"/api/v1/projects/{world.other_project.pk}/predict/", {"image": _file("r.jpg", RED)}
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/api/v1/model-versions/{other.pk}/predict/", {"image": _file("r.jpg", RED)}
        ).status_code
        == 404
    )
    listed = client.get(f"/api/v1/projects/{world.project.pk}/images/")
    assert listed.status_code == 401 and listed.json()["code"] == "service_token_scope"
    assert "can only call its project's predict endpoints" in listed.json()["detail"]
    assert client.get(f"/api/v1/projects/{world.project.pk}/model-versions/").status_code == 401
    assert client.get("/api/v1/projects/").status_code == 401
    with django_capture_on_commit_callbacks(execute=True):  # as after a real commit
        service_token_revoke(token=token)
    revoked = client.post(
        f"/api/v1/projects/{world.project.pk}/predict/", {"image": _file("r.jpg", RED)}
    )
    assert revoked.status_code == 401 and "revoked" in revoked.json()["detail"]


def test_promotion_is_picked_up_without_restart(
    world, production, django_capture_on_commit_callbacks
) -> None:
    client = world.client("annotator")
    url = f"/api/v1/projects/{world.project.pk}/predict/"
    first = client.post(url, {"image": _file("r.jpg", RED)}).json()
    assert first["model_version"]["id"] == production.pk
    newer = make_version(world.project, world.users["owner"], seed=7)
    with django_capture_on_commit_callbacks(execute=True):  # the cache is told after commit
        model_version_promote(
            version=newer, user=world.users["owner"], stage=Stage.PRODUCTION, reason="better"
        )
    second = client.post(url, {"image": _file("r.jpg", RED)}).json()
    assert second["model_version"]["id"] == newer.pk
    assert {production.uid, newer.uid} <= set(inference.cached_versions())
    want = expected(newer, RED)
    assert [r["confidence"] for r in second["predictions"]] == pytest.approx(
        [w.confidence for w in want], abs=2e-4
    )
    # rollback: promote the earlier version again
    with django_capture_on_commit_callbacks(execute=True):
        model_version_promote(
            version=production, user=world.users["owner"], stage=Stage.PRODUCTION, reason="rollback"
        )
    assert (
        client.post(url, {"image": _file("r.jpg", RED)}).json()["model_version"]["id"]
        == production.pk
    )


def test_torch_backend_gives_the_same_answer(world, version, settings) -> None:
    url = f"/api/v1/model-versions/{version.pk}/predict/"
    onnx = world.client("annotator").post(url, {"image": _file("b.png", BLUE)}).json()
    inference.clear_cache()
    settings.LABELFORGE_INFERENCE_BACKEND = "torch"
    eager = world.client("annotator").post(url, {"image": _file("b.png", BLUE)}).json()
    inference.clear_cache()
    assert (onnx["backend"], eager["backend"]) == ("onnx", "torch-cpu")
    assert labels(onnx["predictions"]) == labels(eager["predictions"])
    assert [r["confidence"] for r in onnx["predictions"]] == pytest.approx(
        [r["confidence"] for r in eager["predictions"]], abs=2e-4
    )


def _file(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


DETECTOR = "fasterrcnn_mobilenet_v3_large_fpn"


def test_detector_boxes_through_both_endpoints(world, settings) -> None:
    """Boxes in the uploaded image's pixels, with label and score above the threshold; the
    same as ml/'s torch predictor gives for these weights."""
    from django.core.files.storage import default_storage

    detector = make_version(world.project, world.users["owner"], architecture=DETECTOR,
                            classes=("circle", "square"), image_size=96)  # fmt: skip
    assert detector.status == VersionStatus.READY, detector.error
    model_version_promote(version=detector, user=world.users["owner"], stage=Stage.PRODUCTION,
                          reason="boxes")  # fmt: skip
    photo = image_bytes(160, 120, fmt="JPEG", color=(90, 140, 60))
    torch_rows = load_model(default_storage.path(detector.weights), DETECTOR, list(detector.classes),
                            96, device="cpu").detect([photo], score_threshold=0.05)[0]  # fmt: skip
    assert torch_rows, "seeded random weights give low-score boxes at threshold 0.05"

    settings.LABELFORGE_INFERENCE_BACKEND = "torch"
    inference.clear_cache()
    client = world.client("annotator")
    by_project = client.post(f"/api/v1/projects/{world.project.pk}/predict/?threshold=0.05&task=detect",
                             {"image": _file("scene.jpg", photo)}).json()  # fmt: skip
    by_version = client.post(f"/api/v1/model-versions/{detector.pk}/predict/",
                             {"image": base64.b64encode(photo).decode(), "threshold": 0.05},
                             format="json").json()  # fmt: skip
    assert by_project["predictions"] == by_version["predictions"]
    got = by_project["predictions"]
    assert [(r["label"], r["score"]) for r in got] == [
        (d.label, pytest.approx(d.score, abs=1e-5)) for d in torch_rows
    ]
    for row, want in zip(got, torch_rows, strict=True):
        assert [row["box"][k] for k in "xywh"] == pytest.approx(
            [want.x, want.y, want.w, want.h], abs=0.01
        )
        assert row["box"]["x"] >= 0 and row["box"]["x"] + row["box"]["w"] <= 160 + 0.01

    higher = client.post(f"/api/v1/model-versions/{detector.pk}/predict/?threshold=0.9",
                         {"image": _file("scene.jpg", photo)}).json()  # fmt: skip
    assert [(r["label"], r["score"]) for r in higher["predictions"]] == [
        (r["label"], r["score"]) for r in got if r["score"] >= 0.9
    ]

    settings.LABELFORGE_INFERENCE_BACKEND = "auto"
    inference.clear_cache()
    served = client.post(f"/api/v1/model-versions/{detector.pk}/predict/?threshold=0.05",
                         {"image": _file("scene.jpg", photo)}).json()  # fmt: skip
    inference.clear_cache()
    assert served["backend"] == ("onnx" if detector.onnx else "torch-cpu")
    assert served["predictions"], "the same low-score boxes as torch found"
    for row in served["predictions"]:
        assert row["label"] in ("circle", "square") and 0.05 <= row["score"] <= 1
