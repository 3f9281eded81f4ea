"""Warp rendering: passes against analytic values (depth, labels, normals, motion), edges on object
boundaries, Transfer1 control-map normalisation, condition files, contact sheets and the process pool."""

from __future__ import annotations

import dataclasses
import json
import os

import cv2
import numpy as np
import pytest
from conftest_scenes import make_plan as scene_plan

from worldmill import video
from worldmill.errors import RenderError, SceneError
from worldmill.render import (
    CONDITION_FILES,
    ControlWeightPolicy,
    RenderPool,
    choose_depth_unit,
    contact_sheet,
    control_maps,
    decode_depth,
    edges,
    encode_depth,
    foreground_mask,
    normalise_weights,
    render,
    render_instance,
    render_samples,
    vis,
    write_conditions,
)
from worldmill.scenes import CameraPath, CameraZone, Primitive, Scene, SceneObject, build_scene, camera_path, look_at
from worldmill.schemas.plan import RenderSettings, ScenePlan
from worldmill.taxonomy.classes import SemanticClasses

SETTINGS = RenderSettings(width=64, height=64, frames=8, fps=24)
FX = 32 / np.tan(np.radians(30.0))  # 60° horizontal field of view at 64 px


def make_plan(archetype: str = "zoo", seed: int = 5, **changes) -> ScenePlan:
    """The shared hand-built plan under a high noon sun from the south, which the shading checks assume."""
    noon = {"time_of_day": "noon", "sun_elevation_deg": 80.0, "sun_azimuth_deg": 180.0, "colour_grade": "natural"}
    return scene_plan(archetype, seed, **{**noon, **changes})


@pytest.fixture(scope="module")
def classes() -> SemanticClasses:
    return SemanticClasses.load()


def box_scene(classes: SemanticClasses, velocity=(0.0, 0.0, 0.0)) -> Scene:
    """A 6 m wide, 4 m deep, 10 m tall plain dark box whose front face is 18 m ahead of the camera, on a ground plane."""
    box = SceneObject(
        1,
        classes.id("building"),
        "building",
        "block",
        (Primitive("box", (0.0, 20.0, 5.0), (6.0, 4.0, 10.0), (0.08, 0.08, 0.1)),),
        velocity=velocity,
        salient=True,
    )
    zone = CameraZone("ground", (-1.0, -1.0, 1.0), (1.0, 1.0, 6.0), (0.0, 1.0))
    return Scene(
        "testville-1__open_air__r00001-000",
        1,
        "open_air",
        "park",
        False,
        "right",
        (box,),
        classes.id("ground"),
        (0.0, 20.0, 5.0),
        (zone,),
    )


def fixed_camera(frames: int = 8) -> CameraPath:
    """At (0, 0, 5), looking along +y (north), level."""
    eyes = np.tile([0.0, 0.0, 5.0], (frames, 1))
    return CameraPath("static", "ground", 64, 64, FX, FX, 32.0, 32.0, 24, look_at(eyes, eyes + [0.0, 1.0, 0.0]))


@pytest.fixture(scope="module")
def box_passes(classes):
    return render(box_scene(classes), fixed_camera(), make_plan("open_air"), SETTINGS)


def test_depth_of_a_known_box_and_the_ground_plane_match_the_analytic_values(box_passes, classes):
    depth, seg, inst = box_passes.depth, box_passes.seg, box_passes.instance
    assert depth.shape == (8, 64, 64) and depth.dtype == np.float32
    # the box's front face (y = 18) spans columns 32 ± 9.2 and rows 32 ± 15.4: z-depth is 18 everywhere on it
    face = depth[:, 20:45, 25:40]
    np.testing.assert_allclose(face, 18.0, rtol=1e-4)
    # ground pixels: a level camera 5 m up sees z = 0 at z-depth 5 / ((row + 0.5 - cy) / fy)
    rows = np.arange(64)[None, :, None].repeat(8, 0).repeat(64, 2)
    ground = seg == classes.id("ground")
    assert ground.sum() > 1000
    expected = 5.0 / ((rows + 0.5 - 32.0) / FX)
    np.testing.assert_allclose(depth[ground], expected[ground], rtol=2e-3)
    sky = seg == classes.id("sky")
    assert sky.sum() > 500 and np.isinf(depth[sky]).all() and (inst[sky] == 0).all()
    assert not (sky & (rows > 32)).any() and not (ground & (rows < 32)).any()


