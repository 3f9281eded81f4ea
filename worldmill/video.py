"""Video encode/decode through PyAV: H.264 for viewable streams, FFV1 gray16le for lossless 16-bit maps.

Every write goes to a temporary name in the target folder and is renamed into place, so a reader never
sees half a file. Every read failure (missing, empty, corrupt, truncated) raises ``VideoError`` naming the
file, because FFmpeg's own messages rarely say which of many condition videos was at fault.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import hashlib
import os
import threading
import uuid
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Self

import av
import cv2
import numpy as np
from av.video.reformatter import VideoReformatter

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
        raise VideoError(
            f"Cannot write {path}: frames have dtype {frames.dtype}, expected {dtype.__name__}.",
            fix=f"convert with .astype(np.{dtype.__name__})",
        )
    height, width = frames.shape[1:3]
    if height % 2 or width % 2:
        raise VideoError(
            f"Cannot write {path}: size {width}x{height} is odd.", fix="use even frame sizes (4:2:0 chroma needs them)"
        )
    return frames


@functools.cache
def gray_yuv420p(width: int, height: int) -> tuple[np.ndarray, int, int] | None:
    """What FFmpeg's own rgb24 → yuv420p conversion makes of gray (R = G = B) frames of this size, asked of it
    once per process and size: (luma of each of the 256 levels, U, V), or ``None`` where a gray pixel's luma
    depends on its neighbours or the chroma is not one constant (or the frame is smaller than 32x32). A gray
    frame then goes to yuv420p by a table lookup, with the planes (so the bytes) that repeating it into RGB
    and converting would give, for a fraction of the CPU."""
    if width * height < 1024 or width % 2 or height % 2:
        return None
    y, x = np.mgrid[0:height, 0:width]
    levels = (((y // 2) * (width // 2) + x // 2) % 256).astype(np.uint8)  # every level, in 2x2 blocks
    noise = np.random.default_rng(0).integers(0, 256, size=(height, width), dtype=np.uint8)
    reformatter = VideoReformatter()
    luma = np.empty(256, dtype=np.uint8)
    u = v = None
    for gray in (levels, noise):
        rgb = av.VideoFrame.from_ndarray(np.repeat(gray[..., None], 3, axis=-1), format="rgb24")
        yuv = reformatter.reformat(rgb, format="yuv420p").to_ndarray()
        y_plane, (chroma_u, chroma_v) = yuv[:height], _yuv420p_chroma(yuv, width, height)
        if u is None:
            luma[gray] = y_plane
            u, v = int(chroma_u[0]), int(chroma_v[0])
        if not (np.array_equal(y_plane, luma[gray]) and (chroma_u == u).all() and (chroma_v == v).all()):
            return None
    return luma, u, v


def _yuv420p_chroma(yuv: np.ndarray, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """The U and V planes (flat views) of a yuv420p frame as PyAV's ``to_ndarray``/``from_ndarray`` lay it out:
    the Y rows, then U's bytes, then V's."""
    chroma = yuv.reshape(-1)[width * height :]
    return chroma[: chroma.size // 2], chroma[chroma.size // 2 :]


class VideoWriter:
    """Streams frames into a video at a temporary name; on a clean exit the file is renamed into place.

    Use ``rgb_writer`` / ``gray16_writer``; frames are written one at a time, so a caller can encode a long
    clip (or a derived video computed frame by frame) without holding all of it in memory.
    """

    def __init__(
        self,
        path: Path,
        container_format: str,
        codec: str,
        pix_fmt: str,
        in_format: str,
        width: int,
        height: int,
        fps: int,
        options: dict[str, str],
        channels: int,
        dtype: type,
    ):
        self.path = Path(path)
        if not isinstance(fps, int) or fps <= 0:
            raise VideoError(
                f"Cannot write {self.path}: fps={fps!r} is not a positive integer.",
                fix="pass the clip's integer frame rate",
            )
        if height % 2 or width % 2 or width <= 0 or height <= 0:
            raise VideoError(
                f"Cannot write {self.path}: size {width}x{height} is odd or empty.",
                fix="use even, positive frame sizes (4:2:0 chroma needs them)",
            )
        self.width, self.height, self.channels, self.dtype = width, height, channels, dtype
        self.codec, self.in_format = codec, in_format
        self.frames = 0
        gray = gray_yuv420p(width, height) if (channels, in_format, pix_fmt) == (3, "rgb24", "yuv420p") else None
        self._gray_luma = None if gray is None else gray[0]
        self._gray_yuv = None  # where gray frames go: Y from the lookup, constant chroma
        if gray is not None:
            self._gray_yuv = np.empty((height * 3 // 2, width), dtype=np.uint8)
            chroma_u, chroma_v = _yuv420p_chroma(self._gray_yuv, width, height)
            chroma_u[:], chroma_v[:] = gray[1], gray[2]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._temp = _temp_path(self.path)
        try:
            # bitexact: no random segment ids or dates in the container, so the same frames give the same bytes
            self._container = av.open(str(self._temp), "w", format=container_format, options={"fflags": "+bitexact"})
            self._stream = self._container.add_stream(codec, rate=Fraction(fps, 1))
            self._stream.width, self._stream.height, self._stream.pix_fmt = width, height, pix_fmt
            self._stream.options = options
        except av.error.FFmpegError as exc:
            self._temp.unlink(missing_ok=True)
            raise VideoError(
                f"Cannot open {self.path} for {codec}: {exc}.", fix="check the folder is writable"
            ) from exc

    def write(self, frame: np.ndarray) -> None:
        """One frame: uint8 [H, W, 3] (a gray [H, W] frame is written as if repeated into RGB) or uint16 [H, W]."""
        frame = np.asarray(frame)
        if self.channels == 3 and frame.ndim == 2:
            if self._gray_luma is not None and frame.shape == (self.height, self.width) and frame.dtype == np.uint8:
                cv2.LUT(frame, self._gray_luma, dst=self._gray_yuv[: self.height])
                self._encode(av.VideoFrame.from_ndarray(self._gray_yuv, format="yuv420p"))  # copies the buffer
                return
            frame = np.repeat(frame[..., None], 3, axis=-1)
        expected = (self.height, self.width, 3) if self.channels == 3 else (self.height, self.width)
        if frame.shape != expected or frame.dtype != self.dtype:
            raise VideoError(
                f"Cannot write {self.path}: frame {self.frames} is {frame.dtype} {frame.shape}, expected {self.dtype.__name__} {expected}.",
                fix="pass frames of one size and dtype",
            )
        self._encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format=self.in_format))

    def _encode(self, frame: av.VideoFrame) -> None:
        try:
            self._container.mux(self._stream.encode(frame))
        except av.error.FFmpegError as exc:
            raise VideoError(
                f"Encoding {self.path} with {self.codec} failed at frame {self.frames}: {exc}.",
                fix="check free disk space",
            ) from exc
        self.frames += 1

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        complete = exc_type is None and self.frames > 0
        try:
            if complete:
                self._container.mux(self._stream.encode(None))
            self._container.close()
            if complete:
                os.replace(self._temp, self.path)
        except av.error.FFmpegError as err:
            raise VideoError(f"Finishing {self.path} failed: {err}.", fix="check free disk space") from err
        finally:
            self._temp.unlink(missing_ok=True)
        if exc_type is None and not complete:
            raise VideoError(f"Cannot write {self.path}: no frames were given.", fix="write at least one frame")


def _check_h264(path: Path, crf: int, preset: str) -> None:
    if preset not in H264_PRESETS:
        raise VideoError(
            f"Cannot write {path}: unknown x264 preset {preset!r}.", fix=f"use one of {', '.join(H264_PRESETS)}"
        )
    if not 0 <= crf <= 51:
        raise VideoError(
            f"Cannot write {path}: crf={crf} is outside 0..51.", fix="use 18 for near-lossless, 23 for the x264 default"
        )


def rgb_writer(
    path: Path, width: int, height: int, fps: int, *, crf: int = 18, preset: str = "superfast", threads: int = 0
) -> VideoWriter:
    """A streaming H.264 yuv420p mp4 writer (see ``write_rgb``). The default preset is ``superfast``: with
    ``veryfast`` (mb-tree) the same frames gave different bytes when several encoders ran in one process."""
    _check_h264(Path(path), crf, preset)
    options = {"crf": str(crf), "preset": preset, "threads": str(threads)}
    return VideoWriter(path, "mp4", "libx264", "yuv420p", "rgb24", width, height, fps, options, 3, np.uint8)


def gray16_writer(path: Path, width: int, height: int, fps: int = 24, *, threads: int = 0) -> VideoWriter:
    """A streaming lossless FFV1 gray16le Matroska writer (see ``write_gray16``). Its 4 slices give the same bytes
    on any number of ``threads`` (0: FFmpeg's choice); one thread spends ~15 % less CPU time, which is what
    one-process-per-core pools want."""
    return VideoWriter(
        path,
        "matroska",
        "ffv1",
        "gray16le",
        "gray16le",
        width,
        height,
        fps,
        {"level": "3", "coder": "0", "slices": "4", "threads": str(threads)},
        1,
        np.uint16,
    )


def write_rgb(
    path: Path, frames: np.ndarray, fps: int, *, crf: int = 18, preset: str = "superfast", threads: int = 0
) -> Path:
    """H.264 yuv420p mp4 from uint8 [T, H, W, 3] RGB. ``threads=1`` suits one-process-per-core pools."""
    path = Path(path)
    frames = _check_frames(path, frames, 4, np.uint8, "[T, H, W, 3]")
    if frames.shape[-1] != 3:
        raise VideoError(
            f"Cannot write {path}: last axis is {frames.shape[-1]}, expected 3 (RGB).", fix="pass RGB frames"
        )
    with rgb_writer(path, frames.shape[2], frames.shape[1], fps, crf=crf, preset=preset, threads=threads) as writer:
        for frame in frames:
            writer.write(frame)
    return path


def write_gray16(path: Path, frames: np.ndarray, fps: int = 24, *, threads: int = 0) -> Path:
    """Lossless FFV1 gray16le Matroska from uint16 [T, H, W] (depth in mm, instance ids): bit-exact round trip."""
    path = Path(path)
    frames = _check_frames(path, frames, 3, np.uint16, "[T, H, W]")
    with gray16_writer(path, frames.shape[2], frames.shape[1], fps, threads=threads) as writer:
        for frame in frames:
            writer.write(frame)
    return path


def _open_for_read(path: Path) -> av.container.InputContainer:
    path = Path(path)
    if not path.is_file():
        raise VideoError(f"Video file {path} does not exist.", fix="check the path, or re-run the step that writes it")
    if path.stat().st_size == 0:
        raise VideoError(f"Video file {path} is empty (0 bytes).", fix="delete it and re-render the sample")
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, ValueError) as exc:
        raise VideoError(
            f"Video file {path} cannot be opened: {exc}.",
            fix="the file is corrupt or truncated; delete it and re-render",
        ) from exc
    if not container.streams.video:
        container.close()
        raise VideoError(
            f"Video file {path} has no video stream.", fix="the file is not a video; delete it and re-render"
        )
    return container


def _declared_frames(container: av.container.InputContainer) -> int | None:
    stream = container.streams.video[0]
    if stream.frames:
        return int(stream.frames)
    if container.duration and stream.average_rate:
        return round(container.duration / 1_000_000 * float(stream.average_rate))
    return None


def _decode(path: Path, pix_fmt: str, only: Sequence[int] | None = None, first: int | None = None) -> np.ndarray:
    """Every frame, or the frames at indices ``only`` (each still decoded, only those converted), or the
    ``first`` frames (decoded on one thread; the later packets are only counted, so truncation is still found)."""
    container = _open_for_read(path)
    wanted = None if only is None else set(only)
    reformatter = VideoReformatter()  # one conversion context for all frames: same pixels, a third of the CPU
    try:
        with container:
            declared = _declared_frames(container)
            frames, count = [], 0
            if first is not None:
                frames, count = _decode_first(container, pix_fmt, first, reformatter)
            else:
                for frame in container.decode(video=0):
                    if wanted is None or count in wanted:
                        frames.append(reformatter.reformat(frame, format=pix_fmt).to_ndarray())
                    count += 1
    except (av.error.FFmpegError, ValueError) as exc:
        raise VideoError(
            f"Video file {path} is corrupt: decoding failed with {exc}.", fix="delete it and re-render the sample"
        ) from exc
    if not count or (first is not None and not frames):
        raise VideoError(
            f"Video file {path} holds no decodable frames.",
            fix="the file is truncated or corrupt; delete it and re-render",
        )
    if declared is not None and count < declared - 1:
        raise VideoError(
            f"Video file {path} is truncated: the container declares {declared} frames but only {count} decode.",
            fix="delete it and re-render the sample",
        )
    if only is not None and max(only, default=-1) >= count:
        raise VideoError(
            f"Video file {path} has {count} frames; frame {max(only)} was asked for.",
            fix="re-render the sample (its videos should have the clip's frame count)",
        )
    if only is not None:
        order = sorted(wanted)
        return np.stack([frames[order.index(i)] for i in only])
    return np.stack(frames)


def _decode_first(
    container: av.container.InputContainer, pix_fmt: str, first: int, reformatter: VideoReformatter
) -> tuple[list[np.ndarray], int]:
    """The first ``first`` frames and the number of frame packets in the stream."""
    stream = container.streams.video[0]
    stream.thread_type = "NONE"  # a frame comes out with its own packet, not some packets later
    frames: list[np.ndarray] = []
    count = 0
    for packet in container.demux(stream):
        if len(frames) < first:  # the last, empty packet flushes the decoder
            frames.extend(reformatter.reformat(frame, format=pix_fmt).to_ndarray() for frame in packet.decode())
        count += bool(packet.size)
    return frames[:first], count


class KeptArrays:
    """Arrays held for one more read of the same bytes in this process, keyed by those bytes' digest: the reader
    takes one over instead of decoding its file again. Read-only while held; at most ``max_bytes`` in all, the
    oldest dropped first."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._arrays: collections.OrderedDict[str, np.ndarray] = collections.OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(data: bytes) -> str:
        return hashlib.blake2b(data, digest_size=16).hexdigest()

    def put(self, key: str, array: np.ndarray) -> None:
        array.flags.writeable = False  # shared with the next reader: nobody writes into it
        with self._lock:
            self._arrays[key] = array
            while sum(a.nbytes for a in self._arrays.values()) > self.max_bytes:
                self._arrays.popitem(last=False)

    def take(self, key: str) -> np.ndarray | None:
        with self._lock:
            return self._arrays.pop(key, None)

    def discard(self, array: np.ndarray) -> None:
        with self._lock:
            for key in [k for k, kept in self._arrays.items() if kept is array]:
                del self._arrays[key]

    def values(self) -> list[np.ndarray]:
        with self._lock:
            return list(self._arrays.values())

    def clear(self) -> None:
        with self._lock:
            self._arrays.clear()

    def __len__(self) -> int:
        return len(self._arrays)


# Decoded clips kept for one more read of the same bytes in this process (``read_frames(..., keep=True)``): a
# lane's clips step decodes each clip's footage and segmentation, and its scores step reads them again.
KEPT_MAX_BYTES = 96 * 2**20
_KEPT = KeptArrays(KEPT_MAX_BYTES)


def read_frames(path: Path, *, keep: bool = False, only: Sequence[int] | None = None) -> np.ndarray:
    """All frames as uint8 [T, H, W, 3] RGB (``only``: the frames at those indices, in that order).

    ``keep``: also hold the decoded frames (read-only, at most ``KEPT_MAX_BYTES`` in all, oldest dropped first)
    for the next read of a file with the same bytes, which takes them over (writable again) instead of
    decoding; any read of such bytes gets them, so two steps of one process decode a clip once."""
    path = Path(path)
    key = KeptArrays.key(path.read_bytes()) if (_KEPT or keep) and path.is_file() else None
    kept = _KEPT.take(key) if key else None
    if kept is not None:
        kept.flags.writeable = True
        return kept if only is None else kept[list(only)]
    frames = _decode(path, "rgb24", only)
    if keep and only is None:
        _KEPT.put(key, frames)
    return frames


def discard_kept(frames: np.ndarray) -> None:
    """Drop ``frames`` if ``read_frames(..., keep=True)`` holds them (their file was replaced: nobody reads them)."""
    _KEPT.discard(frames)


def read_gray16(path: Path, *, first: int | None = None) -> np.ndarray:
    """All frames of a gray16le video as uint16 [T, H, W] (``first``: only that many frames are decoded)."""
    return _decode(Path(path), "gray16le", first=first)


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
            info = VideoInfo(
                path=path,
                codec=ctx.name,
                pix_fmt=ctx.pix_fmt or "",
                width=ctx.width,
                height=ctx.height,
                fps=fps,
                frames=frames,
                duration_s=duration,
            )
    except (av.error.FFmpegError, ValueError) as exc:
        raise VideoError(
            f"Video file {path} is corrupt: reading its packets failed with {exc}.",
            fix="delete it and re-render the sample",
        ) from exc
    if frames == 0:
        raise VideoError(
            f"Video file {path} holds no frames.", fix="the file is truncated or corrupt; delete it and re-render"
        )
    return info
