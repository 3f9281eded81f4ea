"""Venue types: loaded from ``venues.yaml`` and checked beyond their schema, so that every space a plan can
pick has decor, a usable camera motion, and decor whose classes the segmentation palette knows."""

from __future__ import annotations

from pathlib import Path

from worldmill.errors import TaxonomyError, UnknownNameError
from worldmill.schemas.taxonomy import DecorItem, VenueFile, VenueType
from worldmill.taxonomy.classes import SemanticClasses
from worldmill.taxonomy.files import describe_location, read_yaml, validate_file

VENUE_FILE_FIX = (
    "each venue needs id, name, osm_tag (key=value), archetype, indoor_spaces and/or outdoor_spaces, "
    "camera_motions and at least 15 decor items {name, semantic_class, size_min, size_max, placement, count, space}"
)
MIN_DECOR_PER_SIDE = 3  # a plan draws several decor items for the side (indoor/outdoor) of its space
AERIAL_ONLY_MOTIONS = frozenset({"flyover"})


def decor_for_side(venue: VenueType, indoor: bool) -> list[DecorItem]:
    """The decor items that may appear in an indoor (or outdoor) space of ``venue``."""
    side = "indoor" if indoor else "outdoor"
    return [d for d in venue.decor if d.space in (side, "any")]


def held_in_space(venue: VenueType, space: str, items: list[DecorItem]) -> list[DecorItem]:
    """``items`` less the animals that ``space``'s name rules out: a primate island holds primates, not giraffes
    (``space_animals``; a space not listed there holds any of the venue's animals)."""
    allowed = venue.space_animals.get(space)
    if allowed is None:
        return items
    return [d for d in items if d.semantic_class != "animal" or d.name in allowed]


def motions_for_side(venue: VenueType, indoor: bool) -> list[str]:
    """Camera motions usable in an indoor (or outdoor) space: no flyovers under a roof."""
    return [m for m in venue.camera_motions if not (indoor and m in AERIAL_ONLY_MOTIONS)]


def _check_venue(venue: VenueType, where: str, classes: SemanticClasses) -> None:
    if not venue.indoor_spaces and not venue.outdoor_spaces:
        raise TaxonomyError(
            f"{where}: venue {venue.id!r} has no spaces.", fix="list at least one of indoor_spaces, outdoor_spaces"
        )
    names = [d.name for d in venue.decor]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise TaxonomyError(
            f"{where}: venue {venue.id!r} lists decor {', '.join(dupes)} more than once.",
            fix="give each decor item a unique name",
        )
    for i, item in enumerate(venue.decor):
        if item.semantic_class not in classes.names:
            raise UnknownNameError(
                "semantic class",
                item.semantic_class,
                classes.names,
                source=f"{where}.decor[{i}] ({item.name}).semantic_class",
            )
        if item.count[1] < 1:
            raise TaxonomyError(
                f"{where}.decor[{i}] ({item.name}): count {item.count} never places one.",
                fix="make the maximum count at least 1",
            )
        if (item.space == "indoor" and not venue.indoor_spaces) or (
            item.space == "outdoor" and not venue.outdoor_spaces
        ):
            raise TaxonomyError(
                f"{where}.decor[{i}] ({item.name}) is for {item.space} spaces, but venue {venue.id!r} has none.",
                fix=f"add {item.space}_spaces to the venue or change the item's space",
            )
    animals = {d.name: d.space for d in venue.decor if d.semantic_class == "animal"}
    for space, held in venue.space_animals.items():
        side = "indoor" if space in venue.indoor_spaces else "outdoor"
        if space not in (*venue.indoor_spaces, *venue.outdoor_spaces):
            raise TaxonomyError(
                f"{where}: venue {venue.id!r} lists space_animals for {space!r}, which is none of its spaces.",
                fix="name one of its indoor_spaces or outdoor_spaces",
            )
        wrong = [a for a in held if animals.get(a) not in (side, "any")]
        if not held or wrong:
            raise TaxonomyError(
                f"{where}: space_animals[{space!r}] of venue {venue.id!r} holds {wrong or held}, not animals of its "
                f"{side} decor.",
                fix=f"list animal decor items with space {side} or any",
            )
    for indoor, spaces in ((True, venue.indoor_spaces), (False, venue.outdoor_spaces)):
        side = "indoor" if indoor else "outdoor"
        if not spaces:
            continue
        if len(decor_for_side(venue, indoor)) < MIN_DECOR_PER_SIDE:
            raise TaxonomyError(
                f"{where}: venue {venue.id!r} has {side} spaces but fewer than {MIN_DECOR_PER_SIDE} decor items for them.",
                fix=f"add decor items with space: {side} or space: any",
            )
        if not motions_for_side(venue, indoor):
            raise TaxonomyError(
                f"{where}: venue {venue.id!r} has {side} spaces but only aerial camera motions.",
                fix="add a ground-level motion such as walkthrough, glide, dolly, pan or static",
            )


def load_venues(path: Path, classes: SemanticClasses) -> list[VenueType]:
    """The venue types of one venues.yaml, validated against the schema and ``classes``."""
    raw = read_yaml(path)
    parsed = validate_file(path, VenueFile, fix=VENUE_FILE_FIX, data=raw)
    ids = [v.id for v in parsed.venues]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise TaxonomyError(
            f"Taxonomy file {path} defines venue {', '.join(dupes)} more than once.", fix="give each venue a unique id"
        )
    for i, venue in enumerate(parsed.venues):
        _check_venue(venue, f"Taxonomy file {path}, field {describe_location(('venues', i), raw)}", classes)
    return parsed.venues
