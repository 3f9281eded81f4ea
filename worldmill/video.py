"""Video encode/decode through PyAV: H.264 for viewable streams, FFV1 gray16le for lossless 16-bit maps.

Every write goes to a temporary name in the target folder and is renamed into place, so a reader never
sees half a file. Every read failure (missing, empty, corrupt, truncated) raises ``VideoError`` naming the
file, because FFmpeg's own messages rarely say which of many condition videos was at fault.
"""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from worldmill.errors import VideoError

H264_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow")


@dataclasses.dataclass(frozen=True)
class VideoInfo:
    """What a container says about its first video stream (frames are counted by decoding)."""

    path: Path
    codec: str
    pix_fmt: str
    width: int
    height: int
    fps: float
    frames: int
    duration_s: float


def _temp_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")


def _check_frames(path: Path, frames: np.ndarray, ndim: int, dtype: type, what: str) -> np.ndarray:
    frames = np.asarray(frames)
    if frames.ndim != ndim or frames.shape[0] == 0:
        raise VideoError(
            f"Cannot write {path}: expected {what} frames with {ndim} dimensions and at least one frame, got shape {frames.shape}.",
            fix=f"pass a {dtype.__name__} array shaped {what}",
        )
    if frames.dtype != dtype:
        raise VideoError(f"Cannot write {path}: frames have dtype {frames.dtype}, expected {dtype.__name__}.", fix=f"convert with .astype(np.{dtype.__name__})")
    height, width = frames.shape[1:3]
    if height % 2 or width % 2:
        raise VideoError(f"Cannot write {path}: size {width}x{height} is odd.", fix="use even frame sizes (4:2:0 chroma needs them)")
    return frames


def _encode(path: Path, container_format: str, codec: str, pix_fmt: str, in_format: str, frames: Iterable[np.ndarray], width: int, height: int, fps: int, options: dict[str, str]) -> Path:
    path = Path(path)
    if not isinstance(fps, int) or fps <= 0:
        raise VideoError(f"Cannot write {path}: fps={fps!r} is not a positive integer.", fix="pass the clip's integer frame rate")
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = _temp_path(path)
    try:
        with av.open(str(temp), "w", format=container_format) as container:
            stream = container.add_stream(codec, rate=Fraction(fps, 1))
            stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
            stream.options = options
            for frame in frames:
                video_frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format=in_format)
                container.mux(stream.encode(video_frame))
            container.mux(stream.encode(None))
        os.replace(temp, path)
    except av.error.FFmpegError as exc:
        raise VideoError(f"Encoding {path} with {codec} failed: {exc}.", fix="check the frame size, pixel format and free disk space") from exc
    finally:
        temp.unlink(missing_ok=True)
    return path


def write_rgb(path: Path, frames: np.ndarray, fps: int, *, crf: int = 18, preset: str = "veryfast", threads: int = 0) -> Path:
    """H.264 yuv420p mp4 from uint8 [T, H, W, 3] RGB. ``threads=1`` suits one-process-per-core pools."""
    path = Path(path)
    frames = _check_frames(path, frames, 4, np.uint8, "[T, H, W, 3]")
    if frames.shape[-1] != 3:
        raise VideoError(f"Cannot write {path}: last axis is {frames.shape[-1]}, expected 3 (RGB).", fix="pass RGB frames")
    if preset not in H264_PRESETS:
        raise VideoError(f"Cannot write {path}: unknown x264 preset {preset!r}.", fix=f"use one of {', '.join(H264_PRESETS)}")
    if not 0 <= crf <= 51:
        raise VideoError(f"Cannot write {path}: crf={crf} is outside 0..51.", fix="use 18 for near-lossless, 23 for the x264 default")
    options = {"crf": str(crf), "preset": preset, "threads": str(threads)}
    return _encode(path, "mp4", "libx264", "yuv420p", "rgb24", frames, frames.shape[2], frames.shape[1], fps, options)


def write_gray16(path: Path, frames: np.ndarray, fps: int = 24) -> Path:
    """Lossless FFV1 gray16le Matroska from uint16 [T, H, W] (depth in mm, instance ids): bit-exact round trip."""
    path = Path(path)
    frames = _check_frames(path, frames, 3, np.uint16, "[T, H, W]")
    options = {"level": "3", "coder": "0", "slices": "4"}
    return _encode(path, "matroska", "ffv1", "gray16le", "gray16le", frames, frames.shape[2], frames.shape[1], fps, options)


def _open_for_read(path: Path) -> av.container.InputContainer:
    path = Path(path)
    if not path.is_file():
        raise VideoError(f"Video file {path} does not exist.", fix="check the path, or re-run the step that writes it")
    if path.stat().st_size == 0:
        raise VideoError(f"Video file {path} is empty (0 bytes).", fix="delete it and re-render the sample")
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, ValueError) as exc:
        raise VideoError(f"Video file {path} cannot be opened: {exc}.", fix="the file is corrupt or truncated; delete it and re-render") from exc
    if not container.streams.video:
        container.close()
        raise VideoError(f"Video file {path} has no video stream.", fix="the file is not a video; delete it and re-render")
    return container


def _declared_frames(container: av.container.InputContainer) -> int | None:
    stream = container.streams.video[0]
    if stream.frames:
        return int(stream.frames)
    if container.duration and stream.average_rate:
        return int(round(container.duration / 1_000_000 * float(stream.average_rate)))
    return None


def _decode(path: Path, pix_fmt: str) -> np.ndarray:
    container = _open_for_read(path)
    try:
        with container:
            declared = _declared_frames(container)
            frames = [frame.to_ndarray(format=pix_fmt) for frame in container.decode(video=0)]
    except (av.error.FFmpegError, ValueError) as exc:
        raise VideoError(f"Video file {path} is corrupt: decoding failed with {exc}.", fix="delete it and re-render the sample") from exc
    if not frames:
        raise VideoError(f"Video file {path} holds no decodable frames.", fix="the file is truncated or corrupt; delete it and re-render")
    if declared is not None and len(frames) < declared - 1:
        raise VideoError(
            f"Video file {path} is truncated: the container declares {declared} frames but only {len(frames)} decode.",
            fix="delete it and re-render the sample",
        )
    return np.stack(frames)


def read_frames(path: Path) -> np.ndarray:
    """All frames as uint8 [T, H, W, 3] RGB."""
    return _decode(Path(path), "rgb24")


def read_gray16(path: Path) -> np.ndarray:
    """All frames of a gray16le video as uint16 [T, H, W]."""
    return _decode(Path(path), "gray16le")


def probe(path: Path) -> VideoInfo:
    """Stream facts; frames are counted by demuxing packets, which is exact and cheap."""
    path = Path(path)
    container = _open_for_read(path)
    try:
        with container:
            stream = container.streams.video[0]
            ctx = stream.codec_context
            fps = float(stream.average_rate or stream.guessed_rate or 0)
            frames = sum(1 for packet in container.demux(stream) if packet.size)
            duration = float(container.duration / 1_000_000) if container.duration else (frames / fps if fps else 0.0)
            info = VideoInfo(path=path, codec=ctx.name, pix_fmt=ctx.pix_fmt or "", width=ctx.width, height=ctx.height, fps=fps, frames=frames, duration_s=duration)
    except (av.error.FFmpegError, ValueError) as exc:
        raise VideoError(f"Video file {path} is corrupt: reading its packets failed with {exc}.", fix="delete it and re-render the sample") from exc
    if frames == 0:
        raise VideoError(f"Video file {path} holds no frames.", fix="the file is truncated or corrupt; delete it and re-render")
    return info
