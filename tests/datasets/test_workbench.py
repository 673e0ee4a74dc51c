"""The Dataset tab's tools through the API on known boxes: statistics, the clean-up tools'
dry runs and applies, the aspect tool's never-shrink rule, and one undo that restores every
box exactly (or leaves a box someone changed since, counted as a conflict)."""

import pytest

from apps.annotations.models import Annotation, AnnotationEvent, Kind
from apps.annotations.services import annotation_create, annotation_update
from apps.datasets.models import DatasetOperation
from apps.images.services import image_get_or_create
from tests.datasets.helpers import jpeg

pytestmark = pytest.mark.django_db


def _image(world, w: int, h: int, n: int, split: str = "train"):
    image, _ = image_get_or_create(project=world.project, user=world.users["owner"],
                                   name=f"{n}.jpg", data=jpeg(w, h, (n * 40 % 256, 90, 30)))  # fmt: skip
    image.split = split
    image.save(update_fields=["split"])
    return image


def _box(world, image, label, x, y, w, h) -> Annotation:
    return annotation_create(image=image, user=world.users["owner"], kind=Kind.BOX,
                             label_id=label.pk, box={"x": x, "y": y, "w": w, "h": h})  # fmt: skip


@pytest.fixture
def boxes(world):
    """Two 100x50 train images and one 200x100 val image with known boxes."""
    sparrow, robin = world.labels
    a, b, c = (
        _image(world, 100, 50, 1),
        _image(world, 100, 50, 2),
        _image(world, 200, 100, 3, "val"),
    )
    _image(world, 64, 64, 4)  # no boxes
    made = {
        "tiny": _box(world, a, sparrow, 10, 10, 3, 20),  # narrower than 5
        "wide": _box(world, a, sparrow, 0, 0, 40, 10),  # touches the border, 4:1
        "tall": _box(world, b, robin, 20, 5, 10, 40),  # 1:4
        "third": _box(world, b, robin, 50, 5, 10, 30),  # 1:3
        "big": _box(world, c, sparrow, 50, 20, 100, 50),
        "twin": _box(world, c, sparrow, 50.5, 20, 100, 50),  # IoU 0.99 with big
        "robin_twin": _box(world, c, robin, 50, 20, 100, 50),  # same place, other label
    }
    return made


def _state(project) -> dict[int, tuple]:
    return {a.pk: (a.label_id, a.x, a.y, a.w, a.h, a.kind) for a in
            Annotation.objects.filter(image__project=project)}  # fmt: skip


def test_stats_count_per_label_and_bin_every_box(world, boxes) -> None:
    client = world.client("annotator")
    stats = client.get(f"/api/v1/projects/{world.project.pk}/dataset/stats/").json()
    assert (stats["boxes"], stats["images"], stats["images_without_boxes"]) == (7, 4, 1)
    by_name = {lb["name"]: lb for lb in stats["labels"]}
    assert (by_name["sparrow"]["boxes"], by_name["sparrow"]["images"]) == (4, 2)
    assert (by_name["robin"]["boxes"], by_name["robin"]["images"]) == (3, 2)
    for name in ("width", "height", "area", "aspect"):
        hist = stats["histograms"][name]
        assert sum(hist["counts"]) == 7 and len(hist["edges"]) == len(hist["counts"]) + 1
    aspect = stats["histograms"]["aspect"]
    wide = sum(c for e, c in zip(aspect["edges"], aspect["counts"], strict=False) if e > 3)
    assert wide == 1  # only the 40x10 box is wider than 3:1
    assert stats["boxes_touching_border"] == 1 and stats["boxes_outside"] == 0
    assert sorted(stats["scatter"]["id"]) == sorted(a.pk for a in boxes.values())

    val = client.get(f"/api/v1/projects/{world.project.pk}/dataset/stats/",
                     {"split": "val", "label": world.labels[0].pk}).json()  # fmt: skip
    assert (val["boxes"], val["images"], val["filters"]) == (
        2, 1, {"label": world.labels[0].pk, "split": "val"})  # fmt: skip
    bad = client.get(f"/api/v1/projects/{world.project.pk}/dataset/stats/",
                     {"label": world.other_label.pk})  # fmt: skip
    assert bad.status_code == 400 and "label" in bad.json()["detail"]


