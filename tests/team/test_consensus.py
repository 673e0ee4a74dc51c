"""Consensus: a manager sends images to several annotators, who label them blind (none sees
another's labels); a reviewer sees each one's labels, their agreement and the merge
(majority tags, fused boxes), and confirms it into the image's labels, with history. The
figures are worked by hand."""

import pytest
from django.contrib.auth import get_user_model

from apps.annotations.models import Annotation, AnnotationEvent, Attempt
from apps.annotations.services import annotation_create
from apps.images.models import Batch, Image, ImageEvent
from apps.projects.models import Membership, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def crowd(world):
    second = get_user_model().objects.create_user("annotator2", password="pw")
    Membership.objects.create(project=world.project, user=second, role=Role.ANNOTATOR)
    world.users["annotator2"] = second
    return ["annotator", "annotator2", "manager"]


def _send(world, images, annotators, who="manager"):
    return world.client(who).post(
        f"/api/v1/projects/{world.project.pk}/consensus/",
        {"image_ids": [i.pk for i in images], "annotators": annotators}, format="json",
    )  # fmt: skip


def _label(world, name):
    return next(label.pk for label in world.labels if label.name == name)


def _box(x, y, w, h):
    return {"x": x, "y": y, "w": w, "h": h}


def _add(world, who, image, kind, label, box=None):
    body = {"kind": kind, "label": _label(world, label), **({"box": box} if box else {})}
    made = world.client(who).post(f"/api/v1/images/{image.pk}/annotations/", body, format="json")
    assert made.status_code == 201, made.json()


def test_bad_requests_store_nothing(world, make_images, crowd) -> None:
    images = make_images(2)
    assert _send(world, images, ["annotator"]).json()["code"] == "too_few_annotators"
    assert _send(world, images, ["annotator", "outsider"]).json()["code"] == "not_a_member"
    foreign = make_images(1, world.other_project)
    refused = _send(world, [images[0], *foreign], crowd)
    assert refused.status_code == 400 and refused.json()["code"] == "unknown_images"
    assert _send(world, images, crowd, who="annotator").status_code == 403
    assert not Batch.objects.exists() and not Attempt.objects.exists()


def test_blind_labelling_agreement_and_merge(world, make_images, crowd) -> None:
    images = make_images(2)
    image = images[0]
    owner = world.users["owner"]
    old = annotation_create(image=image, user=owner, kind="tag", label_id=_label(world, "robin"))
    sent = _send(world, images, crowd)
    assert sent.status_code == 201, sent.json()
    assert len(sent.json()["batches"]) == 3 and sent.json()["skipped"] == 0
    for batch in world.client("annotator2").get("/api/v1/batches/?assignee=me").json()["results"]:
        assert batch["images"] == 2 and batch["name"].startswith("Consensus")

    _add(world, "annotator", image, "tag", "sparrow")
    _add(world, "annotator", image, "box", "robin", _box(5, 5, 20, 20))
    _add(world, "annotator2", image, "tag", "sparrow")
    _add(world, "annotator2", image, "box", "robin", _box(7, 5, 20, 20))
    _add(world, "annotator2", image, "box", "sparrow", _box(30, 2, 8, 8))
    _add(world, "manager", image, "tag", "robin")
    _add(world, "manager", image, "box", "robin", _box(6, 6, 20, 20))
    mine = world.client("annotator").get(f"/api/v1/images/{image.pk}/annotations/").json()
    assert len(mine["results"]) == 2  # their own, blind to the others' and to the old tag

    reviewer = world.client("reviewer")
    listed = reviewer.get(f"/api/v1/projects/{world.project.pk}/consensus/").json()["results"]
    assert [r["image"] for r in listed] == [i.pk for i in images]
    assert listed[0]["submitted"] == 0 and listed[0]["agreement"] is None
    assert world.client("annotator").get(
        f"/api/v1/projects/{world.project.pk}/consensus/").status_code == 403  # fmt: skip
    merge_url = f"/api/v1/images/{image.pk}/consensus/merge/"
    early = reviewer.post(merge_url, {}, format="json")
    assert early.status_code == 409 and early.json()["code"] == "not_enough_attempts"

    for who in crowd:
        done = world.client(who).patch(f"/api/v1/images/{image.pk}/", {"status": "done"},
                                       format="json")  # fmt: skip
        assert done.json()["status"] == "done"
    detail = reviewer.get(f"/api/v1/images/{image.pk}/consensus/").json()
    assert detail["submitted"] == 3 and detail["quorum"] == 2 and detail["current_labels"] == 1
    people = {p["username"]: p for p in detail["annotators"]}
    assert people["annotator2"]["tags"] == ["sparrow"] and len(people["annotator2"]["boxes"]) == 2
    # sparrow tagged by 2 of 3 (kept), robin by 1; the robin boxes fuse into their mean
    assert detail["merged"]["tags"] == [{"label": "sparrow", "votes": 2}]
    (fused,) = detail["merged"]["boxes"]
    assert fused["label"] == "robin" and fused["votes"] == 3
    assert fused["box"] == {"x": 6.0, "y": 5.33, "w": 20.0, "h": 20.0}
    assert detail["merged"]["left_out_boxes"] == 1  # annotator2's sparrow box, alone
    # pairwise: (1 + 2/3) / 2, (0 + 1) / 2, (0 + 2/3) / 2 -> mean 5/9
    assert detail["agreement"] == pytest.approx(5 / 9, abs=1e-4)
    assert reviewer.get(f"/api/v1/images/{image.pk}/consensus/?quorum=1").json()["merged"][
        "left_out_boxes"] == 0  # fmt: skip
    assert world.client("annotator").get(f"/api/v1/images/{image.pk}/consensus/").status_code == 403

    merged = reviewer.post(merge_url, {}, format="json")
    assert merged.status_code == 200, merged.json()
    assert merged.json()["removed"] == 1 and merged.json()["tags"] == 1
    assert merged.json()["boxes"] == 1
    labels = Annotation.objects.filter(image=image).order_by("kind")
    assert [(a.kind, a.label.name) for a in labels] == [("box", "robin"), ("tag", "sparrow")]
    assert labels[0].y == pytest.approx(16 / 3) and labels[0].created_by == world.users["reviewer"]
    assert Image.objects.get(pk=image.pk).status == "reviewed"
    assert ImageEvent.objects.filter(image=image, action="merged").count() == 1
    gone = AnnotationEvent.objects.get(annotation_id=old.pk, action="deleted")
    assert gone.actor == world.users["reviewer"]  # the old tag is in the history, revertible
    assert Annotation.everyone.filter(image=image, worker__isnull=False).count() == 7  # kept
    # the consensus is over: everyone sees the merged labels; a second merge is refused
    assert len(world.client("annotator").get(
        f"/api/v1/images/{image.pk}/annotations/").json()["results"]) == 2  # fmt: skip
    assert reviewer.post(merge_url, {}, format="json").status_code == 409
    batch = world.client("annotator").get("/api/v1/batches/?assignee=me").json()["results"][0]
    assert batch["images"] == 2 and batch["done"] == 1

    # sending the same images again skips what each person labelled blind before
    again = _send(world, images, crowd)
    assert again.json()["skipped"] == 6 and again.json()["batches"] == []


