"""Procedural 3D scenes from scene plans, and the camera paths that film them.

``build_scene(plan, classes)`` is deterministic in ``plan.seed``: the archetype's generator lays out the
structure, every decor choice is realised with exactly its count of objects, and people and traffic follow
the plan's densities. ``camera_path(scene, plan, settings)`` films it without entering any geometry.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from worldmill.errors import SceneError
from worldmill.scenes.archetypes import INDOOR_BUILDERS, OUTDOOR_BUILDERS, VENUE_BUILDERS
from worldmill.scenes.camera import CameraPath, camera_path, clearance, look_at
from worldmill.scenes.layout import SiteBuilder, add_people, add_traffic, realise_decor
from worldmill.scenes.model import CameraZone, Primitive, Road, Scene, SceneObject
from worldmill.scenes.motion import liven
from worldmill.scenes.signs import dress_signs
from worldmill.schemas.plan import ScenePlan
from worldmill.taxonomy.classes import SemanticClasses

__all__ = [
    "CameraPath",
    "CameraZone",
    "Primitive",
    "Road",
    "Scene",
    "SceneObject",
    "build_scene",
    "camera_path",
    "clearance",
    "liven",
    "look_at",
]

ARCHETYPES = tuple(OUTDOOR_BUILDERS) + tuple(INDOOR_BUILDERS)
MAX_PEOPLE = {"skyline": 160, "stadium": 30}  # a stadium seats its spectators itself (archetypes.SPECTATORS_MAX)
DEFAULT_MAX_PEOPLE = 60


def _builder(plan: ScenePlan):
    """The archetype's generator; interiors of outdoor venues become halls, exteriors of indoor ones open squares."""
    if plan.archetype not in ARCHETYPES:
        raise SceneError(f"Plan {plan.sample_id} has archetype {plan.archetype!r}.", fix=f"use one of {ARCHETYPES}")
    if plan.archetype == "skyline":
        return OUTDOOR_BUILDERS["skyline"]
    if plan.indoor and plan.venue in VENUE_BUILDERS:
        return VENUE_BUILDERS[plan.venue]
    if plan.indoor:
        return INDOOR_BUILDERS.get(plan.archetype, INDOOR_BUILDERS["interior_hall"])
    return OUTDOOR_BUILDERS.get(plan.archetype, OUTDOOR_BUILDERS["open_air"])


def build_scene(plan: ScenePlan, classes: SemanticClasses) -> Scene:
    """The scene for ``plan``: same plan (seed), same scene, object for object."""
    for name, value in (("people_density", plan.people_density), ("vehicle_density", plan.vehicle_density)):
        if not 0.0 <= value <= 1.0:
            raise SceneError(f"Plan {plan.sample_id} has {name}={value}.", fix=f"{name} must lie in [0, 1]")
    for choice in plan.decor:
        if choice.count < 0:
            raise SceneError(
                f"Plan {plan.sample_id}: decor {choice.name!r} has count {choice.count}.", fix="counts are non-negative"
            )
    rng = np.random.default_rng(plan.seed & ((1 << 63) - 1))
    site = SiteBuilder(plan, classes, rng)
    _builder(plan)(site)
    realise_decor(site)
    dress_signs(site)
    people_cap = MAX_PEOPLE.get(plan.archetype, DEFAULT_MAX_PEOPLE) if not plan.indoor else 24
    add_people(site, round(plan.people_density * people_cap))
    if site.roads:
        total = sum(float(np.hypot(r.end[0] - r.start[0], r.end[1] - r.start[1])) for r in site.roads)
        add_traffic(site, min(int(plan.vehicle_density * total / 35.0), 260))
    return Scene(
        sample_id=plan.sample_id,
        seed=plan.seed,
        archetype=plan.archetype,
        venue=plan.venue,
        indoor=site.ground_class is None,
        driving_side=plan.driving_side,
        objects=species_labelled(site.objects, classes),
        ground_class_id=classes.id(site.ground_class) if site.ground_class else None,
        focus=site.focus,
        zones=tuple(site.zones),
        roads=tuple(site.roads),
    )


def species_labelled(objects, classes: SemanticClasses) -> tuple[SceneObject, ...]:
    """``objects`` with each animal's segmentation id set to its species' class where the class list has one
    (a giraffe's mask reads "giraffe"); its class name stays "animal", which layout, cameras, visibility,
    prompts and captions go by."""
    from worldmill.library.animals import species_class

    known = set(classes.names)
    out = []
    for obj in objects:
        species = species_class(obj.label) if obj.class_name == "animal" else None
        out.append(dataclasses.replace(obj, class_id=classes.id(species)) if species in known else obj)
    return tuple(out)