def test_remove_small_boxes_previews_applies_and_one_undo_restores_every_box(world, boxes) -> None:
    client = world.client("manager")
    url = f"/api/v1/projects/{world.project.pk}/dataset/remove-small-boxes/"
    before = _state(world.project)
    preview = client.post(url, {"min_width": 5, "min_height": 5, "dry_run": True}, format="json")
    assert preview.status_code == 200, preview.json()
    body = preview.json()
    assert (body["matched"], body["changed"], body["operation"]) == (1, 0, None)
    (example,) = body["examples"]
    assert example["image"] == boxes["tiny"].image_id and example["boxes"][0]["after"] is None
    assert example["boxes"][0]["box"] == {"x": 10, "y": 10, "w": 3, "h": 20}
    assert _state(world.project) == before  # a dry run changes nothing

    applied = client.post(url, {"min_width": 12, "min_height": 12}, format="json")
    assert applied.status_code == 201, applied.json()
    body = applied.json()
    assert (body["matched"], body["changed"]) == (4, 4)  # tiny, wide, tall, third
    assert set(_state(world.project)) == {boxes[k].pk for k in ("big", "twin", "robin_twin")}
    operation = DatasetOperation.objects.get(pk=body["operation"]["id"])
    assert AnnotationEvent.objects.filter(pk__in=operation.events, action="deleted").count() == 4

    undo = client.post(body["operation"]["undo"])
    assert undo.status_code == 200, undo.json()
    assert undo.json()["undo_counts"] == {"reverted": 4, "conflicts": 0}
    assert _state(world.project) == before  # same ids, labels and boxes
    assert client.post(body["operation"]["undo"]).status_code == 409  # once only
    listed = client.get(f"/api/v1/projects/{world.project.pk}/dataset/operations/").json()
    assert listed["results"][0]["undone_by"] == "manager" and listed["results"][0]["undo"] is None


def test_duplicates_keep_the_first_box_and_ignore_other_labels(world, boxes) -> None:
    client = world.client("manager")
    url = f"/api/v1/projects/{world.project.pk}/dataset/remove-duplicates/"
    body = client.post(url, {"iou": 0.95}, format="json").json()
    assert (body["matched"], body["changed"]) == (1, 1)
    assert not Annotation.objects.filter(pk=boxes["twin"].pk).exists()
    assert Annotation.objects.filter(pk__in=[boxes["big"].pk, boxes["robin_twin"].pk]).count() == 2
    again = client.post(url, {"iou": 0.95, "dry_run": True}, format="json").json()
    assert again["matched"] == 0  # safe to run twice


def test_boxes_over_the_border_are_clipped_or_removed(world, boxes) -> None:
    image = boxes["big"].image
    legacy = [Annotation.objects.create(image=image, label=world.labels[0], kind=Kind.BOX,
                                        x=x, y=y, w=w, h=h)
              for x, y, w, h in ((-10, 10, 30, 20), (180, 90, 40, 20), (250, 10, 10, 10))]  # fmt: skip
    client = world.client("manager")
    stats = client.get(f"/api/v1/projects/{world.project.pk}/dataset/stats/").json()
    assert stats["boxes_outside"] == 3
    url = f"/api/v1/projects/{world.project.pk}/dataset/fix-outside/"
    body = client.post(url, {"mode": "clip"}, format="json").json()
    assert (body["matched"], body["changed"]) == (3, 3)
    left, right = (Annotation.objects.get(pk=a.pk) for a in legacy[:2])
    assert (left.x, left.y, left.w, left.h) == (0, 10, 20, 20)
    assert (right.x, right.y, right.w, right.h) == (180, 90, 20, 10)
    assert not Annotation.objects.filter(pk=legacy[2].pk).exists()  # nothing inside: removed
    assert left.version == 2  # a change like any other


