"""Venue fittings and moving rides from the library: built per seed, placed where the analytic kits were,
labelled in the segmentation and instance passes, and (rides) posed anew from frame to frame."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest_scenes import make_plan, one_object_scene

from worldmill import library
from worldmill.library import fittings, rides
from worldmill.render import render
from worldmill.scenes import CameraPath, SceneObject, look_at, shapes
from worldmill.schemas.plan import RenderSettings
from worldmill.taxonomy.classes import SemanticClasses

# (class, a label the taxonomy uses, size w/h/d, the library kind it becomes)
FITTINGS = [
    ("bed", "hospital bed", (0.95, 0.8, 2.1), "hospital_bed"),
    ("bed", "gurney", (0.65, 0.95, 2.05), "hospital_bed"),
    ("medical_equipment", "drip stand", (0.55, 1.8, 0.55), "iv_stand"),
    ("medical_equipment", "wheelchair", (0.65, 0.95, 1.05), "wheelchair"),
    ("counter", "reception desk", (4.0, 1.15, 1.0), "desk"),
    ("seating", "park bench", (1.8, 0.85, 0.65), "bench"),
    ("seating", "stone bench", (2.0, 0.48, 0.55), "bench"),
    ("display_case", "glass vitrine", (1.5, 1.6, 0.9), "display_case"),
    ("sculpture", "dinosaur skeleton", (4.0, 5.0, 14.0), "dinosaur_skeleton"),
    ("sculpture", "marble statue", (0.9, 2.4, 0.9), "statue"),
    ("artwork", "framed painting", (1.6, 1.2, 0.06), "painting"),
    ("shelf", "bookcase", (1.1, 2.2, 0.45), "bookshelf"),
    ("stall", "market stall", (3.0, 2.8, 2.4), "market_stall"),
    ("seating", "seating terrace", (40.0, 12.0, 20.0), "terrace"),
    ("stairs", "grand staircase", (6.0, 5.0, 11.0), "staircase"),
    ("stairs", "spiral staircase", (3.0, 5.0, 3.0), "staircase"),
    ("stairs", "concrete stairway", (4.0, 8.0, 6.0), "staircase"),
    ("stairs", "moving walkway", (1.8, 1.1, 30.0), "escalator"),
    ("seating", "waiting chair row", (3.0, 0.85, 0.65), "seat_row"),
    ("seating", "leather armchair", (0.85, 1.05, 0.85), "chair"),
    ("table", "picnic table", (2.0, 0.78, 1.6), "table"),
    ("table", "bedside cabinet", (0.5, 0.9, 0.48), "table"),
    ("plant_pot", "indoor palm", (1.0, 2.8, 1.0), "potted_plant"),
    ("plant_pot", "potted plant", (0.6, 1.3, 0.6), "potted_plant"),
    ("bin", "litter bin", (0.55, 1.0, 0.55), "litter_bin"),
    ("column", "fluted column", (1.0, 8.0, 1.0), "column"),
    ("column", "display plinth", (0.8, 1.0, 0.8), "column"),
    ("counter", "ticket booth", (2.5, 3.0, 2.2), "kiosk"),
    ("counter", "vending machine", (0.95, 1.85, 0.85), "kiosk"),
    ("canopy", "striped umbrella", (3.0, 2.8, 3.0), "parasol"),
    ("stall", "balloon cart", (1.2, 2.8, 1.2), "cart"),
    ("stall", "food cart", (1.2, 2.2, 2.0), "cart"),
    ("vehicle", "delivery scooter", (0.75, 1.15, 1.9), "cycle"),
    ("vehicle", "luggage trolley", (0.75, 1.05, 1.6), "trolley"),
    ("medical_equipment", "medicine trolley", (0.55, 1.05, 0.9), "trolley"),
    ("sculpture", "animatronic figure", (2.0, 2.8, 2.0), "figure"),
    ("sculpture", "mannequin", (0.7, 1.85, 0.35), "figure"),
    ("canopy", "thatched shelter", (4.5, 3.5, 4.5), "shelter"),
    ("canopy", "bandstand", (8.0, 6.0, 8.0), "shelter"),
    ("landmark", "entrance arch", (15.0, 11.0, 4.5), "gateway"),
    ("rock", "boulder", (2.5, 2.0, 2.5), "boulder"),
    ("rock", "coral formation", (1.2, 1.0, 1.2), "boulder"),
    ("screen", "touchscreen kiosk", (0.75, 1.75, 0.5), "screen_cabinet"),
    ("fountain", "tiered fountain", (3.0, 3.0, 3.0), "fountain"),
    ("fountain", "plaza fountain", (12.0, 4.0, 12.0), "fountain"),
    ("sculpture", "memorial obelisk", (2.2, 11.0, 2.2), "monument"),
    ("sculpture", "stone lion", (1.2, 1.8, 3.0), "monument"),
    ("sculpture", "sundial", (4.0, 2.0, 4.0), "monument"),
]


@pytest.fixture(scope="module")
def classes() -> SemanticClasses:
    return SemanticClasses.load()


def _camera(target: np.ndarray, eye: np.ndarray, size: int, frames: int, fps: int) -> CameraPath:
    fx = size / 2 / math.tan(math.radians(30.0))
    eyes = np.tile(eye, (frames, 1))
    return CameraPath("static", "ground", size, size, fx, fx, size / 2, size / 2, fps,
                      look_at(eyes, np.tile(target, (frames, 1))))  # fmt: skip


def _box(parts) -> tuple[np.ndarray, np.ndarray]:
    lo = np.min([np.array(p.center) - p.half_extent_world() for p in parts], axis=0)
    hi = np.max([np.array(p.center) + p.half_extent_world() for p in parts], axis=0)
    return lo, hi


@pytest.mark.parametrize(("class_name", "label", "size", "kind"), FITTINGS)
def test_a_venue_fitting_is_a_library_mesh_labelled_in_every_pass(classes, class_name, label, size, kind):
    mounted = "wall" if class_name == "artwork" else "floor"
    place = shapes.Placer(0.0, 0.0, 0.0, 20.0)
    parts = shapes.kit(class_name, label, place, size, np.random.default_rng(3), mounted=mounted)
    again = shapes.kit(class_name, label, place, size, np.random.default_rng(99), mounted=mounted)
    assert parts == again  # the variant comes from the object's place and label, not the layout's stream
    meshes = [p for p in parts if p.shape == "mesh"]
    assert meshes and all(library.parse_key(p.mesh)[0] == kind for p in meshes)
    lo, hi = _box(parts)
    assert np.all(hi[:2] - lo[:2] <= np.array(size)[[0, 2]].max() * 1.5 + 0.1)  # about the taxonomy's box
    obj = SceneObject(11, classes.id(class_name), class_name, label, tuple(parts))
    scene = one_object_scene(classes, obj)
    centre, reach = (lo + hi) / 2, float(np.linalg.norm(hi - lo)) / 2
    yaw = math.radians(20.0 + 90.0)  # in front of the fitting (its +y)
    eye = centre + np.array([math.cos(yaw), math.sin(yaw), 0.5]) * max(1.8 * reach, 1.5)
    path = _camera(centre, eye, 48, 1, 24)
    plan = make_plan("open_air", 3, time_of_day="noon", sun_elevation_deg=70.0)
    passes = render(scene, path, plan, RenderSettings(width=48, height=48, frames=1, fps=24))
    mask = passes.instance == 11
    assert mask.sum() > 60, f"{label}: {mask.sum()} pixels"
    assert (passes.seg[mask] == classes.id(class_name)).all()
    assert np.isfinite(passes.depth[mask]).all()
    assert len(np.unique(passes.rgb[mask].reshape(-1, 3), axis=0)) > 8  # baked colours and parts, not one flat fill


def test_fittings_that_are_not_in_the_library_keep_their_analytic_kit():
    place = shapes.Placer(0.0, 0.0, 0.0, 0.0)
    for class_name, label in (("medical_equipment", "patient monitor"), ("counter", "baggage carousel"),
                              ("table", "tiered desk row"), ("sculpture", "planet model")):  # fmt: skip
        assert fittings.fitting_for(class_name, label) is None
        parts = shapes.kit(class_name, label, place, (0.5, 1.0, 0.5), np.random.default_rng(1))
        assert all(p.shape != "mesh" for p in parts)


def test_a_painting_shows_a_generated_picture_that_differs_by_seed():
    faces = []
    for variant in range(4):
        mesh = fittings.painting(variant, "", 1.0)[0]
        front = (mesh.vertices[:, 1] > 0.015) & (np.abs(mesh.vertices[:, 0]) < 0.55)
        faces.append(mesh.colors[front])
        assert faces[-1].std(axis=0).max() > 0.1  # an image, not a flat fill
    assert not any(np.allclose(faces[0], f) for f in faces[1:] if f.shape == faces[0].shape)


def test_a_bookcase_holds_books_of_many_colours():
    mesh = fittings.bookshelf(2, "", 1.0)[0]
    colours = np.unique(np.round(mesh.colors, 2), axis=0)
    assert len(colours) > 30 and mesh.triangles < 3000


def test_a_terrace_is_tiled_with_empty_seats_at_its_rake():
    place = shapes.Placer(0.0, 0.0, 0.0, 0.0)
    parts = shapes.kit("seating", "seating terrace", place, (60.0, 15.0, 20.0), np.random.default_rng(0))
    tiles = [p for p in parts if p.shape == "mesh"]
    assert len(tiles) == round(60 / 16) * round(20 / 6.8)  # 16 m wide tiles of 8 rows
    lo, hi = _box(parts)
    assert hi[0] - lo[0] == pytest.approx(60.0, abs=0.5) and hi[1] - lo[1] == pytest.approx(20.8, abs=0.5)
    assert 14.0 < hi[2] < 17.0  # rows rise to the box's height, the back wall a little above
    assert len({p.mesh for p in tiles}) <= library.kinds()["terrace"].variants  # tiles are instanced, not rebuilt
    tile = fittings.terrace(0, "mid", 1.0)[0]
    assert not np.isin(np.round(tile.colors, 2), np.round(np.array(fittings.people.SKIN), 2)).all(axis=1).any()


def _stand_scene(classes, spectators: int, pose: str = "sit"):
    """A stand of 2 x 2 terrace tiles with spectators in its front seats, and a camera on the pitch before it."""
    from worldmill.scenes import CameraZone, Scene

    place = shapes.Placer(0.0, 0.0, 0.0, 180.0)  # its +y (the pitch side) faces -y
    parts, seats = shapes.stand_models(place, (16.0, 8.0, 13.6), np.random.default_rng(4))
    objects = [SceneObject(1, classes.id("seating"), "seating", "grandstand", tuple(parts))]
    seats = sorted(seats, key=lambda s: (s.row, abs(s.along)))[:spectators]
    for i, seat in enumerate(seats):
        rng = np.random.default_rng(i)
        objects.append(SceneObject(10 + i, classes.id("person"), "person", "spectator",
                                   tuple(shapes.spectator(seat, rng, "summer", pose))))  # fmt: skip
    zone = CameraZone("ground", (-1.0, -20.0, 1.0), (1.0, -14.0, 6.0), (0.0, 1.0))
    scene = Scene("t-1__stadium__r00001-000", 1, "stadium", "stadium", False, "right", tuple(objects),
                  classes.id("ground"), (0.0, 0.0, 2.0), (zone,))  # fmt: skip
    return scene, seats


@pytest.mark.parametrize("pose", ["sit", "cheer"])
def test_spectators_are_person_instances_on_their_seats_in_every_pass(classes, pose):
    scene, seats = _stand_scene(classes, 12, pose)
    for obj, seat in zip(scene.objects[1:], seats, strict=True):
        (prim,) = obj.parts
        assert library.parse_key(prim.mesh)[0] == f"person_{pose}"
        lo, hi = _box(obj.parts)
        assert seat.z - 0.02 < lo[2] < seat.z + 0.12  # feet on the tread (turned: the box is a bit wider)
        assert seat.z + 1.0 < hi[2] < seat.z + (1.6 if pose == "sit" else 2.3)
    frames = 4
    path = _camera(np.array([0.0, -5.0, 2.0]), np.array([0.0, -17.0, 3.0]), 96, frames, 4)
    plan = make_plan("stadium", 3, time_of_day="noon", sun_elevation_deg=60.0)
    passes = render(scene, path, plan, RenderSettings(width=96, height=96, frames=frames, fps=4), normals=False)
    ids = [o.instance_id for o in scene.objects[1:]]
    seen = [i for i in ids if (passes.instance == i).sum() > 5]
    assert len(seen) >= 8  # each spectator is an instance of its own
    people = np.isin(passes.instance, ids)
    assert (passes.seg[people] == classes.id("person")).all()
    assert (passes.seg[passes.instance == 1] == classes.id("seating")).all()
    moved = max(int(((passes.instance[0] == i) ^ (passes.instance[k] == i)).sum()) for i in seen for k in range(1, frames))
    assert moved > 0  # they gesture (sitting) or wave (cheering), each keeping its id


def test_a_stadium_seats_its_spectators_as_people_and_realises_its_terraces_once(classes):
    import dataclasses

    from worldmill.scenes import build_scene
    from worldmill.scenes.archetypes import SPECTATORS_MAX
    from worldmill.schemas.plan import DecorChoice

    terraces = DecorChoice(name="seating terrace", semantic_class="seating", size_min=(40.0, 10.0, 15.0),
                           size_max=(120.0, 25.0, 35.0), placement="perimeter", count=3)  # fmt: skip
    roof = DecorChoice(name="cantilever roof", semantic_class="canopy", size_min=(100.0, 3.0, 20.0),
                       size_max=(220.0, 6.0, 45.0), placement="overhead", count=2)  # fmt: skip
    plan = dataclasses.replace(make_plan("stadium", 5), decor=(terraces, roof), people_density=0.5)
    scene = build_scene(plan, classes)
    assert scene == build_scene(plan, classes)  # deterministic per seed
    stands = [o for o in scene.objects if o.decor == "seating terrace"]
    roofs = [o for o in scene.objects if o.decor == "cantilever roof"]
    assert len(stands) == 3 and len(roofs) == 2
    pitch = next(o for o in scene.objects if o.class_name == "sports_field").parts[0]
    for stand in stands:  # behind the touchlines, not on the pitch
        lo, hi = _box(stand.parts)
        assert lo[0] > pitch.size[0] / 2 or hi[0] < -pitch.size[0] / 2 or lo[1] > pitch.size[1] / 2 \
            or hi[1] < -pitch.size[1] / 2  # fmt: skip
    fans = [o for o in scene.objects if o.label == "spectator"]
    assert 200 < len(fans) <= SPECTATORS_MAX
    assert all(o.class_name == "person" and len(o.parts) == 1 for o in fans)
    kinds = {library.parse_key(o.parts[0].mesh)[0] for o in fans}
    assert kinds == {"person_sit", "person_stand", "person_cheer"}
    assert len({o.instance_id for o in fans}) == len(fans)


# (class, label, size w/h/d, camera distance in sizes, frames per second of the check)
RIDES = [
    ("ride", "roller coaster", (40.0, 30.0, 80.0), 0.45, 8),
    ("ride", "drop tower", (8.0, 50.0, 8.0), 1.2, 2),
    ("vehicle", "bumper car", (1.3, 1.1, 2.1), 2.5, 8),
    ("ride", "swing ride", (20.0, 15.0, 20.0), 0.8, 8),
    ("ride", "teacup ride", (14.0, 3.5, 14.0), 0.8, 8),
    ("ride", "log flume", (25.0, 25.0, 90.0), 0.45, 8),
    ("ride", "swing set", (3.5, 2.8, 2.2), 1.5, 8),
    ("ride", "climbing frame", (4.5, 3.5, 4.5), 1.2, 4),
]


@pytest.mark.parametrize(("class_name", "label", "size", "distance", "fps"), RIDES)
def test_a_ride_moves_between_frames_and_keeps_its_ids(classes, class_name, label, size, distance, fps):
    place = shapes.Placer(0.0, 0.0, 0.0, 0.0)
    parts = shapes.kit(class_name, label, place, size, np.random.default_rng(5))
    assert all(p.shape == "mesh" for p in parts)
    assert any(p.pose_rate > 0 for p in parts)
    obj = SceneObject(23, classes.id(class_name), class_name, label, tuple(parts))
    scene = one_object_scene(classes, obj)
    lo, hi = _box(parts)
    centre = (lo + hi) / 2
    reach = float(np.linalg.norm(hi - lo))
    eye = centre + np.array([0.3, 1.0, 0.35]) * reach * distance
    eye[2] = max(eye[2], 1.5)
    frames = 12
    path = _camera(centre, eye, 96, frames, fps)
    plan = make_plan("open_air", 3, time_of_day="noon", sun_elevation_deg=70.0)
    passes = render(scene, path, plan, RenderSettings(width=96, height=96, frames=frames, fps=fps), normals=False)
    masks = passes.instance == 23
    assert all(m.sum() > 30 for m in masks)
    assert set(np.unique(passes.instance).tolist()) <= {0, 23}
    assert (passes.seg[masks] == classes.id(class_name)).all()
    rgb = passes.rgb.astype(np.int16)
    # the outline moves, or (boats inside a flume's channel) what shows inside it
    changed = max(int(((masks[0] ^ masks[k]) | (masks[0] & masks[k] & (np.abs(rgb[0] - rgb[k]).max(-1) > 40))).sum())
                  for k in range(1, frames))  # fmt: skip
    assert changed > 10, f"{label}: {changed} pixels change"


def test_a_coaster_train_runs_on_its_own_circuit():
    pts, _ = rides.coaster_circuit(1)
    train = rides.coaster_train(1, "", 1.0)
    assert len(train) == rides.COASTER_POSES
    for pose in (train[0], train[rides.COASTER_POSES // 2]):
        cars = pose.vertices.reshape(-1, 3)
        near = np.min(np.linalg.norm(cars[::40, None, :] - pts[None, ::2, :], axis=2), axis=1)
        assert near.max() < 3.0  # every car sits on the track
    assert not np.allclose(train[0].vertices, train[1].vertices)


def test_log_boats_float_along_the_flume_and_the_playground_moves():
    pts, _ = rides.flume_circuit(2)
    boats = rides.flume_logs(2, "", 1.0)
    assert len(boats) == rides.FLUME_POSES
    for pose in (boats[0], boats[rides.FLUME_POSES // 3]):
        near = np.min(np.linalg.norm(pose.vertices[::25, None, :] - pts[None, ::2, :], axis=2), axis=1)
        assert near.max() < 2.5  # every boat rides in the channel
    assert not np.allclose(boats[0].vertices, boats[1].vertices)
    assert rides.ride_parts("log flume") == ("flume_channel", "flume_logs")
    for build in (rides.swing_set, rides.climbing_frame):
        poses = build(1, "", 0.45)
        assert len(poses) > 8 and not np.allclose(poses[0].vertices, poses[len(poses) // 4].vertices)
        assert len({p.triangles for p in poses}) == 1  # the same mesh, posed: markings stay put
    swings = rides.swing_set(1, "", 1.0)
    middle = [p.vertices[(np.abs(p.vertices[:, 0]) < 0.3) & (p.vertices[:, 2] > 0.3) & (p.vertices[:, 2] < 0.9)]
              for p in swings]  # fmt: skip
    assert np.ptp([v[:, 1].mean() for v in middle]) > 0.4  # the middle seat swings out and back


def test_the_drop_tower_gondola_rises_slowly_and_falls_fast():
    heights = [rides.drop_height(k / 64) for k in range(64)]
    assert max(heights) == 1.0 and min(heights) == 0.0
    steps = np.diff(heights)
    assert steps.max() < 0.05 < -steps.min()  # the lift climbs in small steps, the fall drops in big ones


@pytest.mark.parametrize("at", [rides.swing_ride_at, rides.teacups_at, rides.ferris_wheel_at, rides.carousel_at])
def test_a_turning_ride_runs_seamlessly_from_its_last_pose_into_its_first(at):
    """The pose after the last (phase 1) is the first (phase 0): no jump in place or colour as a cycle wraps."""

    def looks(mesh) -> np.ndarray:  # vertices with their colours, as a set (seat i takes seat i + 2's place)
        rows = np.round(np.c_[mesh.vertices, mesh.colors], 2)
        return rows[np.lexsort(rows.T[::-1])]

    first, wrapped, later = at(1, 0.45, 0.0), at(1, 0.45, 1.0), at(1, 0.45, 0.5)
    assert (np.abs(looks(wrapped) - looks(first)) <= 0.011).all()
    assert not np.allclose(looks(later), looks(first), atol=0.05)


def test_a_staircase_has_steps_that_rise_one_tread_at_a_time():
    """A flight is a run of treads, not a ramp or a box: top faces at evenly rising heights up the run."""
    mesh = library.asset(library.key("staircase", 1, "concrete")).poses[0]
    up = mesh.normals[:, 2] > 0.99
    tops = np.unique(np.round(mesh.vertices[up, 2], 2))
    assert len(tops) >= 20
    rises = np.diff(tops[tops < 4.01])
    assert rises.max() < 0.25  # every step a comfortable rise (the nosing strips sit just under each tread)
    ys = [mesh.vertices[up & (np.abs(mesh.vertices[:, 2] - z) < 0.005), 1].mean() for z in tops[-5:]]
    assert ys[0] > ys[-1]  # higher treads further back (-y): the foot faces +y, where visitors stand


def test_an_escalators_steps_run_while_its_outline_and_ids_stay(classes):
    place = shapes.Placer(0.0, 0.0, 0.0, 0.0)
    parts = shapes.kit("stairs", "escalator", place, (1.7, 6.0, 12.0), np.random.default_rng(5))
    assert len(parts) == 1 and parts[0].pose_rate > 0
    scene = one_object_scene(classes, SceneObject(23, classes.id("stairs"), "stairs", "escalator", tuple(parts)))
    lo, hi = _box(parts)
    centre = (lo + hi) / 2
    frames = 4
    path = _camera(centre, centre + np.array([2.5, 6.0, 5.0]), 96, frames, 24)
    plan = make_plan("open_air", 3, time_of_day="noon", sun_elevation_deg=70.0)
    passes = render(scene, path, plan, RenderSettings(width=96, height=96, frames=frames, fps=24), normals=False)
    masks = passes.instance == 23
    assert masks[0].sum() > 400 and all((m == masks[0]).mean() > 0.995 for m in masks)  # the frame stands still
    moved = (np.abs(passes.rgb[0].astype(int) - passes.rgb[2].astype(int)).max(-1) > 20) & masks[0]
    assert moved.sum() > 20  # the treads and their yellow edges advance


def test_a_row_is_tiled_from_one_module_at_about_its_own_width():
    place = shapes.Placer(0.0, 0.0, 0.0, 0.0)
    for label, width, module in (("waiting chair row", 3.0, 0.6), ("rope barrier", 9.0, 2.0)):
        cls = "seating" if "chair" in label else "fence"
        parts = shapes.kit(cls, label, place, (width, 1.0, 0.6), np.random.default_rng(0))
        assert len(parts) == round(width / module) and len({p.mesh for p in parts}) == 1  # one variant per row
        lo, hi = _box(parts)
        assert hi[0] - lo[0] == pytest.approx(width, rel=0.15)
        assert hi[2] == pytest.approx(1.0, abs=0.05)  # modules keep the box's height, not stretched by the row


def test_library_kinds_can_keep_their_baked_colours_or_take_their_own_material():
    from worldmill.render.materials import material_table, primitive_materials

    names = list(material_table().materials)
    got = primitive_materials(
        ["seating", "seating", "column", "seating"], ["plain"] * 4, [1, 2, 3, 4], 7,
        ["seat_row:0", "chair:1:armchair", "column:0:fluted", "bench:2"],
    )  # fmt: skip
    assert got[0] == -1  # moulded shells stay baked, though their class takes wood or fabric
    assert names[got[1]] == "fabric"
    assert names[got[2]] in ("marble", "stone")  # the kind's own material: columns are not a mesh class
    assert names[got[3]] in material_table().mesh_classes["seating"]  # others still follow their class


def test_a_screen_cabinet_carries_its_lit_face_on_its_front(classes):
    """Meshes do not emit: an arcade machine is its cabinet mesh plus a glowing panel where its screen is."""
    place = shapes.Placer(0.0, 0.0, 0.0, 0.0)
    parts = shapes.kit("screen", "arcade machine", place, (0.8, 1.9, 0.9), np.random.default_rng(1), mounted="wall")
    cabinet, face = parts
    assert cabinet.shape == "mesh" and face.shape == "box" and face.emissive > 0
    lo, hi = _box([cabinet])
    assert lo[2] < face.center[2] < hi[2] and 1.0 < face.center[2] < 1.7  # at eye height on the cabinet
    assert face.center[1] > 0.2  # on its front (+y), where players stand


def test_a_parked_airliner_has_the_proportions_of_one():
    place = shapes.Placer(0.0, 0.0, 0.0, 0.0)
    (plane,) = shapes.kit("vehicle", "parked airliner", place, (45.0, 15.0, 50.0), np.random.default_rng(2))
    assert library.parse_key(plane.mesh)[0] == "airliner"
    lo, hi = library.bounds(plane.mesh)
    span, length, height = hi - lo
    assert 0.7 < span / length < 1.1 and height < 0.4 * length  # wings nearly as wide as it is long, low
@pytest.mark.parametrize("seed", [0, 3, 8, 11, 15])
def test_a_dinosaur_skeleton_fits_inside_its_museum_hall(classes, seed):
    """The taxonomy allows a skeleton up to 20 m long: it lies along the aisle, within the walls, under the
    ceiling and clear of the camera's aisle, at its own proportions."""
    import dataclasses

    from worldmill.scenes import build_scene
    from worldmill.schemas.plan import DecorChoice

    dino = DecorChoice(name="dinosaur skeleton", semantic_class="sculpture", size_min=(4.5, 5.5, 18.0),
                       size_max=(5.0, 6.0, 20.0), placement="center", count=1)  # fmt: skip
    scene = build_scene(dataclasses.replace(make_plan("museum", seed), decor=(dino,)), classes)
    floor = next(o for o in scene.objects if o.class_name == "floor").parts[0]
    ceiling = next(o for o in scene.objects if o.class_name == "ceiling").parts[0]
    half = np.array(floor.size[:2]) / 2 - 0.3  # the floor slab runs under the walls
    skeleton = next(o for o in scene.objects if o.label == "dinosaur skeleton")
    lo, hi = _box(skeleton.parts)
    assert (lo[:2] >= -half - 1e-6).all() and (hi[:2] <= half + 1e-6).all(), (lo, hi, half)
    assert hi[2] <= ceiling.center[2] - ceiling.size[2] / 2
    assert min(abs(lo[1]), abs(hi[1])) > 1.0 and lo[1] * hi[1] > 0  # beside the aisle (y = 0), not across it
    assert hi[0] - lo[0] > 8.0  # still a big animal, lying along the hall
    for column in (o for o in scene.objects if o.class_name == "column"):  # clear of the rows of columns
        c_lo, c_hi = _box(column.parts)
        assert not ((lo[:2] < c_hi[:2]).all() and (c_lo[:2] < hi[:2]).all())
    lo_n, hi_n = library.bounds(skeleton.parts[0].mesh)
    ext, size = hi_n - lo_n, np.array(skeleton.parts[0].size)
    np.testing.assert_allclose(size / size[2], ext / ext[2], rtol=0.02)  # not stretched out of shape


