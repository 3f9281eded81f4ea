"""Mesh primitives in the ray caster: depth against analytic formulas, agreement with the analytic shapes,
labels and animation through every pass."""

from __future__ import annotations

import numpy as np
import pytest
from conftest_scenes import make_plan as scene_plan
from conftest_scenes import one_object_scene as object_scene

from worldmill.render import render
from worldmill.scenes import CameraPath, Primitive, Scene, SceneObject, look_at
from worldmill.schemas.plan import RenderSettings
from worldmill.taxonomy.classes import SemanticClasses

SETTINGS = RenderSettings(width=64, height=64, frames=4, fps=24)
FX = 32 / np.tan(np.radians(30.0))


@pytest.fixture(scope="module")
def classes() -> SemanticClasses:
    return SemanticClasses.load()


def plan():
    return scene_plan(
        "open_air", 5, time_of_day="noon", sun_elevation_deg=80.0, sun_azimuth_deg=180.0, colour_grade="natural"
    )


def one_object_scene(classes, prim: Primitive, velocity=(0.0, 0.0, 0.0)) -> Scene:
    obj = SceneObject(7, classes.id("animal"), "animal", "thing", (prim,), velocity=velocity, salient=True)
    return object_scene(classes, obj)


def camera(frames: int = 4) -> CameraPath:
    eyes = np.tile([0.0, 0.0, 5.0], (frames, 1))
    return CameraPath("static", "ground", 64, 64, FX, FX, 32.0, 32.0, 24, look_at(eyes, eyes + [0.0, 1.0, 0.0]))


def ray_dirs() -> np.ndarray:
    """Unit world directions of the fixed camera's pixels (x east, y north = forward, z up)."""
    j, i = np.mgrid[0:64, 0:64]
    d = np.stack([(i + 0.5 - 32.0) / FX, np.ones_like(i, dtype=float), -(j + 0.5 - 32.0) / FX], axis=-1)
    return d / np.linalg.norm(d, axis=-1, keepdims=True)


def sphere_zdepth(centre, radius) -> np.ndarray:
    """z-depth (along +y) of the first hit on a sphere from the camera at (0, 0, 5); inf on a miss."""
    d = ray_dirs()
    oc = np.array([0.0, 0.0, 5.0]) - np.asarray(centre)
    b = d @ oc
    disc = b * b - (oc @ oc - radius * radius)
    t = np.where(disc >= 0, -b - np.sqrt(np.maximum(disc, 0)), np.inf)
    return t * d[..., 1]


def test_a_mesh_sphere_has_the_depth_of_the_analytic_sphere(classes):
    prim = Primitive("mesh", (0.0, 20.0, 5.0), (8.0, 8.0, 8.0), (1.0, 1.0, 1.0), mesh="ball:0")
    passes = render(one_object_scene(classes, prim), camera(), plan(), SETTINGS)
    expected = sphere_zdepth((0.0, 20.0, 5.0), 4.0)
    inside = np.isfinite(expected) & (passes.instance[0] == 7)
    assert inside.sum() > 350
    # 64 segments: a tessellated sphere lies within 1 % of the radius of the true one, even at grazing rays
    np.testing.assert_allclose(passes.depth[0][inside], expected[inside], atol=0.04)
    assert np.median(np.abs(passes.depth[0][inside] - expected[inside])) < 0.012
    core = sphere_zdepth((0.0, 20.0, 5.0), 3.9)
    assert (passes.instance[0][np.isfinite(core)] == 7).all()  # no holes
    assert (passes.seg[0][inside] == classes.id("animal")).all()


def test_a_mesh_box_has_the_depth_of_the_analytic_box_and_the_same_labels(classes):
    mesh = Primitive("mesh", (0.0, 20.0, 5.0), (6.0, 4.0, 10.0), (1.0, 1.0, 1.0), yaw_deg=0.0, mesh="crate:0")
    box = Primitive("box", (0.0, 20.0, 5.0), (6.0, 4.0, 10.0), (0.5, 0.4, 0.3))
    pm = render(one_object_scene(classes, mesh), camera(), plan(), SETTINGS)
    pa = render(one_object_scene(classes, box), camera(), plan(), SETTINGS)
    np.testing.assert_allclose(pm.depth[:, 20:45, 25:40], 18.0, rtol=1e-4)
    assert (pm.instance == pa.instance).mean() > 0.995
    assert (pm.seg == pa.seg).mean() > 0.995
    hit = np.isfinite(pa.depth) & np.isfinite(pm.depth)
    np.testing.assert_allclose(pm.depth[hit], pa.depth[hit], rtol=1e-3)
    face = (slice(None), slice(20, 45), slice(25, 40))
    np.testing.assert_allclose(pm.normals[face], pa.normals[face], atol=1e-3)