def test_normalize_aspect_only_grows_and_undo_restores_exactly(world, boxes) -> None:
    client = world.client("manager")
    url = f"/api/v1/projects/{world.project.pk}/dataset/normalize-aspect/"
    robin = world.labels[1].pk
    before = _state(world.project)
    preview = client.post(url, {"label": robin, "ratio": 1 / 3, "dry_run": True}, format="json")
    body = preview.json()
    # 1:4 stays (would have to shrink), 1:3 is there, the 2:1 robin twin grows to 1:3
    assert body["matched"] == 1, body
    (example,) = body["examples"]
    changed = example["boxes"][0]
    assert changed["id"] == boxes["robin_twin"].pk and changed["after"]["h"] == 100  # clipped

    one = client.post(url, {"label": robin, "ratio": 0.25, "image": boxes["third"].image_id,
                            "dry_run": True}, format="json").json()  # fmt: skip
    assert one["matched"] == 1  # the labeller's preview: one image's boxes only
    body = client.post(url, {"label": robin, "ratio": 0.25}, format="json").json()
    assert body["matched"] == 2  # 1:3 -> 1:4 grows; 1:4 stays
    third = Annotation.objects.get(pk=boxes["third"].pk)
    assert (third.w, third.h, third.x) == (10, 40, 50) and third.y == 0  # centred, clipped
    assert Annotation.objects.get(pk=boxes["tall"].pk).h == 40
    client.post(body["operation"]["undo"])
    assert _state(world.project) == before


def test_undo_leaves_a_box_someone_changed_since(world, boxes) -> None:
    client = world.client("manager")
    url = f"/api/v1/projects/{world.project.pk}/dataset/normalize-aspect/"
    body = client.post(url, {"label": world.labels[1].pk, "ratio": 0.25}, format="json").json()
    third = Annotation.objects.get(pk=boxes["third"].pk)
    annotation_update(annotation_id=third.pk, user=world.users["annotator"], version=third.version,
                      data={"box": {"x": 1, "y": 1, "w": 5, "h": 5}})  # fmt: skip
    undo = client.post(body["operation"]["undo"]).json()
    assert undo["undo_counts"] == {"reverted": 1, "conflicts": 1}
    assert Annotation.objects.get(pk=third.pk).w == 5  # the annotator's edit stays


@pytest.mark.parametrize("path", ["remove-small-boxes", "normalize-aspect"])
def test_bad_tool_requests_are_400_and_annotators_cannot_apply(world, boxes, path) -> None:
    url = f"/api/v1/projects/{world.project.pk}/dataset/{path}/"
    bad = world.client("manager").post(url, {"min_width": -1, "ratio": 0}, format="json")
    assert bad.status_code == 400 and "detail" in bad.json()
    ok = {"min_width": 5, "min_height": 5, "label": world.labels[0].pk, "ratio": 1}
    assert world.client("annotator").post(url, ok, format="json").status_code == 403
    assert world.client("outsider").post(url, ok, format="json").status_code == 404


def test_clusters_and_anchors_summarise_the_shapes(world, boxes) -> None:
    client = world.client("annotator")
    clusters = client.get(f"/api/v1/projects/{world.project.pk}/dataset/clusters/",
                          {"k": 3}).json()  # fmt: skip
    assert sum(c["count"] for c in clusters["clusters"]) == 7 and len(clusters["clusters"]) == 3
    ratios = [c["ratio"] for c in clusters["clusters"]]
    assert ratios == sorted(ratios)
    for c in clusters["clusters"]:
        assert c["ratio"] == pytest.approx(c["width"] / c["height"], rel=1e-3)
        assert 1 <= len(c["examples"]) <= 6
    fit = client.get(f"/api/v1/projects/{world.project.pk}/dataset/clusters/",
                     {"k": 2, "mode": "fit"}).json()  # fmt: skip
    assert fit["mode"] == "fit" and all(0 < v <= 1 for c in fit["clusters"] for v in c["center"])

    anchors = client.get(f"/api/v1/projects/{world.project.pk}/dataset/anchors/",
                         {"k": 3, "image_size": 256}).json()  # fmt: skip
    areas = [w * h for w, h in anchors["anchors"]]
    assert len(areas) == 3 and areas == sorted(areas) and 0 < anchors["mean_iou"] <= 1
    assert sum(len(v) for v in anchors["levels"].values()) == 3


