"""Rooms lit like rooms: the ceiling lights' grid pools light on the floor and scallops the walls, the room's
junctions darken, tanks show their water, rockwork and sand, windows their frames and blinds, and an
overcast sky lights neutral grey. All of it changes RGB only: depth and labels stay as they were."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from conftest_scenes import make_plan

from worldmill.render import kernels, raycast, render
from worldmill.scenes import CameraPath, Primitive, Scene, SceneObject, build_scene, look_at
from worldmill.scenes.model import PATTERNS
from worldmill.schemas.plan import RenderSettings
from worldmill.taxonomy.classes import SemanticClasses

SIZE = 64
SETTINGS = RenderSettings(width=SIZE, height=SIZE, frames=2, fps=24)
FX = SIZE / 2 / np.tan(np.radians(35.0))


@pytest.fixture(scope="module")
def classes() -> SemanticClasses:
    return SemanticClasses.load()


@pytest.fixture(scope="module")
def ward(classes) -> Scene:
    return build_scene(make_plan("hospital", 11, time_of_day="noon"), classes)


def looking(eye, target, frames: int = 2) -> CameraPath:
    eyes = np.tile(np.asarray(eye, dtype=np.float64), (frames, 1))
    targets = np.tile(np.asarray(target, dtype=np.float64), (frames, 1))
    return CameraPath("static", "interior", SIZE, SIZE, FX, FX, SIZE / 2, SIZE / 2, 24, look_at(eyes, targets))


def luma(rgb: np.ndarray) -> np.ndarray:
    return rgb.astype(np.float64) @ np.array([0.2126, 0.7152, 0.0722])


def without_ceiling_lights(monkeypatch):
    real = raycast.room_lighting
    monkeypatch.setattr(raycast, "room_lighting", lambda scene, irradiance: {**real(scene, irradiance), "panels_x": 0})


def test_patterns_are_known_to_the_scenes_and_the_kernel():
    assert set(PATTERNS) == set(kernels.PATTERN_IDS)


def test_the_room_box_and_light_grid_come_from_the_rooms_walls_and_panels(ward):
    v = raycast.room_lighting(ward, 1.0)
    lights = [o for o in ward.objects if o.label == raycast.CEILING_LIGHT]
    assert v["panels_x"] * v["panels_y"] == len(lights) > 1
    lo, hi = np.asarray(v["room_lo"]), np.asarray(v["room_hi"])
    assert lo[2] == pytest.approx(0.0, abs=1e-6) and hi[2] > 2.5  # floor top to the ceiling's underside
    for wall in (p for o in ward.objects if o.label == "wall" and o.class_name == "wall" for p in o.parts):
        c, h = np.asarray(wall.center), np.asarray(wall.size) / 2
        assert ((c[:2] + h[:2] <= lo[:2] + 1e-6) | (c[:2] - h[:2] >= hi[:2] - 1e-6)).any()  # outside the box
    assert raycast.room_lighting(dataclasses.replace(ward, indoor=False), 1.0)["panels_x"] == 0


def test_ceiling_lights_pool_on_the_floor_beneath_them(ward, monkeypatch):
    v = raycast.room_lighting(ward, 1.0)
    ox, oy, _ = v["panel_origin"]
    sx, _sy, _ = v["panel_step"]
    plan = make_plan("hospital", 11, time_of_day="noon")
    gains = []
    for x in (ox + sx, ox + 1.5 * sx):  # beneath a light, then midway between two
        path = looking((x, oy, 1.6), (x + 0.01, oy, 0.0))
        lit = render(ward, path, plan, SETTINGS, textures=False)
        with monkeypatch.context() as m:
            without_ceiling_lights(m)
            unlit = render(ward, path, plan, SETTINGS, textures=False)
        assert lit.depth.tobytes() == unlit.depth.tobytes() and lit.seg.tobytes() == unlit.seg.tobytes()
        centre = (slice(None), slice(SIZE // 2 - 4, SIZE // 2 + 4), slice(SIZE // 2 - 4, SIZE // 2 + 4))
        assert lit.depth[centre] == pytest.approx(1.6, abs=0.05), "the floor is in view"
        gains.append(float((luma(lit.rgb[centre]) - luma(unlit.rgb[centre])).mean()))
    beneath, between = gains
    assert beneath > 10  # the lights add to the room's fill
    assert beneath > between + 5  # a pool beneath each light


def test_the_rooms_junctions_darken(ward, monkeypatch):
    v = raycast.room_lighting(ward, 1.0)
    lo, hi = np.asarray(v["room_lo"]), np.asarray(v["room_hi"])
    plan = make_plan("hospital", 11, time_of_day="noon")
    # from the middle of the room, looking along the floor at the far end wall's foot
    path = looking((0.0, 0.0, 1.6), (hi[0], 0.0, 0.0))
    near = render(ward, path, plan, SETTINGS, textures=False)
    real = raycast.room_lighting
    with monkeypatch.context() as m:  # the same room with its junctions moved far away
        m.setattr(
            raycast,
            "room_lighting",
            lambda scene, irr: {**real(scene, irr), "room_lo": tuple(lo - 50.0), "room_hi": tuple(hi + 50.0)},
        )
        far = render(ward, path, plan, SETTINGS, textures=False)
    assert near.depth.tobytes() == far.depth.tobytes()
    drop = luma(far.rgb) - luma(near.rgb)
    assert (drop >= -1).all()  # occlusion only takes light away
    hits = near.depth[0] < np.inf
    rays = np.einsum("ij,hwj->hwi", path.camera_to_world[0, :3, :3], _pixel_dirs())  # unit depth along the axis
    points = path.camera_to_world[0, :3, 3] + rays * np.where(hits, near.depth[0], 0.0)[..., None]
    by_wall = hits & (hi[0] - points[..., 0] < 0.3) & (points[..., 2] < 0.3)  # the wall's foot
    open_floor = hits & (hi[0] - points[..., 0] > 3.0) & (points[..., 2] < 0.05)
    assert by_wall.sum() > 3 and open_floor.sum() > 3
    assert drop[0][by_wall].mean() > 8 and drop[0][open_floor].mean() < 2


def _pixel_dirs() -> np.ndarray:
    ys, xs = np.mgrid[0:SIZE, 0:SIZE] + 0.5
    return np.stack([(xs - SIZE / 2) / FX, (ys - SIZE / 2) / FX, np.ones_like(xs)], axis=-1)


def _front_scene(classes, obj: SceneObject, indoor: bool = True) -> Scene:
    from worldmill.scenes import CameraZone

    zone = CameraZone("interior", (-1.0, -1.0, 1.0), (1.0, 1.0, 2.0), (0.0, 1.0))
    return Scene(
        "t-1__interior_hall__r00001-000", 1, "interior_hall", "aquarium", indoor, "right", (obj,), None,
        obj.parts[0].center, (zone,),
    )  # fmt: skip


def test_a_tank_shows_rockwork_and_sand_through_its_glass_and_its_caustics_drift(classes):
    water = Primitive("box", (0.0, 5.0, 1.4), (6.0, 3.0, 2.2), (0.10, 0.35, 0.50), pattern="water", emissive=0.3)
    scene = _front_scene(classes, SceneObject(4, classes.id("aquarium_tank"), "aquarium_tank", "tank", (water,)))
    path = looking((0.0, 0.0, 1.5), (0.0, 5.0, 1.2), frames=2)
    plan = make_plan("interior_hall", 3, time_of_day="noon")
    passes = render(scene, path, plan, RenderSettings(width=SIZE, height=SIZE, frames=2, fps=2), textures=False)
    face = passes.instance[0] == 4
    assert face.mean() > 0.3
    y = luma(passes.rgb[0])
    across = np.array([y[r][face[r]].std() for r in range(SIZE) if face[r].sum() > 8])
    assert across.mean() > 3  # an uneven ridge of rockwork, caustics: not one blue that only darkens with depth
    assert np.abs(luma(passes.rgb[1]) - y)[face].mean() > 0.3  # the caustics move
    assert (passes.depth[0] == passes.depth[1]).all()


def test_windows_show_frames_and_blinds_that_the_daylight_does_not_shine_through(classes):
    pane = Primitive("box", (0.0, 4.0, 1.6), (2.2, 0.1, 2.0), (0.35, 0.55, 0.75), pattern="pane", emissive=1.6)
    scene = _front_scene(classes, SceneObject(6, classes.id("window"), "window", "window", (pane,)))
    path = looking((0.0, 2.4, 1.6), (0.0, 4.0, 1.6))  # near enough to resolve 5 cm slats
    plan = make_plan("hospital", 3, time_of_day="noon")
    passes = render(scene, path, plan, SETTINGS, textures=False)
    y = luma(passes.rgb[0])[passes.instance[0] == 6]
    assert y.size > 1000
    assert np.percentile(y, 95) - np.percentile(y, 5) > 40  # bright panes beside frames and slats


def test_an_overcast_sky_lights_neutral_grey_and_a_clear_one_blue(ward):
    path = looking((0.0, 0.0, 1.6), (1.0, 0.0, 1.6))
    outdoor = dataclasses.replace(ward, indoor=False)
    clear = raycast.lighting_values(make_plan("zoo", 3, weather="clear", time_of_day="noon"), outdoor, path)
    grey = raycast.lighting_values(make_plan("zoo", 3, weather="overcast", time_of_day="noon"), outdoor, path)
    assert clear["ambient_sky"][2] > 1.5 * clear["ambient_sky"][0]
    assert max(grey["ambient_sky"]) < 1.12 * min(grey["ambient_sky"])
