"""Materials and sky: baked texture tiles give surfaces detail in RGB only (depth, labels and instances are
byte-identical to flat colours), tiles are deterministic and tileable, every class's materials exist, and
clouds vary across the sky without touching anything that is not sky."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from conftest_scenes import make_plan as scene_plan
from conftest_scenes import one_object_scene

from worldmill.render import materials, raycast, render
from worldmill.scenes import CameraPath, Primitive, SceneObject, look_at
from worldmill.schemas.plan import RenderSettings
from worldmill.taxonomy.classes import SemanticClasses

SETTINGS = RenderSettings(width=96, height=96, frames=2, fps=24)
FX = 48 / np.tan(np.radians(30.0))


@pytest.fixture(scope="module")
def classes() -> SemanticClasses:
    return SemanticClasses.load()


def noon(**changes):
    base = {"time_of_day": "noon", "sun_elevation_deg": 60.0, "sun_azimuth_deg": 180.0, "colour_grade": "natural"}
    return scene_plan("open_air", 5, **{**base, **changes})


def wall_scene(classes, class_name: str = "wall"):
    """A 12 m wide, 8 m tall wall 8 m ahead of the camera, facing it."""
    wall = SceneObject(
        3,
        classes.id(class_name),
        class_name,
        "wall",
        (Primitive("box", (0.0, 10.0, 4.0), (12.0, 0.5, 8.0), (0.6, 0.5, 0.45)),),
    )
    return one_object_scene(classes, wall)


def camera(pitch_up: float = 0.0, frames: int = 2) -> CameraPath:
    eyes = np.tile([0.0, 0.0, 3.0], (frames, 1))
    target = eyes + [0.0, 1.0, pitch_up]
    return CameraPath("static", "ground", 96, 96, FX, FX, 48.0, 48.0, 24, look_at(eyes, target))


def flat_share(rgb: np.ndarray) -> float:
    luma = rgb.astype(np.float32) @ np.array([0.2126, 0.7152, 0.0722], np.float32)
    gx = np.abs(np.diff(luma, axis=-1))[..., :-1, :]
    gy = np.abs(np.diff(luma, axis=-2))[..., :, :-1]
    return float(((gx < 1.0) & (gy < 1.0)).mean())


def render_flat(scene, path, plan):
    """The same render with every material switched off (flat albedo), as before textures."""
    return render(scene, path, plan, SETTINGS, textures=False)


@pytest.mark.parametrize("class_name", ["wall", "building", "floor"])
def test_materials_give_surfaces_texture_in_rgb_only(classes, class_name):
    scene, path, plan = wall_scene(classes, class_name), camera(), noon()
    textured = render(scene, path, plan, SETTINGS)
    flat = render_flat(scene, path, plan)
    for name in ("depth", "seg", "instance", "normals"):
        assert getattr(textured, name).tobytes() == getattr(flat, name).tobytes(), name
    face = (slice(None), slice(30, 60), slice(25, 70))  # on the wall, away from its edges
    assert (textured.instance[face] == 3).all()
    assert flat_share(flat.rgb[face]) > 0.9  # a flat colour under one light: no steps
    assert flat_share(textured.rgb[face]) < flat_share(flat.rgb[face]) - 0.15
    assert abs(textured.rgb[face].mean() - flat.rgb[face].mean()) < 40  # the material keeps the object's colour


def test_the_ground_plane_is_textured_near_the_camera(classes):
    scene, path, plan = wall_scene(classes), camera(pitch_up=-0.5), noon()
    textured = render(scene, path, plan, SETTINGS)
    flat = render_flat(scene, path, plan)
    near = (slice(None), slice(80, 95), slice(5, 90))  # ground 3-4 m from the camera
    assert (textured.seg[near] == classes.id("ground")).all()
    assert flat_share(textured.rgb[near]) < 0.5 < flat_share(flat.rgb[near])


def test_material_tiles_are_deterministic_tileable_and_keep_the_mean():
    table = materials.material_table()
    for name, spec in table.materials.items():
        tile = materials.material_tile(name, 1)
        again = np.asarray(
            materials.GENERATORS[spec.kind](spec, np.random.default_rng(materials._seed(name, 1))), dtype=np.float64
        )
        assert tile.shape == (materials.TILE_PX, materials.TILE_PX, 3)
        assert np.isfinite(again).all()
        assert materials.material_tile(name, 1).tobytes() == tile.tobytes(), name
        if spec.kind not in materials.RAW_KINDS:
            luma = tile @ np.array([0.2126, 0.7152, 0.0722])
            tint = np.asarray(spec.tint) @ np.array([0.2126, 0.7152, 0.0722])
            expected = 1.0 if spec.kind in materials.SELF_TINTED else tint
            assert abs(luma.mean() - expected) < 0.08, name
        # tileable: the step across the wrap is no larger than the steps inside the tile, both ways
        for t in (tile, tile.transpose(1, 0, 2)):
            inner = np.abs(np.diff(t, axis=0)).mean(axis=(1, 2)).max()
            wrap = np.abs(t[0] - t[-1]).mean()
            assert wrap <= 1.2 * inner + 0.01, name
    assert materials.material_tile("brick", 0).tobytes() != materials.material_tile("brick", 1).tobytes()


def test_every_class_draws_from_defined_materials_and_real_classes(classes):
    table = materials.material_table()
    for cls, names in table.classes.items():
        classes.id(cls)  # raises for a class the taxonomy does not hold
        assert names and all(n in table.materials for n in names)
    picks = materials.primitive_materials(
        ["wall", "wall", "window", "wall"], ["plain", "plain", "glass", "glass"], [4, 4, 5, 6], 9
    )
    assert picks[0] == picks[1] >= 0 and picks[2] == -1 and picks[3] == -1  # one object, one material; glass smooth


def test_mip_levels_are_tileable_box_filters_of_level_zero():
    atlas = materials.material_atlas(0)
    i = atlas.index("brick")
    level1 = atlas.texels[atlas.level_rows[1] : atlas.level_rows[1] + 64, i * 64 : (i + 1) * 64].astype(np.float64)
    level0 = atlas.texels[:128, i * 128 : (i + 1) * 128].astype(np.float64)
    np.testing.assert_allclose(level1, level0.reshape(64, 2, 64, 2, 3).mean(axis=(1, 3)), atol=1.0)
    last = atlas.texels[atlas.level_rows[-1], i].astype(np.float64)  # 1 px: the tile's mean
    np.testing.assert_allclose(last, level0.mean(axis=(0, 1)), atol=1.5)


def _with_clouds(monkeypatch, cover: float):
    original = raycast.lighting_values

    def patched(*args):
        return {**original(*args), "cloud_cover": cover}

    monkeypatch.setattr(raycast, "lighting_values", patched)


def test_clouds_vary_across_the_sky_and_only_on_sky_pixels(classes, monkeypatch):
    scene, path, plan = wall_scene(classes), camera(pitch_up=0.6), noon()
    with monkeypatch.context() as m:
        _with_clouds(m, 0.0)
        clear = render(scene, path, plan, SETTINGS)
    with monkeypatch.context() as m:
        _with_clouds(m, 0.6)
        cloudy = render(scene, path, plan, SETTINGS)
    sky = cloudy.seg == 0
    assert sky.mean() > 0.3 and (~sky).mean() > 0.2
    assert (clear.seg == cloudy.seg).all()
    np.testing.assert_array_equal(cloudy.rgb[~sky], clear.rgb[~sky])  # nothing but the sky changes
    changed = np.abs(cloudy.rgb.astype(int) - clear.rgb.astype(int)).sum(axis=-1) > 6
    assert changed[sky].mean() > 0.3  # clouds over much of the sky
    luma = cloudy.rgb[sky].astype(float) @ [0.2126, 0.7152, 0.0722]
    assert np.percentile(luma, 95) - np.percentile(luma, 5) > 15  # thick and thin, not one grey veil
    assert flat_share(cloudy.rgb[:, :30]) < flat_share(clear.rgb[:, :30]) - 0.2  # and they give the sky structure


def test_overcast_plans_get_more_cloud_than_clear_ones(classes):
    scene, path = wall_scene(classes), camera()
    clear = raycast.lighting_values(noon(weather="clear"), scene, path)
    overcast = raycast.lighting_values(noon(weather="overcast"), scene, path)
    assert 0.0 < clear["cloud_cover"] < overcast["cloud_cover"]
    assert dataclasses.is_dataclass(noon())


def test_lamps_light_the_ground_around_them_at_night_only(classes, monkeypatch):
    from worldmill.scenes import Scene

    head = Primitive("sphere", (0.0, 8.0, 4.0), (0.4, 0.4, 0.4), (1.0, 0.92, 0.75), emissive=3.0, casts_shadow=False)
    lamp = SceneObject(5, classes.id("light"), "light", "lamp post", (head,))
    base = wall_scene(classes)
    scene = Scene(**{**base.__dict__, "objects": (*base.objects, lamp)})
    path = camera(pitch_up=-0.4)
    night = noon(time_of_day="night", sun_elevation_deg=-12.0)
    lit = render(scene, path, night, SETTINGS)
    with monkeypatch.context() as m:
        m.setattr(raycast, "night_lamps", lambda *a: np.zeros((0, 3)))
        unlit = render(scene, path, night, SETTINGS)
    assert lit.seg.tobytes() == unlit.seg.tobytes() and lit.depth.tobytes() == unlit.depth.tobytes()
    ground = lit.seg == classes.id("ground")
    gain = lit.rgb.astype(float).mean(axis=-1) - unlit.rgb.astype(float).mean(axis=-1)
    assert gain[ground].mean() > 8  # a pool of light where it was dark
    assert (gain >= -1).all()  # lamps only add light
    day = render(scene, path, noon(), SETTINGS)  # by day the lamps are not switched on
    with monkeypatch.context() as m:
        m.setattr(raycast, "night_lamps", lambda *a: np.zeros((0, 3)))
        assert render(scene, path, noon(), SETTINGS).rgb.tobytes() == day.rgb.tobytes()
