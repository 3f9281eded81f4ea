"""Tiny synthetic site lakes (64×64 clips with a camera path) for tests, the benchmark and dry runs.

Each clip pans a camera across a procedural texture whose palette depends on the stratum (city × venue ×
time of day), so the world model has something learnable, and the ``camera.json`` translation is the
action that explains the motion. Files follow the lake layout of ``docs/architecture.md``.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from worldmill.federated.sites import SiteSpec
from worldmill.lake import Catalogue
from worldmill.schemas.records import CatalogueRow, utcnow

BRIGHTNESS = {
    "dawn": 0.6,
    "morning": 0.85,
    "noon": 1.0,
    "afternoon": 0.9,
    "golden_hour": 0.75,
    "dusk": 0.5,
    "night": 0.25,
}
PIXELS_PER_METRE = 8.0


@dataclasses.dataclass(frozen=True)
class SyntheticStratum:
    city_key: str
    venue: str
    time_of_day: str
    clips: int = 3
    continent: str = "EU"

    @property
    def cell_key(self) -> str:
        return f"{self.city_key}__{self.venue}"


def _rng(*parts: object) -> np.random.Generator:
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    return np.random.default_rng(int.from_bytes(digest, "big"))


def texture(stratum: SyntheticStratum, size: int) -> np.ndarray:
    """A smooth colour field of blobs, uint8 [2·size, 4·size, 3], the same for every clip of a stratum."""
    rng = _rng(stratum.cell_key)
    h, w = 2 * size, 4 * size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    image = np.zeros((h, w, 3), np.float32) + rng.uniform(0.2, 0.5, 3)
    for _ in range(10):
        cy, cx, r = rng.uniform(0, h), rng.uniform(0, w), rng.uniform(size / 8, size / 3)
        image += np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * r * r))[..., None] * rng.uniform(0, 0.8, 3)
    image *= BRIGHTNESS.get(stratum.time_of_day, 0.7)
    return (np.clip(image, 0, 1) * 255).astype(np.uint8)


def synthetic_clip(
    stratum: SyntheticStratum, index: int, size: int = 64, frames: int = 16
) -> tuple[np.ndarray, np.ndarray]:
    """Frames uint8 [T, size, size, 3] of a pan over the stratum's texture, and camera-to-world matrices."""
    rng = _rng(stratum.cell_key, stratum.time_of_day, index)
    field = texture(stratum, size)
    speed = rng.uniform(-0.5, 0.5)  # metres per frame along the camera's x axis
    x0 = rng.uniform(size, 2 * size)
    y0 = int(rng.integers(0, size))
    out, poses = [], []
    for t in range(frames):
        x = int(np.clip(round(x0 + speed * t * PIXELS_PER_METRE), 0, field.shape[1] - size))
        out.append(field[y0 : y0 + size, x : x + size])
        pose = np.eye(4)
        pose[0, 3] = speed * t
        poses.append(pose)
    return np.stack(out), np.stack(poses)


def write_synthetic_site(
    root: str | Path,
    strata: Sequence[SyntheticStratum],
    *,
    size: int = 64,
    frames: int = 16,
    rejected_per_stratum: int = 1,
    generator: str = "procedural",
) -> list[CatalogueRow]:
    """Write footage, camera.json and the ``catalogue`` table of a site; returns the catalogue rows.

    ``rejected_per_stratum`` extra clips are catalogued as failed curation (they must not be trained on).
    """
    from worldmill.scenes.camera import CameraPath
    from worldmill.video import write_rgb

    root = Path(root).resolve()
    rows: list[CatalogueRow] = []
    now = utcnow()
    for stratum in strata:
        for index in range(stratum.clips + rejected_per_stratum):
            accepted = index < stratum.clips
            sample = f"{stratum.cell_key}__r00001-{index:03d}-{stratum.time_of_day}"
            sample_dir = root / "footage" / stratum.venue / stratum.city_key / sample
            clip_frames, poses = synthetic_clip(stratum, index, size, frames)
            (sample_dir / generator).mkdir(parents=True, exist_ok=True)
            write_rgb(sample_dir / generator / "rgb.mp4", clip_frames, fps=8, crf=10)
            camera = CameraPath(
                motion="pan", zone="synthetic", width=size, height=size, fx=size, fy=size, cx=size / 2, cy=size / 2,
                fps=8, camera_to_world=poses,
            )  # fmt: skip
            (sample_dir / "camera.json").write_text(camera.to_json(), encoding="utf-8")
            rows.append(
                CatalogueRow(
                    clip_id=f"{sample}__{generator}",
                    sample_id=sample,
                    cell_key=stratum.cell_key,
                    city=stratum.city_key.rsplit("-", 1)[0].title(),
                    country_code="XX",
                    continent=stratum.continent,
                    venue=stratum.venue,
                    round=1,
                    seed=index,
                    generator=generator,
                    prompt="synthetic pan",
                    time_of_day=stratum.time_of_day,
                    weather="clear",
                    season="spring",
                    camera_motion="pan",
                    width=size,
                    height=size,
                    frames=frames,
                    fps=8,
                    duration_s=frames / 8,
                    uri=sample_dir.as_uri(),
                    rgb_path=f"{stratum.venue}/{stratum.city_key}/{sample}/{generator}/rgb.mp4",
                    status="pass" if accepted else "fail",
                    reason=None if accepted else "near-duplicate",
                    accepted=accepted,
                    published_at=now,
                )
            )
    Catalogue(str(root)).upsert(rows)
    return rows


DEFAULT_SITES: dict[str, tuple[SyntheticStratum, ...]] = {
    "aws-us": (
        SyntheticStratum("new-york-5128581", "zoo", "noon", continent="NA"),
        SyntheticStratum("chicago-4887398", "hospital", "night", continent="NA"),
    ),
    "gcp-eu": (
        SyntheticStratum("paris-2988507", "museum", "morning"),
        SyntheticStratum("berlin-2950159", "zoo", "dusk"),
    ),
    "azure-asia": (
        SyntheticStratum("tokyo-1850147", "amusement_park", "night", continent="AS"),
        SyntheticStratum("mumbai-1275339", "hospital", "noon", continent="AS"),
    ),
}


def synthetic_sites(base_dir: str | Path, *, clips: int = 3, size: int = 64, frames: int = 16) -> list[SiteSpec]:
    """Three sites (aws-us, gcp-eu, azure-asia), two strata each, under ``base_dir/{site}``."""
    sites = []
    for name, strata in DEFAULT_SITES.items():
        root = Path(base_dir) / name
        write_synthetic_site(root, [dataclasses.replace(s, clips=clips) for s in strata], size=size, frames=frames)
        sites.append(SiteSpec(name, str(root.resolve())))
    return sites