def test_mesh_and_analytic_spheres_agree_turned_and_moving(classes):
    kw = {"yaw_deg": 35.0, "pitch_deg": 10.0}
    mesh = Primitive("mesh", (1.0, 22.0, 4.0), (6.0, 6.0, 6.0), (1.0, 1.0, 1.0), mesh="ball:0", **kw)
    ball = Primitive("sphere", (1.0, 22.0, 4.0), (6.0, 6.0, 6.0), (0.5, 0.4, 0.3), **kw)
    v = (2.0, -3.0, 0.0)
    pm = render(one_object_scene(classes, mesh, v), camera(), plan(), SETTINGS)
    pa = render(one_object_scene(classes, ball, v), camera(), plan(), SETTINGS)
    assert (pm.instance == pa.instance).mean() > 0.99
    hit = (pm.instance == 7) & (pa.instance == 7) & (pa.normals[..., 2] < -0.5)  # away from the silhouette
    # ~38 px across: the far level of detail (29 segments) stands in, within 5 % of the radius
    np.testing.assert_allclose(pm.depth[hit], pa.depth[hit], atol=0.15)
    assert np.median(np.abs(pm.depth[hit] - pa.depth[hit])) < 0.06
    cos = np.sum(pm.normals[hit] * pa.normals[hit], axis=-1)
    assert np.median(cos) > 0.999


def test_the_mesh_bank_is_emptied_past_its_triangle_budget():
    """A worker that renders cell after cell keeps its meshes' memory bounded: past the budget the bank and the
    library's loaded meshes are dropped before the next render, and reload on demand."""
    import warp as wp

    from worldmill import library
    from worldmill.render import meshes

    wp.init()
    store = meshes.bank(wp, "cpu", max_triangles=0)  # an empty bank, whatever earlier tests rendered
    _first, poses = store.first_pose("giraffe:0", 0)
    assert poses >= 1 and store.triangle_total > 0 and library.asset.cache_info().currsize > 0
    assert meshes.bank(wp, "cpu") is store  # within budget: kept
    fresh = meshes.bank(wp, "cpu", max_triangles=store.triangle_total - 1)
    assert fresh is not store and fresh.triangle_total == 0 and library.asset.cache_info().currsize == 0
    assert fresh.first_pose("giraffe:0", 0) == (0, poses)  # reloads on demand


def test_the_mesh_bank_lets_go_of_what_the_next_scene_does_not_need():
    """Before a render the bank sizes the scene's new meshes: past its budget it keeps only what the scene
    needs (the same BVHs, not rebuilt) and drops the rest, so a big scene never lands on a full bank."""
    import warp as wp

    from worldmill import library
    from worldmill.render import meshes

    wp.init()
    store = meshes.bank(wp, "cpu", max_triangles=0)
    store.first_pose("giraffe:0", 0)
    store.first_pose("zebra:1", 1)
    giraffe = store.meshes[store.index[("giraffe:0", 0)]].id
    held = store.triangle_total
    roomy = meshes.bank(wp, "cpu", max_triangles=10 * held, needed={("giraffe:0", 0), ("lion:0", 0)})
    assert roomy is store  # within budget: everything stays for later scenes
    tight = meshes.bank(wp, "cpu", max_triangles=held, needed={("giraffe:0", 0), ("lion:0", 0)})
    assert tight is not store and set(tight.index) == {("giraffe:0", 0)}
    assert tight.meshes[tight.index[("giraffe:0", 0)]].id == giraffe  # kept, not rebuilt
    first, poses = tight.first_pose("lion:0", 0)
    assert poses == library.cycle("lion:0")[0] and first == library.cycle("giraffe:0")[0]
    assert tight.triangle_total == (library.triangles("giraffe:0") * library.cycle("giraffe:0")[0]
                                    + library.triangles("lion:0") * poses)  # fmt: skip
    packed = tight.packed()  # the shared arrays line up with the kept meshes
    assert packed.face_base.numpy()[-1] == tight.triangle_total
    assert meshes.bank(wp, "cpu", max_triangles=0, needed={("lion:0", 0)}) is not tight  # giraffe let go


@pytest.mark.parametrize(("distance", "block"), [(60.0, True), (8.0, False)])
def test_a_far_person_is_drawn_as_a_block_of_its_colour_keeping_its_labels(classes, distance, block):
    """The last level of detail: a spectator a few pixels tall is a box (no mesh query), still a person."""
    import math

    from worldmill.render.raycast import distant_people_as_blocks, primitive_arrays
    from worldmill.scenes import shapes

    prim = shapes.library_model(shapes.Placer(0.0, distance, 0.0, 180.0), "person_sit:1:summer", (0.5, 1.3, 0.3),
                                np.random.default_rng(0))  # fmt: skip
    obj = SceneObject(4, classes.id("person"), "person", "spectator", (prim,))
    scene = object_scene(classes, obj)
    size, frames = 256, 2
    fx = size / 2 / math.tan(math.radians(30.0))
    eyes = np.tile([0.0, 0.0, 1.0], (frames, 1))
    path = CameraPath("static", "ground", size, size, fx, fx, size / 2, size / 2, 24,
                      look_at(eyes, np.tile(prim.center, (frames, 1))))  # fmt: skip
    times = np.arange(frames) / 24
    arrays = distant_people_as_blocks(primitive_arrays(scene, frames / 24), scene, path, times)
    assert (arrays.shapes[0] == 0) == block and (arrays.mesh_keys[0] == "") == block
    if block:
        assert not np.allclose(arrays.colors[0], 1.0)  # the model's own colours, averaged
    passes = render(scene, path, scene_plan("open_air", 3), RenderSettings(width=size, height=size, frames=frames,
                                                                           fps=24), normals=False)  # fmt: skip
    mask = passes.instance == 4
    assert mask.sum() > 4 and (passes.seg[mask] == classes.id("person")).all()
