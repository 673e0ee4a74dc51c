"""Curation end to end on real photos (skimage's bundled ones, cut into distinct scenes) with
planted copies: the same pixels re-encoded, a half-size copy and a hard-recompressed one, one
of them across splits. Embeddings run on the infer queue through a real RQ worker (perceptual
hash and a model version's features); duplicates, leaks, uniqueness order, the actions with
their undo, the diverse pick, and what snapshots leave out."""

import io

import pytest
import skimage.data
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import Image as PILImage

from apps.annotations.services import annotation_create, upload_with_tags
from apps.images.models import Image
from apps.models.models import EmbeddingRun, ImageEmbedding
from tests.factories.models import make_version
from tests.helpers.processes import run_worker

pytestmark = pytest.mark.django_db(transaction=True)
PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "camera", "brick", "grass", "gravel")


def _encode(image: PILImage.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def _scenes() -> dict[str, bytes]:
    """Eight distinct photos and three copies: A as PNG and as JPEG (same pixels), B and B at
    half size, C and C recompressed at JPEG quality 25."""
    photos = {n: PILImage.fromarray(getattr(skimage.data, n)()).convert("RGB").resize((160, 120))
              for n in PHOTOS}  # fmt: skip
    files = {f"{n}.png": _encode(p, "PNG") for n, p in photos.items()}
    files["astronaut-copy.jpg"] = _encode(photos["astronaut"], "JPEG", quality=95)
    files["chelsea-small.png"] = _encode(photos["chelsea"].resize((80, 60)), "PNG")
    files["coffee-q25.jpg"] = _encode(photos["coffee"], "JPEG", quality=25)
    return files


@pytest.fixture
def scenes(world) -> dict[str, Image]:
    files = [SimpleUploadedFile(name, data) for name, data in _scenes().items()]
    created = upload_with_tags(
        project=world.project, user=world.users["owner"], files=files
    ).created
    images = {i.filename: i for i in Image.objects.filter(pk__in=created)}
    assert len(images) == 11
    for name, split in (("coffee.png", "train"), ("coffee-q25.jpg", "val")):  # a leak
        images[name].split = split
        images[name].save(update_fields=["split"])
    return images


def _embed(world, model_version=None) -> EmbeddingRun:
    response = world.client("manager").post(
        f"/api/v1/projects/{world.project.pk}/embeddings/", {"model_version": model_version},
        format="json",
    )  # fmt: skip
    assert response.status_code == 202, response.json()
    assert response.json()["url"].endswith(f"/api/v1/embedding-runs/{response.json()['id']}/")
    run_worker("infer")
    run = EmbeddingRun.objects.get(pk=response.json()["id"])
    assert run.status == "succeeded", run.error
    return run


def _dups(world, **query) -> dict:
    response = world.client("annotator").get(
        f"/api/v1/projects/{world.project.pk}/duplicates/", query
    )
    assert response.status_code == 200, response.json()
    return response.json()


def _names(scenes, groups) -> list[set[str]]:
    by_id = {i.pk: name for name, i in scenes.items()}
    return sorted(({by_id[i] for i in g} for g in groups), key=sorted)


EXPECTED = [{"astronaut.png", "astronaut-copy.jpg"}, {"chelsea.png", "chelsea-small.png"},
            {"coffee.png", "coffee-q25.jpg"}]  # fmt: skip


def test_the_perceptual_hash_finds_every_copy_and_the_leak(world, scenes) -> None:
    run = _embed(world)
    assert run.counts == {
        "computed": 11,
        "existing": 0,
        "unreadable": 0,
        "scored": 11,
        "map": "pca",
    }
    report = _dups(world)
    assert (report["metric"], report["embedded"]) == ("hamming", 11)
    assert _names(scenes, report["groups"]) == EXPECTED
    leaks = {frozenset(_names(scenes, [g])[0]) for g, leak in
             zip(report["groups"], report["leaks"], strict=True) if leak}  # fmt: skip
    assert leaks == {frozenset({"coffee.png", "coffee-q25.jpg"})}
    assert _dups(world, threshold=0)["groups"] != report["groups"]  # the slider matters

    again = _embed(world)  # safe to run twice: nothing new to compute
    assert (again.total, again.counts["computed"], again.counts["existing"]) == (0, 0, 11)
    assert ImageEmbedding.objects.filter(space="dhash").count() == 11


def test_images_order_by_uniqueness_page_after_page(world, scenes) -> None:
    _embed(world)
    scores = dict(Image.objects.values_list("pk", "uniqueness"))
    assert all(0 <= s <= 1 for s in scores.values()) and max(scores.values()) == 1.0
    url = f"/api/v1/projects/{world.project.pk}/images/?order=uniqueness&page_size=4"
    seen: list[int] = []
    while url:
        page = world.client("annotator").get(url).json()
        seen += [r["id"] for r in page["results"]]
        url = page["next"]
    assert seen == sorted(scores, key=lambda pk: (-scores[pk], pk))
    copies = {scenes[n].pk for n in ("astronaut-copy.jpg", "chelsea-small.png", "coffee-q25.jpg")}
    assert copies & set(seen[-6:])  # copies are among the least unique


def test_set_aside_gold_split_and_undo(world, scenes) -> None:
    _embed(world)
    url = f"/api/v1/projects/{world.project.pk}/curation/"
    manager = world.client("manager")
    copy = scenes["astronaut-copy.jpg"]
    for k, image in enumerate(scenes.values()):  # tags, so a classifier could train on them
        annotation_create(image=image, user=world.users["owner"], kind="tag",
                          label_id=world.labels[k % 2].pk)  # fmt: skip
    before = manager.get(f"/api/v1/projects/{world.project.pk}/training-runs/check/",
                         {"task": "classify"}).json()  # fmt: skip
    aside = manager.post(url, {"action": "exclude", "image_ids": [copy.pk]}, format="json").json()
    assert aside == {"changed": 1, "before": [{"id": copy.pk, "excluded": False,
                                               "split": "unassigned", "sample_weight": 1.0}]}  # fmt: skip
    copy.refresh_from_db()
    assert copy.excluded
    listed = manager.get(
        f"/api/v1/projects/{world.project.pk}/images/", {"excluded": "true"}
    ).json()
    assert [r["id"] for r in listed["results"]] == [copy.pk]
    check = manager.get(f"/api/v1/projects/{world.project.pk}/training-runs/check/",
                        {"task": "classify"}).json()  # fmt: skip
    assert (before["images"], check["images"]) == (11, 10)  # the copy is left out
    assert "excluded" in {w["code"] for w in check["warnings"]}, check

    gold = manager.post(url, {"action": "gold", "image_ids": [scenes["astronaut.png"].pk]},
                        format="json").json()  # fmt: skip
    assert gold["changed"] == 1
    leak = [scenes["coffee.png"].pk, scenes["coffee-q25.jpg"].pk]
    moved = manager.post(url, {"action": "split", "image_ids": leak, "split": "train"},
                         format="json").json()  # fmt: skip
    assert moved["changed"] == 1  # only the val copy moved
    assert not any(_dups(world)["leaks"])

    for change in (moved, gold, aside):  # undo, newest first
        back = manager.post(url, {"action": "restore", "images": change["before"]}, format="json")
        assert back.status_code == 200 and back.json()["changed"] == change["changed"]
    state = {n: (i.excluded, i.split, i.sample_weight) for n, i in
             ((n, Image.objects.get(pk=i.pk)) for n, i in scenes.items())}  # fmt: skip
    assert state == {n: (False, i.split, i.sample_weight) for n, i in scenes.items()}


def test_bad_curation_requests_change_nothing(world, scenes, make_images) -> None:
    url = f"/api/v1/projects/{world.project.pk}/curation/"
    theirs = make_images(1, project=world.other_project)[0]
    manager = world.client("manager")
    ids = [scenes["rocket.png"].pk, theirs.pk]
    response = manager.post(url, {"action": "exclude", "image_ids": ids}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "unknown_image")
    response = manager.post(url, {"action": "split", "image_ids": ids[:1]}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "invalid_split")
    assert not Image.objects.filter(excluded=True).exists()
    assert (
        manager.post(url, {"action": "exclude", "image_ids": ids[:1]}, format="json").status_code
        == 200
    )
    annotator = world.client("annotator").post(url, {"action": "include", "image_ids": ids[:1]},
                                               format="json")  # fmt: skip
    assert annotator.status_code == 403 and Image.objects.get(pk=ids[0]).excluded
    start = f"/api/v1/projects/{world.project.pk}/embeddings/"
    other = make_version(world.other_project, world.users["owner"])
    response = manager.post(start, {"model_version": other.pk}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "invalid_model_version")
    assert not EmbeddingRun.objects.exists()


def test_a_models_features_group_the_same_pixels(world, scenes) -> None:
    version = make_version(world.project, world.users["owner"])  # resnet20, 64 features
    run = _embed(world, version.pk)
    assert run.space == f"version:{version.pk}" and run.counts["computed"] == 11
    assert set(ImageEmbedding.objects.values_list("dim", flat=True)) == {64}
    report = _dups(world, model_version=version.pk, threshold=0.001)
    assert report["metric"] == "cosine"
    assert {"astronaut.png", "astronaut-copy.jpg"} in _names(scenes, report["groups"])
    spaces = world.client("annotator").get(f"/api/v1/projects/{world.project.pk}/embedding-spaces/")
    assert {s["space"] for s in spaces.json()["results"]} == {f"version:{version.pk}"}


def test_pick_diverse_images_into_a_split(world, scenes) -> None:
    _embed(world)
    body = {"n": 3, "split": "test"}
    url = f"/api/v1/projects/{world.project.pk}/curation/diverse/"
    change = world.client("manager").post(url, body, format="json").json()
    assert change["changed"] == 3
    picked = set(Image.objects.filter(split="test").values_list("filename", flat=True))
    assert len(picked) == 3
    for group in EXPECTED:  # never two copies of one scene
        assert len(group & picked) <= 1, picked


def test_a_cancelled_or_dead_run_ends_and_keeps_what_it_stored(world, scenes, settings) -> None:
    manager = world.client("manager")
    started = manager.post(
        f"/api/v1/projects/{world.project.pk}/embeddings/", {}, format="json"
    ).json()
    cancelled = manager.post(f"/api/v1/embedding-runs/{started['id']}/cancel/").json()
    assert cancelled["status"] == "cancelled"
    assert run_worker("infer") == 1 and not ImageEmbedding.objects.exists()  # not claimed

    run = EmbeddingRun.objects.create(project=world.project, status="running")
    EmbeddingRun.objects.filter(pk=run.pk).update(heartbeat_at="2000-01-01T00:00Z")
    call_command("reap_runs")
    run.refresh_from_db()
    assert run.status == "interrupted" and "Start it again" in run.error
