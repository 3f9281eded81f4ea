"""The procedural asset library: deterministic per seed, closed meshes, labels through the passes,
animation by frame time, traffic on the plan's driving side."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from conftest_scenes import make_plan, one_object_scene

from worldmill import library
from worldmill.render import render
from worldmill.scenes import CameraPath, Scene, SceneObject, build_scene, look_at, shapes
from worldmill.schemas.plan import RenderSettings
from worldmill.taxonomy.classes import SemanticClasses


@pytest.fixture(scope="module")
def classes() -> SemanticClasses:
    return SemanticClasses.load()


def _open_edges(mesh) -> int:
    """Edges not shared by exactly two triangles, after welding coincident vertices (each solid is closed)."""
    _, weld = np.unique(np.round(mesh.vertices, 5), axis=0, return_inverse=True)
    f = weld.reshape(-1)[mesh.faces]
    edges = np.sort(np.concatenate([f[:, [0, 1]], f[:, [1, 2]], f[:, [2, 0]]]), axis=1)
    edges = edges[edges[:, 0] != edges[:, 1]]
    _, counts = np.unique(edges, axis=0, return_counts=True)
    return int((counts % 2 != 0).sum())


@pytest.mark.parametrize("kind", sorted(library.kinds()))
def test_every_kind_builds_the_same_closed_mesh_for_the_same_seed(kind):
    spec = library.kinds()[kind]
    first = spec.build(1, "", library.LODS[1])
    again = spec.build(1, "", library.LODS[1])
    other = spec.build(2, "", library.LODS[1])
    assert len(first) == len(again) >= 1
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a.vertices, b.vertices)
        np.testing.assert_array_equal(a.colors, b.colors)
        assert a.faces.min() >= 0 and a.faces.max() < len(a.vertices)
        assert np.isfinite(a.vertices).all() and np.isfinite(a.normals).all()
        assert _open_edges(a) == 0, f"{kind} has holes"
        assert 0 < a.triangles < 40_000
    assert len(other) == len(first)
    if spec.cycle_s > 0 and len(first) > 1:  # animated: the poses differ
        assert not np.allclose(first[0].vertices, first[len(first) // 4].vertices)


def test_keys_name_known_kinds_and_wrap_variants():
    assert library.key("giraffe", 9) == "giraffe:1"
    assert library.parse_key("person_walk:3:winter") == ("person_walk", 3, "winter")
    with pytest.raises(Exception, match="kind:variant"):
        library.parse_key("unicorn:1")


def _walker_scene(classes):
    p = shapes.Placer(0.0, 4.0, 0.0, 90.0)
    prim = shapes.library_model(
        p,
        library.key("person_walk", 3, "summer"),
        (0.5, 1.8, 0.3),
        np.random.default_rng(0),
        speed=1.2,
        nominal_speed=1.2,
    )
    obj = SceneObject(42, classes.id("person"), "person", "pedestrian", (prim,), velocity=(0.0, 0.0, 0.0))
    return one_object_scene(classes, obj)


def test_a_walker_changes_pose_between_frames_and_keeps_its_ids(classes):
    scene = _walker_scene(classes)
    fx = 32 / math.tan(math.radians(20.0))
    eyes = np.tile([0.0, 0.0, 1.0], (12, 1))
    path = CameraPath("static", "ground", 64, 64, fx, fx, 32.0, 32.0, 24, look_at(eyes, eyes + [0.0, 1.0, 0.0]))
    plan = make_plan("open_air", 3, time_of_day="noon", sun_elevation_deg=70.0)
    passes = render(scene, path, plan, RenderSettings(width=64, height=64, frames=12, fps=24))
    masks = passes.instance == 42
    assert all(m.sum() > 80 for m in masks)  # seen every frame, labelled a person
    assert (passes.seg[masks] == classes.id("person")).all()
    assert set(np.unique(passes.instance).tolist()) == {0, 42}
    changed = [(masks[0] ^ masks[k]).sum() for k in range(1, 12)]
    assert max(changed) > 15  # the legs and arms swing


def test_traffic_drives_on_the_plans_side_of_the_road(classes):
    for side in ("right", "left"):
        scene = build_scene(make_plan("skyline", 11, driving_side=side), classes)
        signs = []
        for o in scene.objects_of("vehicle"):
            vx, vy = o.velocity[:2]
            if math.hypot(vx, vy) < 1.0:
                continue
            c = np.array(o.parts[0].center[:2])
            road = min(scene.roads, key=lambda r: _dist_to_segment(c, r))
            a, b = np.array(road.start), np.array(road.end)
            d = (b - a) / np.linalg.norm(b - a)
            offset = c - a - d * ((c - a) @ d)
            signs.append(np.sign(vx * offset[1] - vy * offset[0]))  # < 0: the road's centre is on the left
        assert len(signs) > 10
        expected = -1.0 if side == "right" else 1.0
        assert np.mean(np.array(signs) == expected) > 0.8  # vehicles near junctions may sit nearer a cross road
        assert any(p.shape == "mesh" for o in scene.objects_of("vehicle") for p in o.parts)


def _dist_to_segment(c, road) -> float:
    a, b = np.array(road.start), np.array(road.end)
    t = np.clip((c - a) @ (b - a) / ((b - a) @ (b - a)), 0.0, 1.0)
    return float(np.linalg.norm(c - (a + t * (b - a))))


def test_zoo_animals_and_people_are_library_meshes_that_move(classes):
    scene = build_scene(make_plan("zoo", 4), classes)
    animals = scene.objects_of("animal")
    assert animals and all(p.shape == "mesh" for o in animals for p in o.parts)
    assert any(math.hypot(*o.velocity[:2]) > 0.05 and o.parts[0].pose_rate > 0 for o in animals)
    walkers = [o for o in scene.objects_of("person") if math.hypot(*o.velocity[:2]) > 0]
    assert walkers and all(o.parts[0].mesh.startswith("person_walk") and o.parts[0].pose_rate > 0 for o in walkers)
    assert Scene.from_json(scene.to_json()) == scene  # keys, not triangles, in scene.json


def _arrow_grid(drive_left: int, long_is_x: int) -> np.ndarray:
    """lane_arrow over a 4 m half-width road: rows are lateral offsets, columns positions along it."""
    import warp as wp

    from worldmill.render import kernels
    from worldmill.render.raycast import _warp

    _warp()

    @wp.kernel
    def paint(out: wp.array2d(dtype=wp.float32), drive_left: int, long_is_x: int):
        i, j = wp.tid()
        lat = -4.0 + 0.05 * float(i)
        lon = 0.05 * float(j)
        out[i, j] = kernels.lane_arrow(lat, lon, 4.0, long_is_x, drive_left)

    out = wp.zeros((161, 480), dtype=wp.float32, device="cpu")
    wp.launch(paint, dim=out.shape, inputs=[out, drive_left, long_is_x], device="cpu")
    return out.numpy()


@pytest.mark.parametrize("long_is_x", [0, 1])
def test_lane_arrows_point_the_way_traffic_drives_on_each_side(long_is_x):
    for drive_left in (0, 1):
        grid = _arrow_grid(drive_left, long_is_x)
        lat = -4.0 + 0.05 * np.arange(161)
        right_of_travel = -lat if long_is_x else lat  # lateral offset towards the right of travel along +lon
        for lane in (right_of_travel > 0, right_of_travel < 0):
            paint = grid[lane]
            assert paint.sum() > 50
            cols = np.flatnonzero(paint.any(axis=0))
            widths = paint[:, cols].sum(axis=0)
            head_at_far_end = widths[cols > np.median(cols)].max() > widths[cols < np.median(cols)].max()
            keeps = (right_of_travel[lane][0] > 0) != bool(drive_left)  # this lane's traffic runs along +lon
            assert head_at_far_end == keeps, (drive_left, long_is_x)


def test_clips_record_the_library_version():
    import dataclasses

    from worldmill.schemas.records import ClipRow

    field = {f.name: f for f in dataclasses.fields(ClipRow)}["asset_library_version"]
    assert field.default_factory() == library.VERSION


def test_built_meshes_persist_on_disk_and_a_torn_file_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    library._cache_dir.cache_clear()
    try:
        built = library._build("zebra:1", 1)
        path = library._cache_dir() / "zebra_1-1.npz"
        assert path.is_file() and str(path).startswith(str(tmp_path))
        loaded = library._build("zebra:1", 1)
        assert len(loaded) == len(built)
        for a, b in zip(built, loaded, strict=True):
            np.testing.assert_array_equal(a.vertices, b.vertices)
            np.testing.assert_array_equal(a.colors, b.colors)
        np.testing.assert_array_equal(built[0].colors, built[3].colors)  # markings stay on the skin
        path.write_bytes(b"torn")
        again = library._build("zebra:1", 1)
        np.testing.assert_array_equal(again[0].vertices, built[0].vertices)
    finally:
        library._cache_dir.cache_clear()


# ride parts far longer than wide vanish at a 2 m scale: test_fittings renders them whole
RENDERED_WHOLE_ELSEWHERE = ("coaster_train", "drop_tower", "drop_gondola", "flume_logs")


@pytest.mark.parametrize("kind", sorted(set(library.kinds()) - set(RENDERED_WHOLE_ELSEWHERE)))
def test_every_kind_renders_with_its_class_and_instance_ids(classes, kind):
    key = library.key(kind, 1)
    lo, hi = library.bounds(key)
    ext = hi - lo
    height = 2.0 * ext[2] / max(ext)  # the model's longest side 2 m
    prim = shapes.library_model(shapes.Placer(0.0, 4.0, 0.0, 30.0), key, (0.0, height, 0.0), np.random.default_rng(1))
    obj = SceneObject(9, classes.id("animal"), "animal", kind, (prim,))
    scene = one_object_scene(classes, obj)
    fx = 24 / math.tan(math.radians(30.0))
    eyes = np.tile([0.0, 0.0, 1.2], (1, 1))
    path = CameraPath("static", "ground", 48, 48, fx, fx, 24.0, 24.0, 24, look_at(eyes, np.array([prim.center])))
    plan = make_plan("open_air", 3, time_of_day="noon", sun_elevation_deg=70.0)
    passes = render(scene, path, plan, RenderSettings(width=48, height=48, frames=1, fps=24))
    mask = passes.instance == 9
    assert mask.sum() > 8, f"{kind}: {mask.sum()} pixels"  # thin ones (a flamingo, a shoal) cover few
    assert (passes.seg[mask] == classes.id("animal")).all()
    assert np.isfinite(passes.depth[mask]).all()


FIRST_CLASSES = [
    "sky",
    "ground",
    "road",
    "pavement",
    "building",
    "wall",
    "floor",
    "ceiling",
    "window",
    "door",
    "water",
    "vegetation",
    "person",
    "vehicle",
    "animal",
    "fence",
    "signage",
    "light",
    "seating",
    "table",
    "counter",
    "bed",
    "medical_equipment",
    "display_case",
    "artwork",
    "sculpture",
    "ride",
    "stall",
    "shelf",
    "plant_pot",
    "column",
    "stairs",
    "landmark",
    "canopy",
    "aquarium_tank",
    "screen",
    "rail_track",
    "rock",
    "bin",
    "sports_field",
    "stage",
    "curtain",
    "fountain",
]


def test_species_classes_are_appended_and_the_old_ids_keep_their_names(classes):
    assert [classes.name(i) for i in range(len(FIRST_CLASSES))] == FIRST_CLASSES
    assert tuple(classes.palette()[classes.id("animal")]) == (11, 28, 212)
    from worldmill.library.animals import SPECIES_WORDS, species_class

    for _, kind in SPECIES_WORDS:
        assert classes.id(kind) >= len(FIRST_CLASSES)
    assert species_class("giant tortoise") == "tortoise" and species_class("manta ray") == "ray"
    assert species_class("rhino") is None  # walks as an elephant model, but is no elephant
    assert species_class("starfish") == "starfish" and species_class("sea lion") is None


def test_a_giraffes_mask_is_labelled_giraffe_while_its_object_stays_an_animal(classes):
    scene = build_scene(make_plan("zoo", 4), classes)
    animals = scene.objects_of("animal")
    giraffe = next(o for o in animals if o.label == "giraffe")
    assert giraffe.class_id == classes.id("giraffe") and giraffe.class_name == "animal"
    assert {classes.name(o.class_id) for o in animals} >= {"giraffe", "zebra"}
    prim = giraffe.parts[0]
    centre = np.array(prim.center)
    fx = 32 / math.tan(math.radians(30.0))
    eyes = np.tile(centre + [0.0, -9.0, 0.5], (2, 1))
    path = CameraPath("static", "ground", 64, 64, fx, fx, 32.0, 32.0, 24, look_at(eyes, np.tile(centre, (2, 1))))
    only = dataclasses.replace(scene, objects=(giraffe,))
    passes = render(only, path, make_plan("zoo", 4), RenderSettings(width=64, height=64, frames=2, fps=24))
    mask = passes.instance == giraffe.instance_id
    assert mask.sum() > 100
    assert (passes.seg[mask] == classes.id("giraffe")).all()


@pytest.mark.parametrize("key", ["potted_plant:0", "flower_bed:2", "ray:0", "dinosaur_skeleton:0"])
def test_far_detail_stays_inside_the_box_the_renderer_bins_by(key):
    """These far meshes stick out of the full-detail box when simplified (up to a fifth); screen tiles are
    binned by that box, so the far poses must lie within it or their tips are cut at tile edges."""
    for lod in range(len(library.LODS)):
        for pose in library.unit_poses(key, lod):
            assert np.abs(pose.vertices).max() <= 1.0 + 1e-6, (key, lod)
