"""Frames from a video for a video import, decoded by PyAV (FFmpeg inside the wheel): every
Nth frame or N frames a second, in an optional time range, skipping a frame whose 64-bit
difference hash is within `dedupe_distance` bits of the last kept frame's (many frames of the
same scene add nothing to a dataset)."""

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

import av

from ml.phash import dhash, hash_distance

from .formats.base import FormatError

VIDEO_EXTENSIONS = (".mp4", ".mov", ".avi", ".mkv", ".webm")
DEFAULT_FPS = 1.0  # when neither every_n_frames nor fps is given
JPEG_QUALITY = 92


@dataclass(frozen=True)
class VideoOptions:
    every_n_frames: int | None = None
    fps: float | None = None
    start: float | None = None  # seconds
    end: float | None = None
    dedupe_distance: int = 0  # bits of 64; 0 keeps every sampled frame

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> "VideoOptions":
        return cls(**{k: v for k, v in raw.items() if k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Frame:
    time: float  # seconds from the video's start
    jpeg: bytes | None  # None: decoded and not kept (sampled out, or like the last kept)
    read: int  # frames decoded so far, and the stream's estimated total
    total: int


def is_video(name: str) -> bool:
    return name.lower().endswith(VIDEO_EXTENSIONS)


def probe(source: IO[bytes] | str, *, max_pixels: int) -> float:
    """The seconds of a video's first video stream; FormatError when it has none, its frames
    are over `max_pixels`, or it is not a video PyAV can read (an upload is checked in the
    request)."""
    with _open(source) as container:
        return _duration(container, _video_stream(container, max_pixels))


def _open(source: IO[bytes] | str) -> Any:
    try:
        return av.open(source, mode="r")
    except (av.FFmpegError, ValueError, OSError) as exc:
        raise FormatError(f"Not a readable video: {exc}", code="invalid_video") from exc


def _video_stream(container: Any, max_pixels: int) -> Any:
    if not container.streams.video:
        raise FormatError("The file has no video stream.", code="invalid_video")
    stream = container.streams.video[0]
    width, height = stream.codec_context.width, stream.codec_context.height
    if width * height > max_pixels:
        raise FormatError(f"Frames of {width}x{height} are over the {max_pixels:,}-pixel "
                          "limit.", code="image_too_large")  # fmt: skip
    return stream


def read_frames(source: IO[bytes] | str, options: VideoOptions, *, max_pixels: int,
                max_frames: int) -> Iterator[Frame]:  # fmt: skip
    """Every frame decoded in the range, in time order, the kept ones as JPEG (so the caller
    can report progress and stop between frames). Raises FormatError for a file
    that is not a video PyAV can decode, or frames over `max_pixels`."""
    with _open(source) as container:
        stream = _video_stream(container, max_pixels)
        stream.thread_type = "AUTO"
        rate = float(stream.average_rate or stream.guessed_rate or 25)
        duration = _duration(container, stream)
        span = min(duration, options.end or duration) - (options.start or 0.0)
        estimate = round(max(span, 0.0) * rate)
        ranged = options.start is not None or options.end is not None
        total = max(estimate if ranged else max(int(stream.frames or 0), estimate), 1)
        sampled = total / options.every_n_frames if options.every_n_frames else span * (
            options.fps or DEFAULT_FPS)  # fmt: skip
        if sampled > max_frames * 1.05:
            raise _too_many(max_frames)
        if options.start:
            container.seek(int(options.start / stream.time_base), stream=stream, backward=True)
        yield from _sample(container, stream, options, rate, total, max_frames)


def _duration(container: Any, stream: Any) -> float:
    if stream.duration is not None and stream.time_base:
        return float(stream.duration * stream.time_base)
    return float(container.duration or 0) / av.time_base


def _sample(container: Any, stream: Any, options: VideoOptions, rate: float, total: int,
            max_frames: int) -> Iterator[Frame]:  # fmt: skip
    start, end = options.start or 0.0, options.end
    step = 1.0 / (options.fps or DEFAULT_FPS)
    next_time: float | None = None
    read = kept = 0
    last_hash: int | None = None
    try:
        for index, frame in enumerate(container.decode(stream)):
            t = float(frame.time) if frame.time is not None else index / rate
            if t < start - 1e-6:
                continue  # before the range: the seek lands on the keyframe before it
            if end is not None and t > end + 1e-6:
                return
            read += 1
            if options.every_n_frames:
                take = (read - 1) % options.every_n_frames == 0
            else:
                take = next_time is None or t >= next_time - 1e-6
                if take:
                    next_time = (t if next_time is None else next_time) + step
                    while next_time <= t:
                        next_time += step
            if not take:
                yield Frame(time=t, jpeg=None, read=read, total=max(total, read))
                continue
            image = frame.to_image()
            digest = dhash(image)
            if (options.dedupe_distance and last_hash is not None
                    and hash_distance(digest, last_hash) <= options.dedupe_distance):  # fmt: skip
                yield Frame(time=t, jpeg=None, read=read, total=max(total, read))
                continue
            last_hash = digest
            kept += 1
            if kept > max_frames:
                raise _too_many(max_frames)
            out = io.BytesIO()
            image.save(out, "JPEG", quality=JPEG_QUALITY)
            yield Frame(time=round(t, 3), jpeg=out.getvalue(), read=read, total=max(total, read))
    except av.FFmpegError as exc:
        raise FormatError(f"The video is corrupt after {read} frames: {exc}",
                          code="invalid_video") from exc  # fmt: skip


def _too_many(max_frames: int) -> FormatError:
    return FormatError(f"More than {max_frames:,} frames would be kept: sample fewer (a lower "
                       "fps, a larger every_n_frames or a time range).", code="too_many_frames")  # fmt: skip
