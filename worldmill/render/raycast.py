"""Render a scene along a camera path with Warp: all frames and all passes in one kernel launch.

The same kernel runs on CPU (default; single-threaded, so parallelism comes from one process per core) and
on CUDA devices. Launch Warp from one thread per process only.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import struct
import threading

import numpy as np

from worldmill.errors import RenderError
from worldmill.render.materials import VARIANTS, class_material, material_atlas, primitive_materials, variant_of
from worldmill.render.tiles import bin_primitives, bin_shadow_casters
from worldmill.scenes.camera import CameraPath
from worldmill.scenes.model import Scene, rotation_matrix
from worldmill.scenes.shapes import material
from worldmill.schemas.plan import RenderSettings, ScenePlan

_INIT_LOCK = threading.Lock()
_INT_FIELDS = frozenset(
    {
        "night",
        "indoor",
        "has_ground",
        "ground_class",
        "ground_pattern",
        "drive_left",
        "ground_material",
        "cloud_tile",
        "panels_x",
        "panels_y",
        "rock_tile",
        "sand_tile",
    }
)
SKY_CLASS_ID = 0  # "sky" in data/semantic_classes.yaml; class ids are append-only
_WARP_READY = False


@dataclasses.dataclass(frozen=True)
class RenderPasses:
    """Per-frame passes of one clip. Sky: depth inf, seg = sky class, instance 0, normal 0."""

    rgb: np.ndarray  # uint8 [T, H, W, 3]
    depth: np.ndarray  # float32 [T, H, W], metres along the optical axis
    seg: np.ndarray  # uint8 [T, H, W], semantic class ids
    instance: np.ndarray  # int32 [T, H, W], scene instance ids (0: sky and ground plane)
    normals: (
        np.ndarray | None
    )  # float32 [T, H, W, 3], unit normals in camera coordinates (OpenCV axes); None if not asked for
    salient_ids: (
        np.ndarray
    )  # int32 [K], instance ids of foreground subjects (people, animals, vehicles, decor, landmark)
    fps: int

    @property
    def frames(self) -> int:
        return int(self.rgb.shape[0])


def _warp():
    """Import and initialise Warp once per process (quietly); kernels compile on first launch into its cache."""
    global _WARP_READY
    import warp as wp

    with _INIT_LOCK:
        if not _WARP_READY:
            wp.config.log_level = wp.LOG_ERROR  # no greeting, module-load or missing-CUDA-driver lines in worker logs
            wp.init()
            _WARP_READY = True
    return wp


def warm_up(device: str = "cpu") -> None:
    """Compile (or load from the cache) the render kernel and pack every variant's material atlas (~0.1 s each,
    once per process), so that worker processes start rendering at once."""
    wp = _warp()
    from worldmill.render import kernels

    wp.load_module(kernels, device=device)
    for variant in range(VARIANTS):
        _material_atlas_struct(kernels, variant, str(wp.get_device(device)))


# -- plan → lighting -------------------------------------------------------------------------------------

GRADES: dict[str, tuple[tuple[float, float, float], float, float]] = {
    "natural": ((1.0, 1.0, 1.0), 1.0, 1.0),
    "warm filmic": ((1.07, 1.0, 0.88), 0.95, 1.08),
    "cool teal-orange": ((0.96, 1.0, 1.07), 1.12, 1.1),
    "soft pastel": ((1.03, 1.0, 1.03), 0.75, 0.86),
    "high-contrast": ((1.0, 1.0, 1.0), 1.12, 1.3),
    "desaturated documentary": ((1.0, 1.0, 0.98), 0.6, 0.95),
}


def _lerp(a, b, t: float) -> np.ndarray:
    return np.asarray(a, dtype=np.float64) * (1 - t) + np.asarray(b, dtype=np.float64) * t


def _unit(az_deg: float, el_deg: float) -> np.ndarray:
    az, el = math.radians(az_deg), math.radians(el_deg)
    return np.array([math.sin(az) * math.cos(el), math.cos(az) * math.cos(el), math.sin(el)])


CLEAR_SKY_CLOUDS = 0.28  # fair-weather cumulus on a clear day; partly cloudy 0.5, overcast and rain 0.9
HAZY_SKY_CLOUDS = 0.4  # a hazy day's thin stratocumulus
OVERCAST_AMBIENT = 0.6  # skylight under a cloud deck, per unit of the deck's grey (before the weather's 1.7)


def lighting_values(plan: ScenePlan, scene: Scene, path: CameraPath) -> dict[str, object]:
    """Light, sky, weather and grade from the plan (sun azimuth clockwise from north; +y is north, +x east)."""
    el, az = plan.sun_elevation_deg, plan.sun_azimuth_deg
    night = plan.time_of_day == "night" or el < -2.0
    focus_dist = max(float(np.linalg.norm(path.positions[0] - np.asarray(scene.focus))), 10.0)
    v: dict[str, object] = {
        "night": int(night),
        "indoor": int(scene.indoor),
        "rain": 0.0,
        "snow": 0.0,
        "cloud_cover": CLEAR_SKY_CLOUDS,
        "sun_disc": 1.0,
    }
    if night:
        v.update(
            sun_dir=_unit(az + 180.0, 35.0),
            sun_color=(0.10, 0.12, 0.18),
            ambient_sky=(0.03, 0.035, 0.06),
            ambient_ground=(0.02, 0.02, 0.025),
            sky_zenith=(0.004, 0.006, 0.018),
            sky_horizon=(0.07, 0.05, 0.05),
            exposure=1.6,
            sun_disc=0.0,
        )
    else:
        warm = min(max((el - 2.0) / 28.0, 0.0), 1.0)
        zenith = _lerp((0.2, 0.24, 0.5), (0.1, 0.26, 0.75), warm)
        v.update(
            sun_dir=_unit(az, max(el, 3.0)),
            sun_color=_lerp((1.0, 0.55, 0.28), (1.0, 0.95, 0.88), warm) * _lerp(1.6, 2.6, warm),
            ambient_sky=zenith * 0.9 + 0.1,
            ambient_ground=_lerp((0.18, 0.12, 0.08), (0.2, 0.19, 0.17), warm),
            sky_zenith=zenith,
            sky_horizon=_lerp((1.0, 0.6, 0.38), (0.62, 0.74, 0.92), warm),
            exposure=0.62,
        )
    fog_color = np.asarray(v["sky_horizon"], dtype=np.float64)
    fog_factor = 0.06
    sun_scale, ambient_scale = 1.0, 1.0
    weather = plan.weather
    if weather == "partly_cloudy":
        v["cloud_cover"], sun_scale = 0.5, 0.9
    elif weather in ("overcast", "rain", "snow"):
        grey = {"overcast": (0.55, 0.57, 0.60), "rain": (0.36, 0.38, 0.41), "snow": (0.74, 0.76, 0.80)}[weather]
        if night:
            grey = tuple(g * 0.08 for g in grey)
        v.update(sky_zenith=np.asarray(grey) * 0.85, sky_horizon=grey, cloud_cover=0.9, sun_disc=0.0)
        if not night:  # the cloud deck lights as neutral grey, not as the blue sky it hides (grass stays green)
            v.update(ambient_sky=np.asarray(grey) * OVERCAST_AMBIENT)
        sun_scale, ambient_scale = 0.2, 1.7
        fog_color = np.asarray(grey)
        fog_factor = {"overcast": 0.12, "rain": 0.35, "snow": 0.3}[weather]
        v["rain"] = 1.0 if weather == "rain" else 0.0
        v["snow"] = 1.0 if weather == "snow" else 0.0
    elif weather == "fog":
        fog_color = np.array((0.70, 0.72, 0.75)) * (0.08 if night else 1.0)
        fog_factor, sun_scale, ambient_scale = 1.2, 0.35, 1.3
        v["sun_disc"] = 0.3
    elif weather == "haze":
        fog_color = np.array((0.75, 0.70, 0.62)) * (0.08 if night else 1.0)
        fog_factor, sun_scale = 0.5, 0.7
        v["cloud_cover"] = HAZY_SKY_CLOUDS
    if scene.indoor:  # a soft key from above and the ceiling lights' pools; weather only shows through windows
        key = 1.0 if not night else 0.8
        v.update(
            sun_dir=_unit(30.0, 72.0),
            sun_color=np.array((1.0, 0.96, 0.9)) * INDOOR_KEY * key,
            ambient_sky=np.array((0.36, 0.36, 0.38)) * key,
            ambient_ground=np.array((0.2, 0.19, 0.18)) * key,
            sun_disc=0.0,
            exposure=0.7,
            rain=0.0,
            snow=0.0,
            cloud_cover=0.0,
        )
        fog_factor, sun_scale, ambient_scale = 0.0, 1.0, 1.0
    v["sun_color"] = np.asarray(v["sun_color"], dtype=np.float64) * sun_scale
    v["ambient_sky"] = np.asarray(v["ambient_sky"], dtype=np.float64) * ambient_scale
    v["ambient_ground"] = np.asarray(v["ambient_ground"], dtype=np.float64) * ambient_scale
    v["fog_color"] = fog_color
    top = max((p.center[2] + p.size[2] / 2 for o in scene.objects for p in o.parts), default=10.0)
    elevation = math.asin(min(max(float(np.asarray(v["sun_dir"])[2]), 0.05), 1.0))
    v["shadow_reach"] = min(top / math.sin(elevation) + 1.0, 1500.0)  # no occluder is higher than the tallest top
    if not scene.indoor and weather in ("overcast", "rain", "snow"):
        v["shadow_reach"] = 0.0  # a hidden sun lights diffusely: no hard shadows to cast (and no shadow rays)
    v["fog_density"] = fog_factor / focus_dist
    gain, saturation, contrast = GRADES.get(plan.colour_grade, GRADES["natural"])
    v.update(grade_gain=gain, saturation=saturation, contrast=contrast)
    ground_colour, ground_pattern = material("ground")
    if plan.season == "winter":
        ground_colour = (0.30, 0.28, 0.22)
    elif plan.season == "autumn":
        ground_colour = (0.30, 0.27, 0.12)
    v.update(room_lighting(scene, PANEL_IRRADIANCE * (1.0 if not night else 0.8)))
    atlas = material_atlas(variant_of(scene.seed))
    v.update(rock_tile=atlas.index("rock"), sand_tile=atlas.index("sand"))
    v.update(
        has_ground=int(scene.ground_class_id is not None),
        ground_class=int(scene.ground_class_id or 0),
        ground_color=ground_colour,
        ground_pattern=3 if ground_pattern == "grass" else 0,
        drive_left=int(scene.driving_side == "left"),
        ground_material=class_material("ground", scene.seed),
        cloud_tile=material_atlas(variant_of(scene.seed)).index("clouds"),
    )
    return v


INDOOR_KEY = 0.55  # the indoor key light (it casts the shadows); the ceiling lights add their pools
PANEL_IRRADIANCE = 0.95  # irradiance on the floor straight beneath a ceiling light, from the whole grid
PANEL_COLOUR = (1.0, 0.97, 0.92)
CEILING_LIGHT = "ceiling light"  # the label of the room's regular grid of ceiling panels (scenes.archetypes)


def room_lighting(scene: Scene, irradiance: float) -> dict[str, object]:
    """The kernel's room fields: the inner box of an indoor scene's room (its floor's top, its walls' inner
    faces, its ceiling's underside) and the regular grid of its ceiling lights, scaled so that the floor
    beneath a light receives ``irradiance``. Outdoors, and for rooms without such a grid, no ceiling light."""
    v: dict[str, object] = {
        "room_lo": (0.0, 0.0, 0.0),
        "room_hi": (0.0, 0.0, 0.0),
        "panel_origin": (0.0, 0.0, 0.0),
        "panel_step": (1.0, 1.0, 1.0),
        "panels_x": 0,
        "panels_y": 0,
        "panel_color": (0.0, 0.0, 0.0),
    }
    if not scene.indoor:
        return v
    parts = {
        name: [p for o in scene.objects if o.class_name == name and o.label == name for p in o.parts]
        for name in ("floor", "ceiling", "wall")
    }
    if not parts["floor"] or not parts["ceiling"]:
        return v
    floor, ceiling = parts["floor"][0], parts["ceiling"][0]
    lo = [floor.center[0] - floor.size[0] / 2, floor.center[1] - floor.size[1] / 2, floor.center[2] + floor.size[2] / 2]
    hi = [-lo[0], -lo[1], ceiling.center[2] - ceiling.size[2] / 2]
    for w in parts["wall"]:  # inner faces of the walls standing outside the floor's rectangle
        axis = 0 if w.size[0] < w.size[1] else 1
        face = w.center[axis] - math.copysign(w.size[axis] / 2, w.center[axis])
        if w.center[axis] > 0:
            hi[axis] = min(hi[axis], face)
        else:
            lo[axis] = max(lo[axis], face)
    v.update(room_lo=tuple(lo), room_hi=tuple(hi))
    lights = np.array(
        [p.center for o in scene.objects if o.label == CEILING_LIGHT for p in o.parts], dtype=np.float64
    ).reshape(-1, 3)
    xs, ys = np.unique(lights[:, 0].round(3)), np.unique(lights[:, 1].round(3))
    if len(lights) == 0 or len(xs) * len(ys) != len(lights):
        return v
    steps = []
    for axis_values, span in ((xs, hi[0] - lo[0]), (ys, hi[1] - lo[1])):
        gaps = np.diff(axis_values)
        if len(gaps) and not np.allclose(gaps, gaps[0], atol=1e-2):
            return v  # not a regular grid: the kernel's walk over the 2 x 2 lights around a point would miss some
        steps.append(float(gaps[0]) if len(gaps) else max(span, 1.0))
    z = float(lights[:, 2].min()) - 0.05  # the panels' undersides
    origin = np.array((xs[0], ys[0], z))
    # the whole grid's irradiance on the floor beneath its middle light, as the kernel sums it
    ix, iy = np.meshgrid(np.arange(len(xs)), np.arange(len(ys)), indexing="ij")
    mid = np.array((xs[len(xs) // 2], ys[len(ys) // 2], lo[2]))
    d = np.stack([origin[0] + ix * steps[0], origin[1] + iy * steps[1], np.full(ix.shape, z)], -1) - mid
    window = [(1 - (np.abs(d[..., k]) / steps[k]).clip(0, 1) ** 2) ** 2 for k in (0, 1)]
    total = float((d[..., 2] ** 2 / ((d**2).sum(-1)) ** 2 * window[0] * window[1]).sum())
    v.update(
        panel_origin=tuple(origin),
        panel_step=(steps[0], steps[1], 1.0),
        panels_x=len(xs),
        panels_y=len(ys),
        panel_color=tuple(np.asarray(PANEL_COLOUR) * irradiance / max(total, 1e-6)),
    )
    return v


LAMP_COLOR = (9.0, 7.4, 5.0)  # a sodium-white lamp head: irradiance at 1 m, before exposure
MAX_LAMPS = 12  # each costs every lit pixel a distance test


def night_lamps(scene: Scene, path: CameraPath, limit: int = MAX_LAMPS) -> np.ndarray:
    """float64 [L, 3]: the glowing heads of the scene's lamps (class ``light``), nearest to the camera's mean
    position first, at most ``limit`` (lamps farther away light nothing the camera sees close up)."""
    heads = [p.center for o in scene.objects if o.class_name == "light" for p in o.parts if p.emissive >= 1.0]
    if not heads:
        return np.zeros((0, 3))
    pts = np.asarray(heads, dtype=np.float64)
    eye = path.camera_to_world[:, :3, 3].mean(axis=0)
    order = np.argsort(np.linalg.norm(pts - eye, axis=1), kind="stable")
    return pts[order[:limit]]


# -- scene → arrays --------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PrimitiveArrays:
    centers: np.ndarray  # float32 [N, 3]
    velocities: np.ndarray  # float32 [N, 3]
    mats: np.ndarray  # float32 [N, 3, 3], M = S⁻¹ Rᵀ
    halves: np.ndarray  # float32 [N, 3]
    shapes: np.ndarray  # int32 [N]
    class_ids: np.ndarray  # int32 [N]
    instance_ids: np.ndarray  # int32 [N]
    colors: np.ndarray  # float32 [N, 3]
    patterns: np.ndarray  # int32 [N]
    emissive: np.ndarray  # float32 [N]
    shadow: np.ndarray  # int32 [N]
    textures: tuple[str, ...]  # [N] sign face specs ("" none), for the sign atlas
    extents: np.ndarray  # float64 [N, 3], half sizes of the world boxes
    lowers: np.ndarray  # float32 [N, 3], boxes swept over the clip
    uppers: np.ndarray  # float32 [N, 3]
    mesh_keys: tuple[str, ...] = ()  # per primitive: library key ("" for analytic shapes)
    pose_rate: np.ndarray | None = None  # float32 [N]
    pose_phase: np.ndarray | None = None  # float32 [N]
    materials: np.ndarray | None = None  # int32 [N]: tile in the material atlas (-1: smooth)


@functools.lru_cache(maxsize=4096)
def _rotation(angles: bytes) -> np.ndarray:
    """``rotation_matrix`` of the (yaw, pitch, roll) packed in ``angles`` (the bytes keep -0.0 apart from 0.0):
    most parts of a scene share a few orientations, and a clip's check renders and final render share all."""
    matrix = rotation_matrix(*struct.unpack("3d", angles))
    matrix.flags.writeable = False
    return matrix


def primitive_arrays(scene: Scene, duration_s: float) -> PrimitiveArrays:
    from worldmill.render.kernels import PATTERN_IDS

    codes = {"box": 0, "cylinder": 1, "sphere": 2, "mesh": 3}
    rows = [(o, p) for o in scene.objects for p in o.parts]
    if not rows:  # an empty scene still needs non-empty arrays: one tiny box far below the ground, never seen
        from worldmill.scenes.model import Primitive, SceneObject

        dummy = SceneObject(
            1,
            0,
            "sky",
            "nothing",
            (Primitive("box", (0.0, 0.0, -1e6), (1e-3, 1e-3, 1e-3), (0.0, 0.0, 0.0), casts_shadow=False),),
        )
        rows = [(dummy, dummy.parts[0])]
    rot = np.array(
        [_rotation(struct.pack("3d", p.yaw_deg, p.pitch_deg, p.roll_deg)) for _, p in rows], dtype=np.float64
    )
    halves = np.array([p.size for _, p in rows], dtype=np.float64) / 2.0
    centers = np.array([p.center for _, p in rows], dtype=np.float64)
    velocities = np.array([o.velocity for o, _ in rows], dtype=np.float64)
    mats = np.transpose(rot, (0, 2, 1)) / halves[:, :, None]
    extent = np.abs(rot * halves[:, None, :]).sum(axis=2)
    end = centers + velocities * duration_s
    pad = 1e-3
    return PrimitiveArrays(
        centers=centers.astype(np.float32),
        velocities=velocities.astype(np.float32),
        mats=mats.astype(np.float32),
        halves=halves.astype(np.float32),
        shapes=np.array([codes[p.shape] for _, p in rows], dtype=np.int32),
        class_ids=np.array([o.class_id for o, _ in rows], dtype=np.int32),
        instance_ids=np.array([o.instance_id for o, _ in rows], dtype=np.int32),
        colors=np.array([p.color for _, p in rows], dtype=np.float32),
        patterns=np.array([PATTERN_IDS[p.pattern] for _, p in rows], dtype=np.int32),
        emissive=np.array([p.emissive for _, p in rows], dtype=np.float32),
        shadow=np.array([int(p.casts_shadow) for _, p in rows], dtype=np.int32),
        textures=tuple(p.texture for _, p in rows),
        extents=extent,
        lowers=(np.minimum(centers, end) - extent - pad).astype(np.float32),
        uppers=(np.maximum(centers, end) + extent + pad).astype(np.float32),
        mesh_keys=tuple(p.mesh for _, p in rows),
        pose_rate=np.array([p.pose_rate for _, p in rows], dtype=np.float32),
        pose_phase=np.array([p.pose_phase for _, p in rows], dtype=np.float32),
        materials=primitive_materials(
            [o.class_name for o, _ in rows],
            [p.pattern for _, p in rows],
            [o.instance_id for o, _ in rows],
            scene.seed,
            [p.mesh if p.shape == "mesh" else "" for _, p in rows],
        ),
    )


def atlas_struct(kernels, arr, texels, level_rows, rects, sides=None, metres=None, weathering=None):
    """The kernel's ``Atlas`` over a mip-mapped uint8 RGB texel array (sign faces or material tiles), packed
    one uint32 a texel."""
    import warp as wp

    atlas = kernels.Atlas()
    rgba = np.zeros((*texels.shape[:2], 4), dtype=np.uint8)  # little-endian: R | G << 8 | B << 16
    rgba[..., :3] = texels
    atlas.texels = wp.array(rgba.view(np.uint32)[..., 0], dtype=wp.uint32)
    atlas.level_rows, atlas.levels = arr(level_rows, wp.int32), len(level_rows)
    atlas.rects = arr(rects, wp.vec4)
    atlas.sides = arr(np.ones(1, np.int32) if sides is None else sides, wp.int32)
    atlas.metres = arr(np.ones(1, np.float32) if metres is None else metres, wp.float32)
    atlas.weathering = arr(np.zeros(1, np.float32) if weathering is None else weathering, wp.float32)
    return atlas


def sign_atlas_struct(kernels, arrays: PrimitiveArrays, arr, *, blank: bool = False):
    """The kernel's ``Atlas`` of the primitives' sign textures (drawn once per clip); ``blank``: no sign face
    drawn (every board keeps its own colour), for renders that read only the instance pass."""
    from worldmill.render.atlas import build_sign_atlas

    built = build_sign_atlas(() if blank else arrays.textures, arrays.halves * 2.0)
    if blank:
        return atlas_struct(kernels, arr, built.texels, built.level_rows, np.zeros((len(arrays.shapes), 4), np.float32))
    return atlas_struct(kernels, arr, built.texels, built.level_rows, built.rects, sides=built.sides)


def material_atlas_struct(kernels, seed: int):
    """The kernel's ``Atlas`` of the material tiles on the current device: packed once per process, variant and
    device (a clip's check renders and its final render share it)."""
    import warp as wp

    return _material_atlas_struct(kernels, variant_of(seed), str(wp.get_device()))


@functools.lru_cache(maxsize=8)
def _material_atlas_struct(kernels, variant: int, device: str):
    import warp as wp

    def arr(a, dtype):
        return wp.array(a, dtype=dtype, device=device)

    built = material_atlas(variant)
    return atlas_struct(
        kernels, arr, built.texels, built.level_rows, built.rects, metres=built.metres, weathering=built.weathering
    )


def projected_under(arrays: PrimitiveArrays, rows: np.ndarray, path: CameraPath, times: np.ndarray, limit_px: float):
    """Per primitive of ``rows``: 1 where its projected size stays under ``limit_px`` over the clip, else 0."""
    from worldmill.render.meshes import far_lod

    return far_lod(
        arrays.halves[rows].astype(np.float64) * 2.0,
        arrays.centers[rows].astype(np.float64),
        arrays.velocities[rows].astype(np.float64),
        path.camera_to_world[:, :3, 3],
        times,
        float(path.fx),
        limit_px,
    )


def distant_people_as_blocks(arrays: PrimitiveArrays, scene: Scene, path: CameraPath, times: np.ndarray):
    """``arrays`` with every library person that stays under ``BLOCK_PX`` over the clip drawn as a box of its
    model's mean colour round its torso: a far crowd's spectator covers a few pixels, where a mesh query
    costs a ray ~1 µs and a box next to nothing (the last level of detail)."""
    from worldmill.render.meshes import BLOCK_PX, mean_colour

    person = np.array([o.class_name == "person" for o in scene.objects for _ in o.parts], dtype=bool)
    if len(person) != len(arrays.shapes):  # an empty scene's stand-in box
        return arrays
    candidates = np.flatnonzero((arrays.shapes == 3) & person)
    if len(candidates) == 0:
        return arrays
    blocks = candidates[projected_under(arrays, candidates, path, times, BLOCK_PX) == 1]
    if len(blocks) == 0:
        return arrays
    shapes, colors, mats = arrays.shapes.copy(), arrays.colors.copy(), arrays.mats.copy()
    materials = None if arrays.materials is None else arrays.materials.copy()
    shapes[blocks] = 0
    colors[blocks] = [mean_colour(arrays.mesh_keys[i]) for i in blocks]
    mats[blocks] /= np.array([0.55, 0.45, 0.92], dtype=np.float32)[None, :, None]  # a box inside the model's box
    if materials is not None:
        materials[blocks] = -1
    keys = tuple("" if shapes[i] != 3 else k for i, k in enumerate(arrays.mesh_keys))
    return dataclasses.replace(arrays, shapes=shapes, colors=colors, mats=mats, materials=materials, mesh_keys=keys)


def mesh_lods(arrays: PrimitiveArrays, path: CameraPath, times: np.ndarray) -> np.ndarray:
    """The level of detail of each mesh primitive (in the order of ``arrays``) for a render along ``path``."""
    from worldmill.render.meshes import LOD_FAR_PX

    return projected_under(arrays, np.flatnonzero(arrays.shapes == 3), path, times, LOD_FAR_PX)


def mesh_struct(kernels, wp, device, arrays: PrimitiveArrays, path: CameraPath, times: np.ndarray):
    """The kernel's ``Meshes``: each mesh primitive's posed meshes at the level of detail its projected size
    needs over the clip (built once per process), and the bank's shared arrays."""
    from worldmill.render.meshes import bank

    n = len(arrays.mesh_keys)
    first = np.full(n, -1, dtype=np.int32)
    poses = np.ones(n, dtype=np.int32)
    is_mesh = np.flatnonzero(arrays.shapes == 3)
    lods = mesh_lods(arrays, path, times)
    store = bank(wp, device, needed={(arrays.mesh_keys[i], int(lod)) for i, lod in zip(is_mesh, lods, strict=True)})
    for i, lod in zip(is_mesh, lods, strict=True):
        first[i], poses[i] = store.first_pose(arrays.mesh_keys[i], int(lod))
    packed = store.packed()
    meshes = kernels.Meshes()
    meshes.first = wp.array(first, dtype=wp.int32)
    meshes.poses = wp.array(poses, dtype=wp.int32)
    meshes.pose_rate = wp.array(arrays.pose_rate, dtype=wp.float32)
    meshes.pose_phase = wp.array(arrays.pose_phase, dtype=wp.float32)
    for name in ("ids", "face_base", "vert_base", "faces", "colors", "normals"):
        setattr(meshes, name, getattr(packed, name))
    triangles = sum(store.triangles[first[i]] for i in is_mesh)
    return meshes, triangles


def render(
    scene: Scene,
    path: CameraPath,
    plan: ScenePlan,
    settings: RenderSettings,
    device: str = "cpu",
    *,
    normals: bool = True,
    textures: bool = True,
    signs: bool = True,
    times: np.ndarray | None = None,
) -> RenderPasses:
    """Every pass of every frame in one kernel launch on ``device`` ("cpu", "cuda", "cuda:0", ...).

    ``normals=False`` skips the normal pass (12 bytes a pixel), which no condition file needs;
    ``textures=False`` draws flat material colours (only RGB differs: what textures cost and add is measurable);
    ``signs=False`` leaves sign boards blank (only RGB differs: the camera-path checks read the instance pass);
    ``times``: each frame's time in the clip (default: frame / fps), so that frames of several paths along one
    clip render in one launch (``render.framing``).
    """
    wp, kernels, dev, times, arrays = _prepare(scene, path, settings, device, times)
    T, H, W = settings.frames, settings.height, settings.width
    light_values = lighting_values(plan, scene, path)
    if not textures:
        arrays = dataclasses.replace(arrays, materials=np.full(len(arrays.shapes), -1, dtype=np.int32))
        light_values["ground_material"] = -1
    try:
        with wp.ScopedDevice(dev):

            def arr(a, dtype):
                return wp.array(a, dtype=dtype)

            grid = bin_shadow_casters(arrays.lowers, arrays.uppers, arrays.shadow, np.asarray(light_values["sun_dir"]))
            shadows = kernels.ShadowGrid()
            shadows.offsets, shadows.prims = arr(grid.offsets, wp.int32), arr(grid.prims, wp.int32)
            shadows.s_max, shadows.s_min = arr(grid.s_max, wp.float32), arr(grid.s_min, wp.float32)
            shadows.z_max = arr(grid.z_max, wp.float32)
            shadows.axis_u, shadows.axis_v = wp.vec3(*grid.axis_u.tolist()), wp.vec3(*grid.axis_v.tolist())
            shadows.origin_u, shadows.origin_v, shadows.inv_cell = grid.origin_u, grid.origin_v, 1.0 / grid.cell
            shadows.cells_x, shadows.cells_y = grid.cells_x, grid.cells_y
            tiles, prims = geometry_structs(kernels, wp, arrays, path, times)
            meshes, _ = mesh_struct(kernels, wp, dev, arrays, path, times)
            light = kernels.Lighting()
            lamps = night_lamps(scene, path) if light_values["night"] and not scene.indoor else np.zeros((0, 3))
            light.lamps = arr(lamps.astype(np.float32) if len(lamps) else np.zeros((1, 3), np.float32), wp.vec3)
            light.lamp_count = len(lamps)
            light.lamp_color = wp.vec3(*LAMP_COLOR)
            for name, value in light_values.items():
                if name in _INT_FIELDS:
                    setattr(light, name, int(value))
                elif isinstance(value, (list, tuple, np.ndarray)):
                    setattr(light, name, wp.vec3(*(float(x) for x in value)))
                else:
                    setattr(light, name, float(value))
            signs_atlas = sign_atlas_struct(kernels, arrays, arr, blank=not signs)
            tiles_atlas = material_atlas_struct(kernels, scene.seed)
            cam = camera_struct(kernels, path)
            rgb = wp.empty((T, H, W, 3), dtype=wp.uint8)
            depth = wp.empty((T, H, W), dtype=wp.float32)
            seg = wp.empty((T, H, W), dtype=wp.uint8)
            instance = wp.empty((T, H, W), dtype=wp.int32)
            normal_buf = wp.empty((T, H, W) if normals else (1, 1, 1), dtype=wp.vec3)
            wp.launch(
                kernels.render_passes,
                dim=(T, H, W),
                inputs=[
                    shadows,
                    tiles,
                    prims,
                    meshes,
                    *camera_arrays(wp, path, times),
                    cam,
                    light,
                    signs_atlas,
                    tiles_atlas,
                    SKY_CLASS_ID,
                    int(normals),
                ],
                outputs=[rgb, depth, seg, instance, normal_buf],
            )
            passes = RenderPasses(
                rgb=rgb.numpy(),
                depth=depth.numpy(),
                seg=seg.numpy(),
                instance=instance.numpy(),
                normals=normal_buf.numpy().reshape(T, H, W, 3) if normals else None,
                salient_ids=np.array(sorted(o.instance_id for o in scene.objects if o.salient), dtype=np.int32),
                fps=settings.fps,
            )
    except RuntimeError as exc:
        raise RenderError(
            f"Rendering {scene.sample_id} on {device} failed: {exc}.", fix="check the device and the scene's primitives"
        ) from exc
    return passes


def _prepare(scene: Scene, path: CameraPath, settings: RenderSettings, device: str, times: np.ndarray | None):
    """(warp, kernels, device, frame times, primitive arrays) for a launch, after checking its inputs."""
    if (path.width, path.height, path.frames) != (settings.width, settings.height, settings.frames):
        raise RenderError(
            f"Camera path is {path.width}x{path.height}x{path.frames} frames but settings ask for {settings.width}x{settings.height}x{settings.frames}.",
            fix="build the camera path with the same RenderSettings",
        )
    wp = _warp()
    from worldmill.render import kernels

    try:
        dev = wp.get_device(device)
    except (ValueError, RuntimeError) as exc:
        raise RenderError(
            f"Warp device {device!r} is not available: {exc}.", fix="use device='cpu' or a CUDA device this machine has"
        ) from exc
    T = settings.frames
    clip_s = settings.frames / settings.fps
    if times is None:
        times = np.arange(T, dtype=np.float64) / settings.fps
    else:  # frames of several paths along one clip: the clip lasts until its last frame's time
        times = np.asarray(times, dtype=np.float64)
        if times.shape != (T,):
            raise RenderError(f"Got {times.shape} frame times for {T} frames.", fix="pass one time per frame")
        clip_s = (np.round(times.max() * settings.fps) + 1) / settings.fps
    arrays = primitive_arrays(scene, clip_s)
    arrays = distant_people_as_blocks(arrays, scene, path, times)
    return wp, kernels, dev, times, arrays


def geometry_structs(kernels, wp, arrays: PrimitiveArrays, path: CameraPath, times: np.ndarray):
    """The kernel's ``Tiles`` (camera rays' screen-tile lists) and ``Primitives`` on the current device."""

    def arr(a, dtype):
        return wp.array(a, dtype=dtype)

    binned = bin_primitives(
        arrays.centers.astype(np.float64),
        arrays.velocities.astype(np.float64),
        arrays.extents,
        arrays.mats,
        path,
        times,
    )
    tiles = kernels.Tiles()
    tiles.offsets, tiles.prims, tiles.near, tiles.origins = (
        arr(binned.offsets, wp.int32),
        arr(binned.prims, wp.int32),
        arr(binned.near, wp.float32),
        arr(binned.origins, wp.vec3),
    )
    tiles.tiles_x, tiles.tiles_y, tiles.size = binned.tiles_x, binned.tiles_y, binned.size
    prims = kernels.Primitives()
    for name in ("centers", "velocities", "halves", "colors"):
        setattr(prims, name, arr(getattr(arrays, name), wp.vec3))
    for name in ("shapes", "class_ids", "instance_ids", "patterns", "shadow"):
        setattr(prims, name, arr(getattr(arrays, name), wp.int32))
    prims.mats, prims.emissive = arr(arrays.mats, wp.mat33), arr(arrays.emissive, wp.float32)
    prims.materials = arr(arrays.materials, wp.int32)
    return tiles, prims


def camera_struct(kernels, path: CameraPath):
    cam = kernels.Camera()
    cam.fx, cam.fy, cam.cx, cam.cy = float(path.fx), float(path.fy), float(path.cx), float(path.cy)
    return cam


def camera_arrays(wp, path: CameraPath, times: np.ndarray) -> tuple[object, object, object]:
    """Per frame: the camera's position, its rotation (camera to world) and the frame's time, on the device."""
    c2w = path.camera_to_world
    return (
        wp.array(c2w[:, :3, 3].astype(np.float32), dtype=wp.vec3),
        wp.array(c2w[:, :3, :3].astype(np.float32), dtype=wp.mat33),
        wp.array(times.astype(np.float32), dtype=wp.float32),
    )


def render_instance(
    scene: Scene, path: CameraPath, settings: RenderSettings, device: str = "cpu", *, times: np.ndarray | None = None
) -> np.ndarray:
    """int32 [T, H, W]: the instance pass alone, equal to ``render(...).instance`` (sky and ground plane 0), from a
    launch that casts only the camera rays: no shading, shadows, textures or sign atlas. For checks that read
    which objects show (``render.framing``); ``times`` as in ``render``."""
    wp, kernels, dev, times, arrays = _prepare(scene, path, settings, device, times)
    T, H, W = settings.frames, settings.height, settings.width
    try:
        with wp.ScopedDevice(dev):
            tiles, prims = geometry_structs(kernels, wp, arrays, path, times)
            meshes, _ = mesh_struct(kernels, wp, dev, arrays, path, times)
            instance = wp.empty((T, H, W), dtype=wp.int32)
            wp.launch(
                kernels.instance_pass,
                dim=(T, H, W),
                inputs=[
                    tiles,
                    prims,
                    meshes,
                    *camera_arrays(wp, path, times),
                    camera_struct(kernels, path),
                    int(scene.ground_class_id is not None),
                ],
                outputs=[instance],
            )
            return instance.numpy()
    except RuntimeError as exc:
        raise RenderError(
            f"Rendering {scene.sample_id} on {device} failed: {exc}.", fix="check the device and the scene's primitives"
        ) from exc