def test_segmentation_instance_ids_and_normals_label_the_box(box_passes, classes):
    face = (slice(None), slice(20, 45), slice(25, 40))
    assert (box_passes.seg[face] == classes.id("building")).all()
    assert (box_passes.instance[face] == 1).all()
    assert set(np.unique(box_passes.instance).tolist()) == {0, 1}
    np.testing.assert_allclose(
        box_passes.normals[face], np.broadcast_to([0.0, 0.0, -1.0], box_passes.normals[face].shape), atol=1e-5
    )
    ground = box_passes.seg == classes.id("ground")
    np.testing.assert_allclose(box_passes.normals[ground][:, 1], -1.0, atol=1e-5)  # world up is camera -y
    assert box_passes.rgb.dtype == np.uint8 and box_passes.rgb.shape == (8, 64, 64, 3)
    assert box_passes.salient_ids.tolist() == [1]


def test_moving_objects_are_rendered_where_they_are_at_each_frame(classes):
    passes = render(box_scene(classes, velocity=(0.0, -12.0, 0.0)), fixed_camera(), make_plan("open_air"), SETTINGS)
    centre = passes.depth[:, 32, 32]
    np.testing.assert_allclose(centre, 18.0 - 0.5 * np.arange(8), rtol=1e-4)  # 12 m/s at 24 fps: 0.5 m per frame


def test_rendering_is_deterministic(classes):
    plan = make_plan()
    scene = build_scene(plan, classes)
    path = camera_path(scene, plan, SETTINGS)
    first, again = render(scene, path, plan, SETTINGS), render(scene, path, plan, SETTINGS)
    for name in ("rgb", "depth", "seg", "instance", "normals"):
        np.testing.assert_array_equal(getattr(first, name), getattr(again, name))


def test_the_instance_only_launch_gives_the_instance_pass_of_the_full_render(classes):
    """``render_instance`` (camera rays only, for the framing checks) labels every pixel as the full render does:
    a real scene with library meshes and moving people, at the default frame times and at shuffled ones."""
    plan = make_plan()
    scene = build_scene(plan, classes)
    path = camera_path(scene, plan, SETTINGS)
    full = render(scene, path, plan, SETTINGS, normals=False, textures=False, signs=False)
    only = render_instance(scene, path, SETTINGS)
    assert only.dtype == np.int32 and only.shape == full.instance.shape
    assert len(np.unique(only)) > 3
    np.testing.assert_array_equal(only, full.instance)
    times = np.arange(SETTINGS.frames)[::-1] / SETTINGS.fps
    np.testing.assert_array_equal(
        render_instance(scene, path, SETTINGS, times=times), render(scene, path, plan, SETTINGS, times=times).instance
    )
    box = render_instance(box_scene(classes), fixed_camera(), SETTINGS)
    assert set(np.unique(box).tolist()) == {0, 1}


