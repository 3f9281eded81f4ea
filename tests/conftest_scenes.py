"""Hand-built scene plans shared by the scene and render tests (independent of the taxonomy and prompt sampler)."""

from __future__ import annotations

import dataclasses

from worldmill.schemas.plan import DecorChoice, ScenePlan

ARCHETYPES = ("skyline", "hospital", "zoo", "museum", "amusement_park", "interior_hall", "open_air", "stadium")
INDOOR = {"hospital", "museum", "interior_hall"}
DECOR = {
    "skyline": [
        ("street lamp", "light", (0.3, 6, 0.3), (0.4, 9, 0.4), "along_path", 5),
        ("city bus", "vehicle", (2.5, 3, 10), (2.6, 3.4, 12), "along_path", 3),
        ("billboard", "signage", (6, 3, 0.3), (10, 5, 0.4), "wall", 2),
        ("bench", "seating", (1.5, 0.8, 0.6), (2, 1, 0.7), "center", 4),
    ],
    "hospital": [
        ("hospital bed", "bed", (0.9, 0.6, 2.0), (1.0, 0.7, 2.2), "wall", 6),
        ("IV stand", "medical_equipment", (0.4, 1.6, 0.4), (0.5, 1.9, 0.5), "grouped", 4),
        ("wayfinding sign", "signage", (1, 0.4, 0.05), (1.5, 0.6, 0.05), "ceiling", 3),
    ],
    "museum": [
        ("painting", "artwork", (1, 0.8, 0.05), (3, 2, 0.08), "wall", 8),
        ("marble statue", "sculpture", (0.8, 1.5, 0.8), (1.2, 2.5, 1.2), "center", 4),
        ("vitrine", "display_case", (1.2, 1.2, 0.8), (2, 1.5, 1), "floor", 5),
    ],
    "zoo": [
        ("giraffe", "animal", (1, 4, 2.5), (1.3, 5, 3), "grouped", 3),
        ("zebra", "animal", (0.6, 1.4, 2), (0.7, 1.5, 2.3), "scattered", 5),
        ("kiosk", "stall", (2.5, 2.8, 2), (3.5, 3.2, 2.5), "along_path", 2),
        ("acacia", "vegetation", (4, 6, 4), (6, 9, 6), "scattered", 4),
    ],
    "amusement_park": [
        ("ferris wheel", "ride", (35, 40, 6), (40, 50, 8), "center", 1),
        ("food stall", "stall", (3, 2.8, 2.5), (4, 3.2, 3), "along_path", 4),
        ("parasol", "canopy", (2.5, 2.5, 2.5), (3, 2.8, 3), "grouped", 4),
    ],
    "interior_hall": [
        ("shop counter", "counter", (3, 1.1, 1), (5, 1.2, 1.2), "perimeter", 4),
        ("potted palm", "plant_pot", (0.8, 1.8, 0.8), (1.2, 2.6, 1.2), "scattered", 6),
        ("departure board", "screen", (3, 1.5, 0.2), (5, 2, 0.3), "overhead", 2),
        ("parked airliner", "vehicle", (35, 12, 38), (40, 13, 45), "perimeter", 1),
    ],
    "open_air": [
        ("bench", "seating", (1.5, 0.8, 0.6), (2, 0.9, 0.7), "along_path", 6),
        ("statue", "sculpture", (1, 3, 1), (1.5, 4, 1.5), "center", 1),
        ("flower bed", "vegetation", (3, 0.5, 2), (5, 0.7, 3), "scattered", 4),
    ],
    "stadium": [
        ("advertising board", "signage", (6, 1, 0.2), (8, 1.2, 0.3), "perimeter", 6),
        ("player", "person", (0.5, 1.75, 0.3), (0.5, 1.9, 0.3), "scattered", 8),
    ],
}


def make_plan(archetype: str = "skyline", seed: int = 7, **changes) -> ScenePlan:
    """A hand-built plan (independent of the taxonomy and prompt sampler)."""
    indoor = archetype in INDOOR
    plan = ScenePlan(
        sample_id=f"testville-1__{archetype}__r00001-{seed % 1000:03d}",
        seed=seed,
        cell_key=f"testville-1__{archetype}",
        city_key="testville-1",
        city_name="Testville",
        country="Testland",
        venue=archetype,
        venue_name=archetype.replace("_", " "),
        archetype=archetype,
        space="main hall" if indoor else "main area",
        indoor=indoor,
        time_of_day="afternoon",
        sun_elevation_deg=35.0,
        sun_azimuth_deg=220.0,
        weather="clear",
        season="summer",
        camera_motion="orbit" if archetype == "skyline" else "walkthrough",
        camera_height_m=260.0 if archetype == "skyline" else 1.6,
        architecture_style="modern glass",
        driving_side="right",
        language="en",
        script="Latn",
        signage_text="Welcome",
        colour_grade="natural",
        people_density=0.5,
        vehicle_density=0.6,
        decor=tuple(
            DecorChoice(name=n, semantic_class=c, count=k, size_min=a, size_max=b, placement=p)
            for n, c, a, b, p, k in DECOR[archetype]
        ),
        landmark="circular_tower" if archetype == "skyline" else None,
    )
    return dataclasses.replace(plan, **changes)


def one_object_scene(classes, obj):
    """An outdoor scene holding only ``obj`` (a SceneObject), with a small camera zone at the origin."""
    from worldmill.scenes import CameraZone, Scene

    zone = CameraZone("ground", (-1.0, -1.0, 1.0), (1.0, 1.0, 6.0), (0.0, 1.0))
    return Scene(
        "t-1__open_air__r00001-000", 1, "open_air", "park", False, "right", (obj,), classes.id("ground"),
        obj.parts[0].center, (zone,),
    )


def real_plan(taxonomy, venue: str, city: str, index: int = 0) -> ScenePlan:
    """The ``index``-th plan of round 1 of a real cell (a city's name, a venue id), as the job draws it."""
    from worldmill.prompts import sample_id, sample_plan, seed_for

    cell = taxonomy.cells([city], [venue])[0]
    return sample_plan(cell, seed_for(cell.key, 1, index), sample_id(cell.key, 1, index), 1)