def _rect(x0, y0, x1, y1):
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]


def _rect_mask(rows, cols, size=(30, 40)):
    import numpy as np

    from ml.geometry import mask_rle

    m = np.zeros(size, np.uint8)
    m[rows, cols] = 1
    return mask_rle(m).json()


def _shape(world, who, image, label, *, polygon=None, mask=None):
    body = {"kind": "polygon" if polygon else "mask", "label": _label(world, label),
            **({"polygon": polygon} if polygon else {"mask": mask})}  # fmt: skip
    made = world.client(who).post(f"/api/v1/images/{image.pk}/annotations/", body, format="json")
    assert made.status_code == 201, made.json()


def test_polygons_and_masks_are_compared_and_merged_by_pixel_vote(world, make_images, crowd):
    (image,) = make_images(1)  # 40 x 30
    assert _send(world, [image], crowd).status_code == 201
    # robin: 10x10 at the corner; 10x8 (IoU 0.8); 10x10 two to the right (IoU 80/120)
    _shape(world, "annotator", image, "robin", polygon=_rect(0, 0, 10, 10))
    _shape(world, "annotator2", image, "robin", polygon=_rect(0, 0, 10, 8))
    _shape(world, "manager", image, "robin", polygon=_rect(2, 0, 12, 10))
    # sparrow: a mask of columns 20-29 x rows 10-19, and a polygon of its top 8 rows
    _shape(world, "annotator", image, "sparrow", mask=_rect_mask(slice(10, 20), slice(20, 30)))
    _shape(world, "annotator2", image, "sparrow", polygon=_rect(20, 10, 30, 18))
    for who in crowd:
        world.client(who).patch(f"/api/v1/images/{image.pk}/", {"status": "done"}, format="json")
    reviewer = world.client("reviewer")
    detail = reviewer.get(f"/api/v1/images/{image.pk}/consensus/").json()
    people = {p["username"]: p for p in detail["annotators"]}
    assert [s["kind"] for s in people["annotator"]["shapes"]] == ["polygon", "mask"]
    assert people["annotator2"]["shapes"][0]["polygon"] == [_rect(0, 0, 10, 8)]
    # pairwise shape F1: 1 (both matched), 2/3, 2/3 (robin matched, sparrow on one side)
    assert detail["agreement"] == pytest.approx(7 / 9, abs=1e-4)
    robin, sparrow = sorted(detail["merged"]["shapes"], key=lambda s: s["label"])
    # robin: pixels 2 of 3 cover: columns 0-1 x rows 0-7 and columns 2-9 x rows 0-9, an L
    assert robin["kind"] == "polygon" and robin["votes"] == 3
    assert robin["polygon"] == [[[0, 0], [10, 0], [10, 10], [2, 10], [2, 8], [0, 8]]]
    assert robin["mean_iou"] == pytest.approx((96 / 100 + 80 / 96 + 80 / 116) / 3, abs=1e-4)
    # sparrow: a mask and a polygon, so a mask; both must cover a pixel: the top 8 rows
    assert sparrow["kind"] == "mask" and sparrow["votes"] == 2
    assert sparrow["mask"] == _rect_mask(slice(10, 18), slice(20, 30))
    assert detail["merged"]["left_out_shapes"] == 0
    # quorum 3: only the robin group has three members
    assert reviewer.get(f"/api/v1/images/{image.pk}/consensus/?quorum=3").json()["merged"][
        "left_out_shapes"] == 2  # fmt: skip

    merged = reviewer.post(f"/api/v1/images/{image.pk}/consensus/merge/", {}, format="json")
    assert merged.status_code == 200 and merged.json()["shapes"] == 2, merged.json()
    made = {a.kind: a for a in Annotation.objects.filter(image=image)}
    assert set(made) == {"polygon", "mask"}
    assert made["polygon"].polygon == robin["polygon"] and made["polygon"].label.name == "robin"
    assert (made["polygon"].w, made["polygon"].h) == (10, 10)
    assert made["mask"].mask == sparrow["mask"] and made["mask"].label.name == "sparrow"
    assert AnnotationEvent.objects.filter(image=image, action="created").count() == 2