def test_a_stadium_prompt_counts_the_spectators_it_shows_watching_from_the_stands(classes):
    """Issue 12's rule on person instances: the prompt names as many spectators as cover >= 0.5 % of a frame."""
    import dataclasses

    from worldmill.prompts import sample_id, sample_plan, seed_for, write_prompt
    from worldmill.prompts.text import counted
    from worldmill.scenes.visibility import measure_visibility
    from worldmill.taxonomy import load_taxonomy

    scene, _ = _stand_scene(classes, 6)
    frames = 2
    path = _camera(np.array([0.0, -5.0, 1.5]), np.array([0.0, -12.0, 2.5]), 96, frames, 4)
    taxonomy = load_taxonomy()
    cell = next(c for c in taxonomy.cells() if c.venue.id == "stadium")
    plan = sample_plan(cell, seed_for(cell.key, 1, 0), sample_id(cell.key, 1, 0), 1)
    plan = dataclasses.replace(plan, time_of_day="noon", sun_elevation_deg=60.0, weather="clear", indoor=False)
    passes = render(scene, path, plan, RenderSettings(width=96, height=96, frames=frames, fps=4), normals=False)
    visibility = measure_visibility(scene, passes.instance)
    seen = {k.kind: k.visible for k in visibility.seen()}
    assert seen.get("spectator", 0) >= 3
    text = write_prompt(plan, visibility).text
    assert f"{counted('spectator', seen['spectator'])} watch from the stands".lower() in text.lower()
