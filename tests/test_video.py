"""worldmill.video: encode/decode round trips, 16-bit exactness, and typed errors for broken files."""

from __future__ import annotations

import numpy as np
import pytest

from worldmill import video
from worldmill.errors import VideoError


def smooth_rgb(frames: int = 8, size: int = 64) -> np.ndarray:
    """Moving gradients: realistic for a codec, unlike noise."""
    y, x = np.mgrid[0:size, 0:size].astype(np.float32)
    out = np.empty((frames, size, size, 3), dtype=np.uint8)
    for t in range(frames):
        out[t, ..., 0] = (x * 3 + t * 4) % 256
        out[t, ..., 1] = (y * 3) % 256
        out[t, ..., 2] = 128 + 60 * np.sin((x + y + t * 3) / 9.0)
    return out


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 99.0 if mse == 0 else 10 * np.log10(255.0**2 / mse)


def test_rgb_round_trip_is_close_and_probe_reports_the_stream(tmp_path):
    frames = smooth_rgb()
    path = video.write_rgb(tmp_path / "clip.mp4", frames, fps=24, crf=18)
    back = video.read_frames(path)
    assert back.shape == frames.shape and back.dtype == np.uint8
    assert psnr(frames, back) > 30.0
    info = video.probe(path)
    assert (info.codec, info.pix_fmt, info.width, info.height, info.frames) == ("h264", "yuv420p", 64, 64, 8)
    assert info.fps == pytest.approx(24.0)


def test_gray16_round_trip_is_bit_exact_over_the_full_range(tmp_path):
    rng = np.random.default_rng(0)
    depth_mm = rng.integers(0, 65536, size=(8, 64, 64), dtype=np.uint16)
    depth_mm[0, 0, :4] = [0, 1, 65534, 65535]
    path = video.write_gray16(tmp_path / "depth.mkv", depth_mm, fps=24)
    back = video.read_gray16(path)
    assert back.dtype == np.uint16
    np.testing.assert_array_equal(back, depth_mm)
    assert video.probe(path).codec == "ffv1"


def test_writes_leave_no_temporary_files(tmp_path):
    video.write_rgb(tmp_path / "a.mp4", smooth_rgb(), fps=24)
    video.write_gray16(tmp_path / "b.mkv", np.zeros((2, 16, 16), np.uint16), fps=24)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.mp4", "b.mkv"]


@pytest.mark.parametrize(
    ("frames", "match"),
    [
        (np.zeros((0, 16, 16, 3), np.uint8), "at least one frame"),
        (np.zeros((2, 16, 16, 3), np.float32), "dtype"),
        (np.zeros((2, 15, 16, 3), np.uint8), "odd"),
        (np.zeros((2, 16, 16, 4), np.uint8), "expected 3"),
    ],
)
def test_invalid_frames_raise_video_error_and_write_nothing(tmp_path, frames, match):
    with pytest.raises(VideoError, match=match):
        video.write_rgb(tmp_path / "bad.mp4", frames, fps=24)
    assert not any(tmp_path.iterdir())


def test_missing_empty_and_garbage_files_raise_video_error_naming_the_file(tmp_path):
    with pytest.raises(VideoError, match="missing.mp4"):
        video.read_frames(tmp_path / "missing.mp4")
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(VideoError, match="empty.mp4.*empty"):
        video.probe(empty)
    garbage = tmp_path / "garbage.mkv"
    garbage.write_bytes(b"not a video at all " * 50)
    with pytest.raises(VideoError, match="garbage.mkv"):
        video.read_gray16(garbage)