def test_scale_classes_name_each_box_by_its_shape_and_a_rebuild_changes_only_what_moved(
    world, boxes
) -> None:
    client = world.client("manager")
    url = f"/api/v1/projects/{world.project.pk}/dataset/scale-classes/"
    preview = client.post(url, {"k": 3, "names": ["tall", "square"], "dry_run": True},
                          format="json").json()  # fmt: skip
    assert preview["matched"] == 7 and preview["params"]["names"][:2] == ["tall", "square"]
    assert preview["params"]["names"][2] == "4.0:1 40x10"  # unnamed: named by its shape
    assert all(b["after"] == b["box"] for e in preview["examples"] for b in e["boxes"])

    names = {"k": 3, "names": ["tall", "big", "flat"]}  # clusters come smallest ratio first
    body = client.post(url, names, format="json").json()
    assert (body["matched"], body["changed"]) == (7, 7)
    classes = {a.pk: a.attributes.get("scale_class") for a in
               Annotation.objects.filter(image__project=world.project)}  # fmt: skip
    assert (
        classes[boxes["tall"].pk]
        == classes[boxes["third"].pk]
        == classes[boxes["tiny"].pk]
        == "tall"
    )
    assert classes[boxes["big"].pk] == classes[boxes["twin"].pk] == "big"
    assert classes[boxes["wide"].pk] == "flat"
    stats = client.get(f"/api/v1/projects/{world.project.pk}/dataset/stats/").json()
    assert (
        stats["scale_classes"]["without"] == 0
        and sum(stats["scale_classes"]["counts"].values()) == 7
    )

    again = client.post(url, names, format="json").json()
    assert again["matched"] == 0  # nothing moved: a rebuild writes nothing
    _box(world, boxes["big"].image, world.labels[0], 10, 10, 30, 90)  # a new tall box
    rebuilt = client.post(url, {"k": 3}, format="json").json()  # no names: the last ones stay
    assert set(rebuilt["operation"]["params"]["names"]) == {"tall", "big", "flat"}
    assert rebuilt["matched"] >= 1  # the new box gets its class (and k-means may regroup)
    undo = client.post(body["operation"]["undo"]).json()["undo_counts"]
    moved = rebuilt["changed"] - 1  # boxes of the first apply that the rebuild renamed
    assert undo == {"reverted": 7 - moved, "conflicts": moved}
    originals = Annotation.objects.filter(pk__in=[a.pk for a in boxes.values()])
    assert sum("scale_class" not in a.attributes for a in originals) == 7 - moved


def test_normalize_aspect_on_one_shape_cluster(world, boxes) -> None:
    client = world.client("manager")
    url = f"/api/v1/projects/{world.project.pk}/dataset/normalize-aspect/"
    tall = {"k": 3, "mode": "compute", "index": 0}  # smallest ratio first: tiny, tall, third
    body = client.post(url, {"cluster": tall, "ratio": 0.25, "dry_run": True}, format="json").json()
    assert body["matched"] == 1, body  # only the 1:3 box grows; 1:4 and 3:20 are past 1:4
    assert body["examples"][0]["boxes"][0]["id"] == boxes["third"].pk
    applied = client.post(url, {"cluster": tall, "ratio": 0.25}, format="json").json()
    assert applied["changed"] == 1 and applied["operation"]["params"]["cluster"]["centers"]
    bad = client.post(url, {"cluster": {**tall, "index": 7}, "ratio": 0.25}, format="json")
    assert bad.status_code == 400 and "clusters" in bad.json()["detail"]
    neither = client.post(url, {"ratio": 0.25}, format="json")
    assert neither.status_code == 400 and "label or a cluster" in neither.json()["detail"]
