"""Video import: a real video encoded here with PyAV, sampled by fps / every Nth frame / a
time range, near-identical frames skipped by perceptual hash, frames named and filterable
by video and time, a second import creating nothing, and fake videos refused in the request."""

import io

import av
import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.datasets.models import DatasetImport
from apps.datasets.video import VideoOptions, read_frames
from apps.images.models import Image
from tests.helpers.processes import run_worker

pytestmark = pytest.mark.django_db

RATE, SCENES = 10, 4  # 4 one-second scenes, each a different still picture


def make_video(container: str = "mp4", codec: str = "mpeg4") -> bytes:
    rng = np.random.default_rng(7)
    buf = io.BytesIO()
    with av.open(buf, mode="w", format=container) as out:
        stream = out.add_stream(codec, rate=RATE)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for _ in range(SCENES):
            blocks = rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)
            picture = np.kron(blocks, np.ones((8, 8, 1), dtype=np.uint8))  # 48x64 blocks
            for _ in range(RATE):
                for packet in stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")):
                    out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()


VIDEO = make_video()


def _kept(data: bytes = VIDEO, **options) -> list[float]:
    frames = read_frames(io.BytesIO(data), VideoOptions(**options), max_pixels=10**6,
                         max_frames=1000)  # fmt: skip
    return [f.time for f in frames if f.jpeg is not None]


def test_sampling_by_fps_every_nth_frame_and_time_range() -> None:
    assert _kept(fps=2) == [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5]
    assert _kept(every_n_frames=10) == [0.0, 1.0, 2.0, 3.0]
    assert _kept(fps=1, start=1.0, end=2.5) == [1.0, 2.0]
    assert len(_kept(every_n_frames=1)) == RATE * SCENES


def test_near_identical_frames_are_skipped_by_perceptual_hash() -> None:
    assert _kept(every_n_frames=1, dedupe_distance=10) == [0.0, 1.0, 2.0, 3.0]  # one per scene
    assert len(_kept(every_n_frames=1, dedupe_distance=0)) == 40


def test_too_many_frames_is_refused_before_any_is_kept() -> None:
    frames = read_frames(io.BytesIO(VIDEO), VideoOptions(every_n_frames=1), max_pixels=10**6,
                         max_frames=5)  # fmt: skip
    with pytest.raises(Exception, match="More than 5 frames"):
        next(frames)


@pytest.fixture
def world(world, django_capture_on_commit_callbacks):
    """The test's transaction never commits: a request's on-commit callbacks (the job's
    enqueue) run when it ends, as its commit would."""
    world.commits = django_capture_on_commit_callbacks
    return world


def _post(world, data: bytes, name: str, **fields):
    client = world.client("manager")
    with world.commits(execute=True):
        response = client.post(f"/api/v1/projects/{world.project.pk}/imports/",
                               {"file": SimpleUploadedFile(name, data), **fields},
                               format="multipart")  # fmt: skip
    return client, response


def test_a_video_import_through_the_api_and_a_worker(world) -> None:
    client, response = _post(world, VIDEO, "clip.mp4", fps=2, dedupe_distance=10)
    assert response.status_code == 202, response.json()
    assert response.json()["format"] == "video"
    assert response.json()["options"] == {"fps": 2.0, "dedupe_distance": 10}
    run_worker("default")
    job = client.get(f"/api/v1/imports/{response.json()['id']}/").json()
    assert (job["status"], job["detected_format"], job["progress"]) == ("succeeded", "video", 1.0)
    assert job["counts"]["images_created"] == 4 and job["counts"]["frames_skipped"] == 36
    frames = Image.objects.filter(project=world.project).order_by("frame_time")
    assert [(i.source_video, i.frame_time) for i in frames] == [
        ("clip.mp4", t) for t in (0.0, 1.0, 2.0, 3.0)
    ]
    assert frames[1].filename == "clip_000001.000s.jpg"
    assert (frames[0].width, frames[0].height, frames[0].format) == (64, 48, "JPEG")

    listed = client.get(f"/api/v1/projects/{world.project.pk}/images/",
                        {"video": "clip.mp4", "frame_from": 1.5}).json()["results"]  # fmt: skip
    assert [(i["source_video"], i["frame_time"]) for i in listed] == [
        ("clip.mp4", 2.0),
        ("clip.mp4", 3.0),
    ]
    assert client.get(f"/api/v1/projects/{world.project.pk}/images/",
                      {"video": "other.mp4"}).json()["results"] == []  # fmt: skip
    videos = client.get(f"/api/v1/projects/{world.project.pk}/videos/").json()["results"]
    assert videos == [{"video": "clip.mp4", "frames": 4, "start": 0.0, "end": 3.0}]

    _, again = _post(world, VIDEO, "clip.mp4", fps=2, dedupe_distance=10)
    run_worker("default")
    second = client.get(f"/api/v1/imports/{again.json()['id']}/").json()
    assert second["counts"]["images_created"] == 0 and second["counts"]["images_existing"] == 4
    assert Image.objects.filter(project=world.project).count() == 4


def test_other_containers_decode() -> None:
    assert _kept(make_video("matroska"), every_n_frames=10) == [0.0, 1.0, 2.0, 3.0]


@pytest.mark.parametrize(("data", "name", "fields", "code"), [
    (b"definitely not a video", "clip.mp4", {}, "invalid_video"),
    (VIDEO[: len(VIDEO) // 8], "cut.mp4", {"format": "video"}, "invalid_video"),
    (VIDEO, "clip.mp4", {"fps": 1, "every_n_frames": 2}, "invalid_options"),
    (VIDEO, "clip.mp4", {"start": 3, "end": 2}, "invalid_options"),
    (VIDEO, "clip.mp4", {"start": 60}, "invalid_options"),
])  # fmt: skip
def test_fake_or_wrong_videos_are_refused_in_the_request(world, data, name, fields, code) -> None:
    _, response = _post(world, data, name, **fields)
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == code, response.json()
    assert not DatasetImport.objects.exists()


def test_a_cancel_stops_between_frames_and_keeps_what_was_stored(world) -> None:
    from apps.datasets.importer import ImportReport, import_frames

    frames = read_frames(io.BytesIO(VIDEO), VideoOptions(every_n_frames=10), max_pixels=10**6,
                         max_frames=1000)  # fmt: skip
    calls: list[int] = []

    def progress(done: int, total: int) -> bool:
        calls.append(done)
        return done < 12  # the cancel arrives after the 12th decoded frame

    report = ImportReport()
    done = import_frames(project=world.project, user=None, video_name="clip.mp4", frames=frames,
                         report=report, progress=progress)  # fmt: skip
    assert done is False and calls[-1] == 12 and calls[-1] < RATE * SCENES
    assert report.images_created == 2  # frames 0 and 10: each whole, none half-stored
    assert sorted(
        Image.objects.filter(project=world.project).values_list("frame_time", flat=True)
    ) == [0.0, 1.0]