def _ray_hits_box(points: np.ndarray, direction: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """bool [N]: whether the rays from ``points`` along ``direction`` enter the axis-aligned box (slab test)."""
    with np.errstate(divide="ignore"):
        inv = 1.0 / direction
    t1, t2 = (lo - points) * inv, (hi - points) * inv
    near, far = np.minimum(t1, t2).max(axis=1), np.maximum(t1, t2).min(axis=1)
    return (far >= np.maximum(near, 0.0)) & (far > 0.0)


POSTS = [((x, y, 2.0), (1.0, 1.0, 4.0), (0.0, 0.0, 0.0)) for x in (-8.0, 0.0, 8.0) for y in (12.0, 24.0)] + [
    ((4.0, 20.0, 2.0), (1.5, 1.5, 4.0), (0.0, -12.0, 0.0))  # 4 m south over the clip, across the light
]


def posts_from_above(classes: SemanticClasses, **plan_changes):
    """Posts on open ground seen from 26 m up under a low sun from the east: (passes, ground points per frame,
    sun direction); each frame's points are the world positions of its ground pixels."""
    from worldmill.render.raycast import lighting_values

    objects = tuple(
        SceneObject(i + 1, classes.id("building"), "building", "post", (Primitive("box", c, s, (0.3, 0.3, 0.3)),), velocity=v)
        for i, (c, s, v) in enumerate(POSTS)
    )
    zone = CameraZone("ground", (-1.0, -1.0, 1.0), (1.0, 1.0, 30.0), (0.0, 1.0))
    scene = Scene("testville-1__open_air__r00001-000", 1, "open_air", "park", False, "right", objects,
                  classes.id("ground"), (0.0, 18.0, 2.0), (zone,))  # fmt: skip
    plan = make_plan("open_air", sun_elevation_deg=35.0, sun_azimuth_deg=80.0, **plan_changes)
    eyes = np.tile([0.0, 2.0, 26.0], (SETTINGS.frames, 1))
    path = CameraPath("static", "ground", 64, 64, FX, FX, 32.0, 32.0, 24, look_at(eyes, eyes + [0.0, 0.7, -1.0]))
    passes = render(scene, path, plan, SETTINGS)
    sun = np.asarray(lighting_values(plan, scene, path)["sun_dir"], dtype=np.float64)
    ys, xs = np.mgrid[0:64, 0:64]
    rays = np.stack([(xs + 0.5 - 32.0) / FX, (ys + 0.5 - 32.0) / FX, np.ones_like(xs, dtype=float)], axis=-1)
    points = []
    for f in range(SETTINGS.frames):
        ground = passes.seg[f] == classes.id("ground")
        c2w = path.camera_to_world[f]
        points.append(c2w[:3, 3] + (rays[ground] * passes.depth[f][ground][:, None]) @ c2w[:3, :3].T)
    return passes, points, sun


def test_shadows_fall_where_the_light_is_blocked_as_the_casters_move(classes):
    """Every ground pixel is dark exactly where the ray from it towards the sun meets a post, including the
    shadow of a post that moves across the light during the clip."""
    passes, points, sun = posts_from_above(classes)
    luma = passes.rgb.astype(np.float64).mean(axis=-1)
    for f, frame_points in enumerate(points):
        shadow, moving_shadow = np.zeros(len(frame_points), dtype=bool), np.zeros(len(frame_points), dtype=bool)
        for centre, size, velocity in POSTS:
            now, half = np.asarray(centre) + np.asarray(velocity) * f / SETTINGS.fps, 0.5 * np.asarray(size)
            hit = _ray_hits_box(frame_points + sun * 0.02, sun, now - half, now + half)
            shadow |= hit
            moving_shadow |= hit if any(velocity) else False
        ground = luma[f][passes.seg[f] == classes.id("ground")]
        dark = ground < 0.7 * np.median(ground[~shadow])
        assert moving_shadow.sum() > 20 and shadow.sum() > 100  # shadows are in view ...
        assert (dark & shadow).sum() / (dark | shadow).sum() > 0.97  # ... where the geometry puts them


def test_an_overcast_sky_casts_no_hard_shadows(classes):
    for weather, shadowed in (("clear", True), ("overcast", False)):
        passes, _, _ = posts_from_above(classes, weather=weather)
        ground = passes.rgb.astype(np.float64).mean(axis=-1)[passes.seg == classes.id("ground")]
        assert ((ground < 0.7 * np.median(ground)).mean() > 0.02) == shadowed, weather


def test_shadow_grid_lists_each_caster_where_the_light_sees_it_sunward_first():
    from worldmill.render.tiles import bin_shadow_casters, light_axes

    rng = np.random.default_rng(3)
    centres = rng.uniform(-50.0, 50.0, (200, 3))
    halves = rng.uniform(0.2, 3.0, (200, 3))
    halves[0] = (80.0, 80.0, 0.5)  # a ground slab: wide
    casts = np.ones(200, dtype=np.int32)
    casts[1] = 0  # never listed
    sun = np.array([0.3, -0.5, 0.8])
    grid = bin_shadow_casters(centres - halves, centres + halves, casts, sun)
    u, v, ell = light_axes(sun)
    rows = np.repeat(np.arange(len(grid.offsets) - 1), np.diff(grid.offsets))
    wide_row = grid.cells_x * grid.cells_y
    assert set(grid.prims[rows == wide_row].tolist()) == {0}
    assert 1 not in grid.prims.tolist()
    for i in range(2, 200):  # the cell under each caster's centre lists it
        cx = int((centres[i] @ u - grid.origin_u) // grid.cell)
        cy = int((centres[i] @ v - grid.origin_v) // grid.cell)
        row = min(cy, grid.cells_y - 1) * grid.cells_x + min(cx, grid.cells_x - 1)
        assert i in grid.prims[grid.offsets[row] : grid.offsets[row + 1]]
    for row in range(wide_row + 1):  # sunward-most first, so a ray can stop at the first caster behind it
        s_max = grid.s_max[grid.offsets[row] : grid.offsets[row + 1]]
        assert (np.diff(s_max) <= 0).all()
    np.testing.assert_allclose(grid.s_max[grid.prims == 5], centres[5] @ ell + halves[5] @ np.abs(ell), rtol=1e-5)


def _boundaries(labels: np.ndarray) -> np.ndarray:
    b = np.zeros(labels.shape, dtype=bool)
    b[:, 1:, :] |= labels[:, 1:, :] != labels[:, :-1, :]
    b[:, :-1, :] |= labels[:, 1:, :] != labels[:, :-1, :]
    b[:, :, 1:] |= labels[:, :, 1:] != labels[:, :, :-1]
    b[:, :, :-1] |= labels[:, :, 1:] != labels[:, :, :-1]
    return b


def test_edges_lie_on_object_boundaries(box_passes):
    edge = edges(box_passes.rgb)
    assert edge.shape == (8, 64, 64) and set(np.unique(edge).tolist()) <= {0, 255}
    boundary = _boundaries(box_passes.seg.astype(np.int32) * 65536 + box_passes.instance)
    kernel = np.ones((5, 5), np.uint8)
    near_boundary = np.stack([cv2.dilate(b.astype(np.uint8), kernel) for b in boundary]).astype(bool)
    on = edge > 0
    assert on.sum() > 100
    assert (on & near_boundary).sum() / on.sum() > 0.9
    near_edge = np.stack([cv2.dilate(e, kernel) for e in edge]) > 0
    assert (boundary & near_edge).sum() / boundary.sum() > 0.6  # and most of the outlines are found


def test_vis_is_a_blur_of_the_frames(box_passes):
    blurred = vis(box_passes.rgb)
    assert blurred.shape == box_passes.rgb.shape and blurred.dtype == np.uint8
    assert np.abs(blurred.astype(int) - box_passes.rgb.astype(int)).mean() < 20
    lap = [
        cv2.Laplacian(cv2.cvtColor(f, cv2.COLOR_RGB2GRAY), cv2.CV_64F).var() for f in (box_passes.rgb[0], blurred[0])
    ]
    assert lap[1] < lap[0]


def test_normalise_weights_applies_the_transfer1_rule():
    rng = np.random.default_rng(0)
    weights = rng.uniform(0.0, 0.8, size=(4, 3, 8, 8)).astype(np.float32)
    out = normalise_weights(weights)
    total_in, total_out = weights.sum(0), out.sum(0)
    assert (total_out <= 1.0 + 1e-6).all()
    small = total_in <= 1.0
    np.testing.assert_allclose(out[:, small], weights[:, small])
    np.testing.assert_allclose(total_out[~small], 1.0, rtol=1e-6)
    np.testing.assert_allclose(out[:, ~small], weights[:, ~small] / total_in[~small], rtol=1e-6)
    with pytest.raises(RenderError, match="non-negative"):
        normalise_weights(-weights)


def test_default_control_maps_put_dense_modalities_on_the_foreground(box_passes):
    passes = box_passes  # the box is a salient object; sky and ground are background
    maps = control_maps(passes)
    assert maps.shape == (4, 8, 64, 64) and maps.dtype == np.float32
    assert (maps.sum(0) <= 1.0 + 1e-6).all() and (maps >= 0).all()
    fg = foreground_mask(passes)
    salient = np.isin(passes.instance, passes.salient_ids) & (passes.instance > 0)
    assert salient.any() and (~fg).any()
    assert fg[salient].all()
    dense, sparse = maps[0] + maps[1], maps[2] + maps[3]
    assert (dense[fg] > sparse[fg]).all() and (sparse[~fg] > dense[~fg]).all()
    heavy = control_maps(passes, ControlWeightPolicy(foreground=(1.0, 1.0, 0.5, 0.5), background=(0.2, 0.2, 0.9, 0.9)))
    np.testing.assert_allclose(heavy.sum(0), 1.0, rtol=1e-6)  # sums over 1 are normalised to 1


def test_render_rejects_mismatched_settings_and_unknown_devices(classes):
    scene = box_scene(classes)
    with pytest.raises(RenderError, match="settings"):
        render(scene, fixed_camera(4), make_plan("open_air"), SETTINGS)
    with pytest.raises(RenderError, match="device"):
        render(scene, fixed_camera(), make_plan("open_air"), SETTINGS, device="cuda:7")


def test_write_conditions_writes_every_file_atomically_and_losslessly(tmp_path, classes):
    plan = make_plan(camera_motion="dolly")
    scene = build_scene(plan, classes)
    path = camera_path(scene, plan, SETTINGS)
    passes = render(scene, path, plan, SETTINGS)
    out = tmp_path / "footage" / plan.sample_id
    files = write_conditions(out, scene, path, plan, passes, classes, SETTINGS.fps, prompt="A zoo at noon.")
    assert set(files) == set(CONDITION_FILES) | {"prompt.txt"}
    depth_unit_m = json.loads(files["camera.json"].read_text())["depth_unit_m"]
    assert depth_unit_m == choose_depth_unit(passes.depth)
    np.testing.assert_array_equal(video.read_gray16(files["depth.mkv"]), encode_depth(passes.depth, depth_unit_m))
    np.testing.assert_array_equal(video.read_gray16(files["instance.mkv"]), passes.instance.astype(np.uint16))
    # H.264 blurs class colours along edges: at 64² a room of chair legs and rails is mostly edges
    assert (classes.decode(video.read_frames(files["seg.mp4"])) == passes.seg).mean() > 0.85
    for name in ("input.mp4", "depth.mp4", "seg.mp4", "edge.mp4", "vis.mp4"):
        assert video.probe(files[name]).frames == SETTINGS.frames
    with np.load(files["control_weights.npz"]) as npz:
        assert sorted(npz.files) == ["depth", "edge", "seg", "vis"]
        assert all(npz[m].dtype == np.float16 and npz[m].shape == (8, 64, 64) for m in npz.files)
        assert (sum(npz[m].astype(np.float32) for m in npz.files) <= 1.0 + 1e-3).all()
    camera = json.loads(files["camera.json"].read_text())
    assert camera["convention"] == "opencv" and camera["depth"] == "z" and len(camera["camera_to_world"]) == 8
    assert Scene.from_json(files["scene.json"].read_text()) == scene
    assert ScenePlan.from_json(files["plan.json"].read_text()) == plan
    # a second write replaces the folder and leaves nothing temporary beside it
    write_conditions(out, scene, path, plan, passes, classes, SETTINGS.fps)
    assert [p.name for p in out.parent.iterdir()] == [plan.sample_id]
    assert not (out / "prompt.txt").exists()
    # the diffusion backends' reader accepts the set
    from worldmill.generation.diffusion.conditions import load_conditions

    loaded = load_conditions(out)
    assert loaded.frames == 8 and loaded.camera.width == 64 and set(loaded.weights) == {"vis", "edge", "depth", "seg"}


def test_colour_maps_match_a_plain_lookup_for_any_shape(classes):
    from worldmill.render import depth_colours
    from worldmill.render.conditions import _TURBO

    seg = np.random.default_rng(0).integers(0, 40, (3, 9, 7)).astype(np.uint8)
    np.testing.assert_array_equal(classes.colorize(seg[:, ::2]), classes.palette()[seg[:, ::2]])
    depth = np.array([[0.5, 2.0, np.inf, 0.0, np.nan]], dtype=np.float32)
    coloured = depth_colours(depth, (0.0, 2.0))
    np.testing.assert_array_equal(coloured[0, 2:], 0)  # sky, no depth and NaN are black
    np.testing.assert_array_equal(coloured[0, :2], _TURBO[[255, 64]])  # disparity 2 → 255, 0.5 → 63.75 + 0.5
    assert depth_colours(np.zeros((0, 4), np.float32), (0.0, 1.0)).shape == (0, 4, 3)
    assert classes.colorize(np.zeros((0, 4), np.uint8)).shape == (0, 4, 3)


def test_depth_encoding_keeps_sky_and_saturation_apart_in_any_unit():
    depth = np.array([[[np.inf, 0.0001, 1.25, 65.535, 70.0]]], dtype=np.float32)
    assert encode_depth(depth, 0.001).tolist() == [[[0, 1, 1250, 65535, 65535]]]
    assert encode_depth(depth, 0.01).tolist() == [[[0, 1, 125, 6554, 7000]]]
    back = decode_depth(encode_depth(depth, 0.01), 0.01)
    assert back.dtype == np.float32 and np.isinf(back[0, 0, 0])
    np.testing.assert_allclose(back[0, 0, 1:], [0.01, 1.25, 65.54, 70.0], rtol=1e-6)
    assert np.isinf(decode_depth(np.array([65535], np.uint16), 0.001)).all()


def test_depth_unit_is_the_finest_that_holds_nearly_every_hit():
    street = np.full((4, 50, 50), 30.0, np.float32)
    street[:, :10] = np.inf  # sky does not count
    assert choose_depth_unit(street) == 0.001
    assert choose_depth_unit(np.full((2, 8, 8), np.inf, np.float32)) == 0.001
    assert choose_depth_unit(street * 10) == 0.01
    assert choose_depth_unit(street * 100) == 0.1
    assert choose_depth_unit(street * 1e3) == 1.0
    assert choose_depth_unit(street * 1e5) == 1.0  # beyond every unit: the coarsest, far pixels saturate
    horizon = street.copy()
    horizon[:, 10, :2] = 4e5  # a sliver of ground plane hundreds of km out does not coarsen the unit
    assert choose_depth_unit(horizon) == 0.001


def test_contact_sheet_tiles_frames_and_modalities(box_passes, classes):
    rgb = box_passes.rgb
    sheet = contact_sheet(rgb, box_passes.depth, classes.colorize(box_passes.seg), edges(rgb), vis(rgb), frames=4)
    assert sheet.shape == (4 * 64, 5 * 64, 3) and sheet.dtype == np.uint8
    np.testing.assert_array_equal(sheet[:64, :64], rgb[0])
    with pytest.raises(RenderError, match="disagree"):
        contact_sheet(rgb, box_passes.depth, classes.colorize(box_passes.seg)[:, :32], edges(rgb), vis(rgb))


def test_render_pool_uses_worker_processes_and_names_failing_samples(tmp_path):
    plans = [make_plan(seed=31), make_plan("hospital", seed=32, indoor=True, camera_motion="pan", camera_height_m=1.6)]
    broken = dataclasses.replace(make_plan(seed=33), archetype="volcano")
    with RenderPool(workers=2) as pool:
        results = pool.render(plans, SETTINGS, [tmp_path / p.sample_id for p in plans])
        with pytest.raises(SceneError, match=broken.sample_id):
            pool.render([broken], SETTINGS, [tmp_path / "broken"])
    assert [r.sample_id for r in results] == [p.sample_id for p in plans]
    assert all(r.pid != os.getpid() and r.frames == 8 and r.object_count > 5 for r in results)
    assert any(r.triangle_count > 1000 for r in results)  # people, trees, ... are library meshes
    assert all(
        set(r.files) == set(CONDITION_FILES) and r.files["input.mp4"].parent == tmp_path / r.sample_id for r in results
    )
    assert all(r.render_s > 0 and r.encode_s > 0 and 0 < r.peak_rss_mb < 1024 for r in results)
    assert not (tmp_path / "broken").exists()
    # the same plan rendered in this process gives byte-identical files (same cell + round -> same clip)
    (again,) = render_samples(plans[:1], SETTINGS, [tmp_path / "again"], workers=1)
    for name, file in results[0].files.items():
        assert file.read_bytes() == again.files[name].read_bytes(), name


def test_render_samples_in_process_returns_the_same_files(tmp_path):
    plan = make_plan(seed=35)
    (result,) = render_samples([plan], SETTINGS, [tmp_path / "one"], workers=1)
    assert result.pid == os.getpid() and set(result.files) == set(CONDITION_FILES)
    with pytest.raises(RenderError, match="2 plans, 1 output"):
        render_samples([plan, plan], SETTINGS, [tmp_path / "x"])


def test_condition_files_are_byte_identical_whatever_was_rendered_before(tmp_path):
    """Same cell + round → same bytes: a re-render after other samples must not change any file."""
    import hashlib

    from worldmill.prompts import sample_id, sample_plan, seed_for
    from worldmill.taxonomy import load_taxonomy

    cell = load_taxonomy().cells(["Shanghai"], ["zoo"])[0]
    plans = {(r, i): sample_plan(cell, seed_for(cell.key, r, i), sample_id(cell.key, r, i), r) for r in (1, 2) for i in (0, 1)}
    settings = RenderSettings(width=64, height=64, frames=8, fps=24)

    def batch(keys, tag):
        outs = [tmp_path / f"{tag}{i}" for i in range(len(keys))]
        render_samples([plans[k] for k in keys], settings, outs, workers=1)
        return [{p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(o.iterdir())} for o in outs]

    first = batch([(1, 0), (1, 1)], "a")
    batch([(2, 0), (2, 1)], "b")
    assert batch([(1, 0), (1, 1)], "c") == first


def test_render_worker_runs_opencv_on_one_thread(monkeypatch):
    """A worker owns one core: OpenCV's own thread pool would only spin against the other workers."""
    from worldmill.render import pool, raycast

    monkeypatch.setattr(raycast, "warm_up", lambda device: None)
    monkeypatch.setattr(pool, "_WORKER", {})
    before = cv2.getNumThreads()
    try:
        cv2.setNumThreads(2)
        pool._init_worker("cpu")
        assert cv2.getNumThreads() == 1
    finally:
        cv2.setNumThreads(before)