def test_truncated_files_raise_video_error(tmp_path):
    mp4 = video.write_rgb(tmp_path / "full.mp4", smooth_rgb(), fps=24)
    mkv = video.write_gray16(
        tmp_path / "full.mkv", np.random.default_rng(1).integers(0, 65535, (8, 64, 64)).astype(np.uint16), fps=24
    )
    for source, reader in ((mp4, video.read_frames), (mkv, video.read_gray16)):
        cut = tmp_path / f"cut{source.suffix}"
        data = source.read_bytes()
        cut.write_bytes(data[: len(data) // 2])
        with pytest.raises(VideoError, match=cut.name):
            reader(cut)


def test_first_frames_of_a_gray16_video_and_truncation_still_found(tmp_path):
    depth_mm = np.random.default_rng(2).integers(0, 65535, (8, 64, 64)).astype(np.uint16)
    path = video.write_gray16(tmp_path / "depth.mkv", depth_mm, fps=24)
    np.testing.assert_array_equal(video.read_gray16(path, first=1), depth_mm[:1])
    np.testing.assert_array_equal(video.read_gray16(path, first=3), depth_mm[:3])
    np.testing.assert_array_equal(video.read_gray16(path, first=20), depth_mm)
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(VideoError, match="cut.mkv.*truncated"):  # the later packets are counted, not decoded
        video.read_gray16(cut, first=1)


def test_streaming_writer_expands_gray_frames_and_rejects_bad_or_missing_frames(tmp_path):
    gray = (np.arange(64 * 64) % 256).astype(np.uint8).reshape(64, 64)
    with video.rgb_writer(tmp_path / "edge.mp4", 64, 64, 24, crf=0) as writer:
        for _ in range(3):
            writer.write(gray)
    back = video.read_frames(tmp_path / "edge.mp4")
    assert back.shape == (3, 64, 64, 3) and np.abs(back[..., 1].astype(int) - gray).mean() < 2
    with pytest.raises(VideoError, match="frame 1 is"), video.rgb_writer(tmp_path / "mixed.mp4", 64, 64, 24) as writer:
        writer.write(gray)
        writer.write(gray[:32])
    with pytest.raises(VideoError, match="no frames"), video.gray16_writer(tmp_path / "none.mkv", 64, 64, 24):
        pass
    assert sorted(p.name for p in tmp_path.iterdir()) == ["edge.mp4"]


def test_kept_frames_serve_the_next_read_of_the_same_bytes_once(tmp_path, monkeypatch):
    """``keep``: the next read of a file with the same bytes (another path: the clip moved when published) takes
    the decoded frames over, writable, instead of decoding; a later read decodes again; other bytes never get them."""
    frames = smooth_rgb()
    first, other = tmp_path / "a.mp4", tmp_path / "b.mp4"
    video.write_rgb(first, frames, fps=24)
    video.write_rgb(other, frames[::-1].copy(), fps=24)
    kept = video.read_frames(first, keep=True)
    assert not kept.flags.writeable  # shared: nobody writes into it
    moved = tmp_path / "published" / "a.mp4"
    moved.parent.mkdir()
    first.rename(moved)
    assert not np.array_equal(video.read_frames(other), kept)  # other bytes: decoded as usual
    decodes = []
    real = video._decode
    monkeypatch.setattr(video, "_decode", lambda *a, **k: decodes.append(a[0]) or real(*a, **k))
    again = video.read_frames(moved)
    assert again is kept and again.flags.writeable and decodes == []
    np.testing.assert_array_equal(video.read_frames(moved), again)
    assert decodes == [moved]  # taken over once: the next read decodes


def test_only_converts_the_frames_asked_for(tmp_path):
    path = tmp_path / "a.mp4"
    video.write_rgb(path, smooth_rgb(), fps=24)
    whole = video.read_frames(path)
    np.testing.assert_array_equal(video.read_frames(path, only=[5, 0, 3]), whole[[5, 0, 3]])
    with pytest.raises(VideoError, match="frame 99"):
        video.read_frames(path, only=[0, 99])


# 16x16 is below the probe's size: the writer repeats into RGB instead; 122 rows: chroma planes split mid-row
@pytest.mark.parametrize(("width", "height"), [(64, 64), (200, 122), (16, 16)])
def test_gray_frames_give_the_bytes_of_the_same_frames_repeated_into_rgb(tmp_path, width, height):
    rng = np.random.default_rng(3)
    y, x = np.mgrid[0:height, 0:width]
    gray = np.stack([((x * 4 + y + t * 9) % 256).astype(np.uint8) for t in range(4)])
    gray[1] = rng.integers(0, 256, size=(height, width), dtype=np.uint8)
    gray[2] = np.where(rng.random((height, width)) < 0.2, 255, 0).astype(np.uint8)  # Canny-like edges
    paths = []
    for name, frames in (("gray.mp4", gray), ("rgb.mp4", np.repeat(gray[..., None], 3, axis=-1))):
        with video.rgb_writer(tmp_path / name, width, height, 24, crf=16, preset="ultrafast", threads=1) as writer:
            for frame in frames:
                writer.write(frame)
        paths.append(tmp_path / name)
    assert (video.gray_yuv420p(width, height) is not None) == (width > 16)
    assert paths[0].read_bytes() == paths[1].read_bytes()
